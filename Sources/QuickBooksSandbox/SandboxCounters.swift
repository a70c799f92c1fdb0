/// What happened to one realm's API traffic, for tests and the demo.
public struct SandboxCounters: Sendable, Equatable, Codable {
    /// API calls received (everything under `/v3/company/{realmId}/`), answered or not.
    public var requests: Int = 0
    /// Batch calls among ``requests``.
    public var batchRequests: Int = 0
    /// Operations inside batch calls.
    public var batchItems: Int = 0
    /// 429 answers, whatever the cause.
    public var throttled: Int = 0
    /// 429s because the per-window request limit was reached.
    public var throttledByWindow: Int = 0
    /// 429s because the per-window batch limit was reached.
    public var throttledByBatchWindow: Int = 0
    /// 429s because too many requests were in flight.
    public var throttledByConcurrency: Int = 0
    /// 429s forced by fault injection.
    public var forced429s: Int = 0
    /// Calls answered from the `requestid` cache without doing anything again.
    public var idempotentReplays: Int = 0
    /// Injected failures: 5xx answers, timeouts and outage rejections.
    public var faultsInjected: Int = 0
    /// Injected 500 answers.
    public var serverErrorsInjected: Int = 0
    /// Calls held without an answer (then 504).
    public var timeoutsInjected: Int = 0
    /// 503 answers during an outage window.
    public var outageRejections: Int = 0
    /// 401 answers.
    public var authenticationFailures: Int = 0
    /// Fault answers produced by QuickBooks business rules (including per-item batch faults).
    public var validationFaults: Int = 0
    /// Entities created, updated, voided or deleted.
    public var writes: Int = 0
    /// Calls with a retired `minorversion` (below 75), served as 75 as Intuit does.
    public var retiredMinorVersions: Int = 0
    /// Webhook notifications (one POST of the realm's collected changes) the endpoint accepted with a 2xx.
    public var webhooksDelivered: Int = 0
    /// Webhook notifications dropped on purpose (``SandboxWebhooks/dropRate``), never sent.
    public var webhooksDropped: Int = 0
    /// Webhook notifications given up after ``SandboxWebhooks/maxAttempts`` failed attempts.
    public var webhooksFailed: Int = 0
    /// Failed webhook attempts that were tried again.
    public var webhookRetries: Int = 0
    /// Requests being processed right now, and the most seen at once.
    public var inFlight: Int = 0
    public var peakInFlight: Int = 0

    public init() {}
}

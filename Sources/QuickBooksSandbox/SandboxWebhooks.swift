/// Where and how the sandbox sends QuickBooks webhook notifications, as Intuit does for an app
/// with a webhook endpoint configured.
///
/// Every change to a realm's entities — through the API (the app's own writes included: Intuit
/// notifies those too) and by the accountant (``SandboxAccountant``) — becomes a notification
/// entity `{name, id, operation, lastUpdated}` (operations Create, Update, Delete, Merge, Void; a
/// Merge also names the merged-away entity). A realm's changes are collected for ``batchDelay``,
/// then sent in one `POST` to ``url`` with `Content-Type: application/json` and the header
/// `intuit-signature: base64(HMAC-SHA256(key: verifierToken, message: raw body))`.
///
/// Payloads (``Format``):
///
///     legacy:      {"eventNotifications":[{"realmId":"9341…","dataChangeEvent":{"entities":[
///                    {"name":"Customer","id":"1","operation":"Update","lastUpdated":"2026-12-02T10:00:00.000Z"},
///                    {"name":"Customer","id":"2","operation":"Merge","lastUpdated":"…","deletedId":"5"}]}}]}
///     cloudEvents: [{"specversion":"1.0","id":"<unique>","source":"intuit.quickbooks",
///                    "type":"qbo.customer.updated.v1","datacontenttype":"application/json",
///                    "time":"2026-12-02T10:00:00.000Z","intuitentityid":"1","intuitaccountid":"9341…",
///                    "data":{}}]           // a merge: "type":"qbo.customer.merged.v1", "data":{"deletedId":"5"}
///
/// Times are UTC with milliseconds. A delivery that fails (connection error, timeout or non-2xx
/// answer) is sent again, unchanged (same body, same CloudEvents ids), up to ``maxAttempts``
/// times with doubling backoff, then dropped and counted as failed. Counters per realm:
/// ``SandboxCounters/webhooksDelivered``, ``SandboxCounters/webhooksDropped``,
/// ``SandboxCounters/webhooksFailed``, ``SandboxCounters/webhookRetries``.
public struct SandboxWebhooks: Sendable, Equatable {
    /// The two payload formats Intuit sends.
    public enum Format: String, Sendable, Equatable, Codable, CaseIterable {
        /// `{"eventNotifications":[…]}`, Intuit's format before 2025.
        case legacy
        /// A JSON array of CloudEvents 1.0, Intuit's format since its 2025 change.
        case cloudEvents
    }

    /// The app's webhook endpoint, `http://` or `https://`.
    public var url: String
    /// The app's verifier token: the HMAC-SHA256 key of the `intuit-signature` header.
    public var verifierToken: String
    public var format: Format
    /// How long a realm's changes are collected before they go out together in one POST. Intuit
    /// batches for minutes; the default keeps a demo lively.
    public var batchDelay: Duration
    /// Share (0…1) of deliveries silently dropped before they are sent, as Intuit sometimes
    /// loses notifications (change data capture still shows the changes).
    public var dropRate: Double
    /// Attempts per delivery, the first included (1: no retries).
    public var maxAttempts: Int
    /// Wait before the first retry; it doubles for each later one.
    public var retryBackoff: Duration
    /// How long the endpoint has to answer one attempt. Intuit expects an answer within seconds.
    public var timeout: Duration

    public init(
        url: String,
        verifierToken: String,
        format: Format = .cloudEvents,
        batchDelay: Duration = .seconds(1),
        dropRate: Double = 0,
        maxAttempts: Int = 4,
        retryBackoff: Duration = .seconds(1),
        timeout: Duration = .seconds(3)
    ) {
        self.url = url
        self.verifierToken = verifierToken
        self.format = format
        self.batchDelay = batchDelay
        self.dropRate = dropRate
        self.maxAttempts = maxAttempts
        self.retryBackoff = retryBackoff
        self.timeout = timeout
    }

    /// Checks the values and says which one is wrong.
    public func validate() throws(SandboxError) {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), url.count > "http://".count else {
            throw .invalidConfiguration("webhooks.url must be an http:// or https:// URL; got \(url)")
        }
        guard !verifierToken.isEmpty else { throw .invalidConfiguration("webhooks.verifierToken must not be empty") }
        guard (0...1).contains(dropRate) else {
            throw .invalidConfiguration("webhooks.dropRate must be between 0 and 1; got \(dropRate)")
        }
        guard maxAttempts >= 1 else {
            throw .invalidConfiguration("webhooks.maxAttempts must be at least 1; got \(maxAttempts)")
        }
        guard batchDelay >= .zero, retryBackoff >= .zero else {
            throw .invalidConfiguration("webhooks.batchDelay and webhooks.retryBackoff must not be negative")
        }
        guard timeout > .zero else { throw .invalidConfiguration("webhooks.timeout must be positive; got \(timeout)") }
    }
}

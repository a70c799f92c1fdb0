/// Everything the sandbox can be told at start. Defaults reproduce QuickBooks Online's published
/// limits and token lifetimes; shorten the durations to compress time in tests while keeping
/// QuickBooks' ratios.
public struct SandboxConfiguration: Sendable {
    /// Interface to bind. Loopback by default; use "0.0.0.0" in a container.
    public var host: String
    /// TCP port; 0 picks a free one (read it from ``QuickBooksSandbox/endpoint``).
    public var port: Int

    /// OAuth client id the token endpoint accepts (HTTP Basic auth, as Intuit's does).
    public var clientId: String
    /// OAuth client secret the token endpoint accepts.
    public var clientSecret: String
    /// Lifetime of access tokens (`expires_in`). QuickBooks: one hour.
    public var accessTokenLifetime: Duration
    /// Lifetime of refresh tokens (`x_refresh_token_expires_in`). QuickBooks: about 100 days.
    public var refreshTokenLifetime: Duration
    /// How long an authorization code can be exchanged. Intuit: a few minutes.
    public var authorizationCodeLifetime: Duration

    /// The throttling window. QuickBooks: 60 seconds.
    public var throttleWindow: Duration
    /// Requests per realm per window, batch requests included. QuickBooks: 500.
    public var requestsPerWindow: Int
    /// Requests of one realm being processed at the same time. QuickBooks: 10.
    public var maxInFlight: Int
    /// Batch requests per realm per window. QuickBooks: 40.
    public var batchRequestsPerWindow: Int
    /// Operations in one batch request. QuickBooks: 30.
    public var maxBatchItems: Int

    /// Refuse `minorversion` values below 75 with a ValidationFault instead of serving them as 75.
    /// Off by default, as Intuit serves a retired minor version as 75 (the calls are counted in
    /// ``SandboxCounters/retiredMinorVersions``); turn it on to catch a client still pinned to an
    /// old one. A request without `minorversion` is always accepted.
    public var rejectRetiredMinorVersions: Bool
    /// `requestid` answers remembered per realm; the oldest are forgotten beyond this.
    public var idempotencyCacheLimit: Int
    /// Largest accepted request body.
    public var maxRequestBodyBytes: Int
    /// When set, the admin API (`/admin/v1/…`) requires `Authorization: Bearer <adminToken>`.
    public var adminToken: String?

    /// Fault injection and latency applied from the start (changeable later over the admin API).
    public var faults: SandboxFaults

    /// Webhook notifications for every change to a realm's entities; nil (the default) sends none.
    /// Changeable while running with ``SandboxInspector/setWebhooks(_:)`` or `PUT /admin/v1/webhooks`.
    public var webhooks: SandboxWebhooks?

    /// The customer types every new company has (QuickBooks' settings; empty: none set up).
    public var customerTypes: [String] = ["Individual", "Business"]

    /// Every value has QuickBooks' default; override what the test or the demo needs.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        clientId: String = "qbsync-sandbox",
        clientSecret: String = "qbsync-sandbox-secret",
        accessTokenLifetime: Duration = .seconds(3600),
        refreshTokenLifetime: Duration = .seconds(8_726_400),
        authorizationCodeLifetime: Duration = .seconds(600),
        throttleWindow: Duration = .seconds(60),
        requestsPerWindow: Int = 500,
        maxInFlight: Int = 10,
        batchRequestsPerWindow: Int = 40,
        maxBatchItems: Int = 30,
        rejectRetiredMinorVersions: Bool = false,
        idempotencyCacheLimit: Int = 100_000,
        maxRequestBodyBytes: Int = 4 * 1024 * 1024,
        adminToken: String? = nil,
        faults: SandboxFaults = .none,
        webhooks: SandboxWebhooks? = nil
    ) {
        self.host = host
        self.port = port
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.authorizationCodeLifetime = authorizationCodeLifetime
        self.throttleWindow = throttleWindow
        self.requestsPerWindow = requestsPerWindow
        self.maxInFlight = maxInFlight
        self.batchRequestsPerWindow = batchRequestsPerWindow
        self.maxBatchItems = maxBatchItems
        self.rejectRetiredMinorVersions = rejectRetiredMinorVersions
        self.idempotencyCacheLimit = idempotencyCacheLimit
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.adminToken = adminToken
        self.faults = faults
        self.webhooks = webhooks
    }

    /// Checks the values and says which one is wrong.
    public func validate() throws(SandboxError) {
        guard (0...65535).contains(port) else { throw .invalidConfiguration("port must be 0…65535; got \(port)") }
        guard !host.isEmpty else { throw .invalidConfiguration("host must not be empty") }
        guard !clientId.isEmpty, !clientSecret.isEmpty else {
            throw .invalidConfiguration("clientId and clientSecret must not be empty")
        }
        for (name, value) in [
            ("accessTokenLifetime", accessTokenLifetime), ("refreshTokenLifetime", refreshTokenLifetime),
            ("authorizationCodeLifetime", authorizationCodeLifetime), ("throttleWindow", throttleWindow),
        ] where value <= .zero {
            throw .invalidConfiguration("\(name) must be positive; got \(value)")
        }
        for (name, value) in [
            ("requestsPerWindow", requestsPerWindow), ("maxInFlight", maxInFlight),
            ("batchRequestsPerWindow", batchRequestsPerWindow), ("maxBatchItems", maxBatchItems),
            ("idempotencyCacheLimit", idempotencyCacheLimit), ("maxRequestBodyBytes", maxRequestBodyBytes),
        ] where value <= 0 {
            throw .invalidConfiguration("\(name) must be positive; got \(value)")
        }
        try faults.validate()
        try webhooks?.validate()
    }
}

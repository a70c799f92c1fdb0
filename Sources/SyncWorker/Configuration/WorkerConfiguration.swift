import QuickBooks
import SyncCore

/// Everything a qbsync worker needs, with production defaults. Read from the environment by
/// ``WorkerConfiguration/fromEnvironment(_:)`` and checked by ``validate()`` at start.
public struct WorkerConfiguration: Sendable {
    public struct Topics: Sendable, Hashable {
        public var invoices = "billing.invoices"
        public var payments = "billing.payments"
        public var accountToggles = "accounts.quickbooks-sync"
        public var accountLifecycle = "accounts.lifecycle"
        public var syncStatus = "quickbooks.sync-status"
        public var deadLetter = "qbsync.dead-letter"
        public init() {}

        /// The topics the worker consumes.
        public var ingress: [String] { [invoices, payments, accountToggles, accountLifecycle] }
    }

    public struct Kafka: Sendable, Hashable {
        /// Comma-separated `host:port` list.
        public var bootstrapServers = "127.0.0.1:9092"
        public var groupID = "qbsync"
        public var clientID = "qbsync"
        /// librdkafka properties passed through as they are (security.protocol, sasl.*, ssl.*…).
        public var properties: [String: String] = [:]
        /// Short session and heartbeat timings for librdkafka's embedded mock cluster, whose
        /// rebalances otherwise take as long as the session timeout.
        public var tunedForMockCluster = false
        public init() {}

        /// How far the consumer reads ahead of processing: at most 8 MB of messages in all.
        static let consumerPrefetch = ["queued.min.messages": "1000", "queued.max.messages.kbytes": "8192"]
    }

    /// libpq connection URL; `sslmode` and friends pass through.
    public var databaseURL = "postgresql://qbsync@127.0.0.1:5432/qbsync"
    public var databasePoolSize = 16
    public var kafka = Kafka()
    public var topics = Topics()
    public var quickBooks = QuickBooksConfiguration(clientID: "qbsync-sandbox", clientSecret: "qbsync-sandbox-secret")
    /// 32-byte AES key sealing OAuth tokens at rest.
    public var tokenKey: [UInt8] = []
    /// Bearer token the admin HTTP endpoint requires; empty disables the admin routes.
    public var adminToken = ""
    /// Address of the HTTP server serving /healthz, /readyz, /metrics and the admin API.
    public var httpHost = "0.0.0.0"
    public var httpPort = 8080
    public var eventLimits = EventLimits()
    /// Messages processed at once across all partitions (different accounts run in parallel).
    public var maxInFlight = 512
    /// How long a worker may hold an account while talking to QuickBooks before another may take over.
    public var leaseDuration: Duration = .seconds(60)
    /// Attempts within one processing before transient QuickBooks errors park the work.
    public var immediateRetries = 3
    /// First backoff for transient QuickBooks errors; it doubles (with jitter) per attempt.
    public var retryBaseDelay: Duration = .milliseconds(200)
    /// Parked work fails for good after this many attempts.
    public var maxAttempts = 12
    /// Longest wait between two attempts of parked work.
    public var maxRetryDelay: Duration = .seconds(300)
    /// How often parked and waiting work is looked for.
    public var sweepInterval: Duration = .seconds(1)
    /// How often the outbox is checked for status events to publish (commits also wake it).
    public var outboxPollInterval: Duration = .milliseconds(200)
    /// QuickBooks' limits per realm: concurrent calls, and calls per sliding window.
    public var qboMaxInFlight = 10
    public var qboRequestsPerWindow = 500
    public var qboWindow: Duration = .seconds(60)
    /// How long a realm rests after QuickBooks answered 429 (Intuit asks for 60 s).
    public var throttlePause: Duration = .seconds(60)
    /// Time allowed for draining in-flight work on shutdown or partition revocation.
    public var drainTimeout: Duration = .seconds(30)

    public init() {}

    public func validate() throws(WorkerConfigurationError) {
        guard databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") || databaseURL.contains("=") else {
            throw WorkerConfigurationError("QBSYNC_DATABASE_URL must be a postgresql:// URL or a libpq keyword string, got '\(databaseURL)'")
        }
        guard databasePoolSize > 0 else { throw WorkerConfigurationError("QBSYNC_DATABASE_POOL_SIZE must be at least 1") }
        guard !kafka.bootstrapServers.isEmpty else { throw WorkerConfigurationError("QBSYNC_KAFKA_BOOTSTRAP_SERVERS must name at least one broker") }
        guard !kafka.groupID.isEmpty else { throw WorkerConfigurationError("QBSYNC_KAFKA_GROUP must not be empty") }
        guard tokenKey.count == 32 else {
            throw WorkerConfigurationError("set QBSYNC_TOKEN_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or QBSYNC_TOKEN_KEY_FILE; tokens are encrypted at rest with it")
        }
        guard maxInFlight > 0, immediateRetries >= 0, maxAttempts > 0 else {
            throw WorkerConfigurationError("QBSYNC_MAX_IN_FLIGHT and QBSYNC_MAX_ATTEMPTS must be positive")
        }
        guard (0...65535).contains(httpPort) else { throw WorkerConfigurationError("QBSYNC_HTTP_PORT must be a TCP port, got \(httpPort)") }
        do { try quickBooks.validate() } catch { throw WorkerConfigurationError(error.description) }
    }
}

extension WorkerConfiguration {
    /// QuickBooks' per-realm limits as the worker keeps them.
    var realmLimits: RealmGate.Limits {
        RealmGate.Limits(maxInFlight: qboMaxInFlight, requestsPerWindow: qboRequestsPerWindow, window: qboWindow)
    }
}

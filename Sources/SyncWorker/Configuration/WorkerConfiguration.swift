import Foundation
import Kafka
import Postgres
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
        /// TLS and SASL, applied to the consumer, the producer and the dead-letter tools alike.
        public var security = KafkaSecurity()
        /// librdkafka properties passed through as they are (socket.*, fetch.*, …). Those the
        /// typed fields own (bootstrap.servers, security.protocol, sasl.*, ssl.*) are read into
        /// those fields by ``WorkerConfiguration/fromEnvironment(_:)`` instead.
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
    /// The most arenas glibc's malloc keeps (0: glibc's default, 8 per core, or `MALLOC_ARENA_MAX`).
    /// Every database connection has its own thread, and each thread's arena keeps what its
    /// largest statements once needed: 2 took 15 MiB off the benchmark's peak at no cost in speed.
    public var mallocArenas = 2
    /// How long a starting worker waits for PostgreSQL to accept connections (it may be starting
    /// or restarting too) before it gives up; zero gives up at the first refusal.
    public var databaseStartupWait: Duration = .seconds(60)
    public var kafka = Kafka()
    public var topics = Topics()
    public var quickBooks = QuickBooksConfiguration(clientID: "qbsync-sandbox", clientSecret: "qbsync-sandbox-secret")
    /// 32-byte AES key sealing OAuth tokens at rest.
    public var tokenKey: [UInt8] = []
    /// Bearer token the admin HTTP endpoint requires; empty disables the admin routes.
    public var adminToken = ""
    /// The app's webhook verifier token (Intuit's developer portal); empty: webhooks are refused.
    public var webhookVerifierToken = ""
    /// How often each connected company is asked what changed (change-data-capture).
    public var changeDataCaptureInterval: Duration = .seconds(300)
    /// Address of the HTTP server serving /healthz, /readyz, /metrics and the admin API.
    public var httpHost = "0.0.0.0"
    public var httpPort = 8080
    public var eventLimits = EventLimits()
    /// Messages processed at once across all partitions (different accounts run in parallel).
    public var maxInFlight = 512
    /// Messages applied in one database transaction, at most (a batch takes accounts with nothing running).
    public var consumerBatchSize = 200
    /// How long a batch that is not full waits for more messages.
    public var consumerBatchWait: Duration = .milliseconds(5)
    /// Batches applied at once, each on its own database connection.
    public var consumerBatches = 4
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
    /// Batch requests per realm per window, among the calls above (QuickBooks allows 40 a
    /// minute); 0 sends every write alone.
    public var qboBatchesPerWindow = 40
    /// Writes in one batch request (QuickBooks allows 30).
    public var qboBatchItems = 30
    /// How long a batch waits to fill once a realm's single requests of the window are spent.
    public var qboBatchFill: Duration = .milliseconds(100)
    /// Accounts whose documents are written to QuickBooks at once (each account one write at a
    /// time, in order): with QuickBooks answering in 100–500 ms this, not CPU, decides throughput.
    /// A drain costs a task while its write is out; its record goes in a round with the others'.
    public var pusherConcurrency = 512
    /// Connections to QuickBooks across all realms: the cap on requests in flight for the worker.
    public var qboMaxConnections = 256
    /// How long a realm rests after QuickBooks answered 429 (Intuit asks for 60 s).
    public var throttlePause: Duration = .seconds(60)
    /// Time allowed for draining in-flight work on shutdown or partition revocation.
    public var drainTimeout: Duration = .seconds(30)
    /// How long applied event ids are remembered so a redelivery is a no-op; see the README for
    /// what it must outlast (the ingress topics' retention).
    public var ledgerRetention: Duration = .seconds(8 * 24 * 3600)
    /// How long a payment waits for an invoice it pays before its column turns `failed`, naming the
    /// invoice (it still syncs by itself if the invoice comes later).
    public var paymentInvoiceWait: Duration = .seconds(24 * 3600)
    /// How often readiness re-checks PostgreSQL and the Kafka brokers.
    public var readinessInterval: Duration = .seconds(5)
    /// How often consumer lag and the deployment-wide figures are sampled for `/metrics`.
    public var metricsInterval: Duration = .seconds(15)
    /// Where spans go: nowhere (no cost), or an OTLP/HTTP collector that the standard
    /// `OTEL_EXPORTER_OTLP_*` variables name.
    public var traceExport: TraceExport = .off

    public enum TraceExport: String, Sendable, Hashable, CaseIterable {
        case off, otlp
    }

    public init() {}

    /// What shutdown may take at most: the drain, the consumer's final commit, the producer's
    /// flush, and a margin for the HTTP server; past it every service is cancelled.
    public var shutdownBudget: Duration { drainTimeout + Self.commitTimeout + Self.flushTimeout + .seconds(10) }
    static let commitTimeout: Duration = .seconds(10)
    static let flushTimeout: Duration = .seconds(10)

    /// Checks every field, naming the environment variable that sets it; run at start so a
    /// typo fails loudly instead of stalling work later.
    public func validate() throws(WorkerConfigurationError) {
        func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(WorkerConfigurationError) {
            if !condition { throw WorkerConfigurationError(message()) }
        }
        try check(
            databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") || databaseURL.contains("="),
            "QBSYNC_DATABASE_URL must be a postgresql:// URL or a libpq keyword string, got '\(PostgresConfiguration.redacted(databaseURL))'"
        )
        try check((1...1000).contains(databasePoolSize), "QBSYNC_DATABASE_POOL_SIZE must be between 1 and 1000, got \(databasePoolSize)")
        try check((0...64).contains(mallocArenas), "QBSYNC_MALLOC_ARENAS must be between 0 and 64, got \(mallocArenas)")
        try check(
            databaseStartupWait >= .zero && databaseStartupWait <= .seconds(3600),
            "QBSYNC_DATABASE_WAIT_MS must be between 0 and 3600000, got \(databaseStartupWait.milliseconds)")
        try validateKafka()
        try validateTopics()
        try check(
            tokenKey.count == 32,
            "set QBSYNC_TOKEN_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or QBSYNC_TOKEN_KEY_FILE; tokens are encrypted at rest with it"
        )
        try check(
            changeDataCaptureInterval >= .seconds(1) && changeDataCaptureInterval <= .seconds(86_400),
            "QBSYNC_CDC_INTERVAL_MS must be between 1000 and 86400000, got \(changeDataCaptureInterval.milliseconds)")
        try check(
            webhookVerifierToken.isEmpty || webhookVerifierToken.utf8.count >= 16,
            "QBSYNC_QBO_WEBHOOK_VERIFIER_TOKEN must be at least 16 characters (or empty to refuse webhooks), got \(webhookVerifierToken.utf8.count)"
        )
        try check(
            adminToken.isEmpty || adminToken.utf8.count >= 16,
            "QBSYNC_ADMIN_TOKEN must be at least 16 characters (or empty to disable the admin API), got \(adminToken.utf8.count)")
        try check(!httpHost.isEmpty, "QBSYNC_HTTP_HOST must not be empty (0.0.0.0 listens everywhere)")
        try check((0...65535).contains(httpPort), "QBSYNC_HTTP_PORT must be a TCP port (0-65535), got \(httpPort)")
        try check(
            (1024...(64 << 20)).contains(eventLimits.maxMessageBytes),
            "QBSYNC_MAX_MESSAGE_BYTES must be between 1024 and 67108864, got \(eventLimits.maxMessageBytes)")
        try check((1...100_000).contains(maxInFlight), "QBSYNC_MAX_IN_FLIGHT must be between 1 and 100000, got \(maxInFlight)")
        try check(
            (1...10_000).contains(consumerBatchSize), "QBSYNC_CONSUMER_BATCH_SIZE must be between 1 and 10000, got \(consumerBatchSize)")
        try check(
            consumerBatchWait >= .zero && consumerBatchWait <= .seconds(1),
            "QBSYNC_CONSUMER_BATCH_WAIT_MS must be between 0 and 1000, got \(consumerBatchWait.milliseconds)")
        try check((1...1000).contains(consumerBatches), "QBSYNC_CONSUMER_BATCHES must be between 1 and 1000, got \(consumerBatches)")
        try check((1...1000).contains(maxAttempts), "QBSYNC_MAX_ATTEMPTS must be between 1 and 1000, got \(maxAttempts)")
        try check(immediateRetries >= 0, "immediateRetries must not be negative, got \(immediateRetries)")
        try check(leaseDuration >= .seconds(1), "QBSYNC_LEASE_MS must be at least 1000, got \(leaseDuration.milliseconds)")
        try check(
            sweepInterval >= .milliseconds(10) && sweepInterval <= .seconds(3600),
            "QBSYNC_SWEEP_INTERVAL_MS must be between 10 and 3600000, got \(sweepInterval.milliseconds)")
        try check(
            retryBaseDelay > .zero && retryBaseDelay <= maxRetryDelay,
            "retryBaseDelay must be above zero and at most maxRetryDelay, got \(retryBaseDelay) and \(maxRetryDelay)")
        try check(outboxPollInterval >= .milliseconds(1), "outboxPollInterval must be at least 1 ms, got \(outboxPollInterval)")
        try check(
            (1...10_000).contains(qboMaxInFlight),
            "QBSYNC_QBO_MAX_IN_FLIGHT must be between 1 and 10000 (QuickBooks allows 10 per company), got \(qboMaxInFlight)")
        try check(
            (1...10_000).contains(pusherConcurrency),
            "QBSYNC_PUSHER_CONCURRENCY must be between 1 and 10000, got \(pusherConcurrency)")
        try check(
            (1...10_000).contains(qboMaxConnections),
            "QBSYNC_QBO_MAX_CONNECTIONS must be between 1 and 10000, got \(qboMaxConnections)")
        try check(
            qboRequestsPerWindow >= 1,
            "QBSYNC_QBO_REQUESTS_PER_WINDOW must be at least 1 (QuickBooks allows 500 per minute), got \(qboRequestsPerWindow)")
        try check(
            qboWindow >= .milliseconds(100) && qboWindow <= .seconds(3600),
            "QBSYNC_QBO_WINDOW_MS must be between 100 and 3600000, got \(qboWindow.milliseconds)")
        try check(
            qboBatchesPerWindow >= 0 && qboBatchesPerWindow < qboRequestsPerWindow,
            "QBSYNC_QBO_BATCHES_PER_WINDOW must be between 0 and QBSYNC_QBO_REQUESTS_PER_WINDOW - 1 (\(qboRequestsPerWindow - 1)); QuickBooks allows 40 of its 500 a minute; got \(qboBatchesPerWindow)"
        )
        try check(
            (1...30).contains(qboBatchItems), "QBSYNC_QBO_BATCH_ITEMS must be between 1 and 30 (QuickBooks' limit), got \(qboBatchItems)")
        try check(
            qboBatchFill >= .zero && qboBatchFill <= .seconds(10),
            "QBSYNC_QBO_BATCH_FILL_MS must be between 0 and 10000, got \(qboBatchFill.milliseconds)")
        try check(
            throttlePause >= .zero && throttlePause <= .seconds(3600),
            "QBSYNC_QBO_THROTTLE_PAUSE_MS must be between 0 and 3600000, got \(throttlePause.milliseconds)")
        try check(
            drainTimeout >= .seconds(1) && drainTimeout <= .seconds(600),
            "QBSYNC_DRAIN_TIMEOUT_MS must be between 1000 and 600000, got \(drainTimeout.milliseconds)")
        try check(
            ledgerRetention >= .seconds(3600),
            "QBSYNC_LEDGER_RETENTION_HOURS must be at least 1 (and should outlast the ingress topics' retention), got \(ledgerRetention)")
        try check(
            paymentInvoiceWait >= .seconds(1),
            "QBSYNC_PAYMENT_INVOICE_WAIT_MINUTES must be at least 1, got \(paymentInvoiceWait)")
        try check(
            readinessInterval >= .milliseconds(100) && readinessInterval <= .seconds(300),
            "QBSYNC_READINESS_INTERVAL_MS must be between 100 and 300000, got \(readinessInterval.milliseconds)")
        try check(
            metricsInterval >= .milliseconds(100) && metricsInterval <= .seconds(300),
            "QBSYNC_METRICS_INTERVAL_MS must be between 100 and 300000, got \(metricsInterval.milliseconds)")
        try check(
            quickBooks.requestTimeout >= .milliseconds(100) && quickBooks.requestTimeout <= .seconds(600),
            "QBSYNC_QBO_TIMEOUT_MS must be between 100 and 600000, got \(quickBooks.requestTimeout.milliseconds)")
        do { try quickBooks.validate() } catch {
            throw WorkerConfigurationError(
                error.message
                    .replacingOccurrences(of: "apiBaseURL", with: "QBSYNC_QBO_API_URL")
                    .replacingOccurrences(of: "tokenURL", with: "QBSYNC_QBO_TOKEN_URL")
                    .replacingOccurrences(of: "revokeURL", with: "QBSYNC_QBO_REVOKE_URL")
                    .replacingOccurrences(
                        of: "the QuickBooks OAuth client id and secret", with: "QBSYNC_QBO_CLIENT_ID and QBSYNC_QBO_CLIENT_SECRET"))
        }
    }

    private func validateKafka() throws(WorkerConfigurationError) {
        let servers = kafka.bootstrapServers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !servers.isEmpty else {
            throw WorkerConfigurationError("QBSYNC_KAFKA_BOOTSTRAP_SERVERS must name at least one broker as host:port")
        }
        for server in servers {
            guard let colon = server.lastIndex(of: ":"), colon != server.startIndex, let port = Int(server[server.index(after: colon)...]),
                (1...65535).contains(port)
            else {
                throw WorkerConfigurationError("QBSYNC_KAFKA_BOOTSTRAP_SERVERS entries must be host:port, got '\(server)'")
            }
        }
        guard !kafka.groupID.isEmpty else { throw WorkerConfigurationError("QBSYNC_KAFKA_GROUP must not be empty") }
        guard !kafka.clientID.isEmpty else { throw WorkerConfigurationError("QBSYNC_KAFKA_CLIENT_ID must not be empty") }
        let security = kafka.security
        let sasl = security.securityProtocol == .saslSSL || security.securityProtocol == .saslPlaintext
        let tls = security.securityProtocol == .ssl || security.securityProtocol == .saslSSL
        if sasl {
            guard security.saslMechanism != nil else {
                throw WorkerConfigurationError(
                    "QBSYNC_KAFKA_SECURITY_PROTOCOL=\(security.securityProtocol.rawValue) needs QBSYNC_KAFKA_SASL_MECHANISM (\(KafkaSecurity.SASLMechanism.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            guard let username = security.saslUsername, !username.isEmpty else {
                throw WorkerConfigurationError(
                    "QBSYNC_KAFKA_SECURITY_PROTOCOL=\(security.securityProtocol.rawValue) needs QBSYNC_KAFKA_SASL_USERNAME")
            }
            guard let password = security.saslPassword, !password.isEmpty else {
                throw WorkerConfigurationError(
                    "QBSYNC_KAFKA_SECURITY_PROTOCOL=\(security.securityProtocol.rawValue) needs QBSYNC_KAFKA_SASL_PASSWORD or QBSYNC_KAFKA_SASL_PASSWORD_FILE"
                )
            }
        } else if security.saslMechanism != nil || security.saslUsername != nil || security.saslPassword != nil {
            throw WorkerConfigurationError(
                "SASL credentials are set but QBSYNC_KAFKA_SECURITY_PROTOCOL is \(security.securityProtocol.rawValue); use sasl_ssl (or sasl_plaintext)"
            )
        }
        let files = [
            ("QBSYNC_KAFKA_SSL_CA_LOCATION", security.sslCALocation),
            ("QBSYNC_KAFKA_SSL_CERTIFICATE_LOCATION", security.sslCertificateLocation),
            ("QBSYNC_KAFKA_SSL_KEY_LOCATION", security.sslKeyLocation),
        ]
        for (name, path) in files {
            guard let path else { continue }
            guard tls else {
                throw WorkerConfigurationError(
                    "\(name) is set but QBSYNC_KAFKA_SECURITY_PROTOCOL is \(security.securityProtocol.rawValue); use ssl or sasl_ssl")
            }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw WorkerConfigurationError("\(name) names '\(path)', which does not exist or cannot be read")
            }
        }
        guard (security.sslCertificateLocation == nil) == (security.sslKeyLocation == nil) else {
            throw WorkerConfigurationError(
                "QBSYNC_KAFKA_SSL_CERTIFICATE_LOCATION and QBSYNC_KAFKA_SSL_KEY_LOCATION go together (mutual TLS needs both)")
        }
        // What librdkafka itself would refuse, named by variable rather than by librdkafka property.
        do {
            try producerConfiguration().validate()
            try consumerConfiguration().validate()
        } catch {
            throw WorkerConfigurationError("the Kafka settings (QBSYNC_KAFKA_*) are refused: \(error.message)")
        }
    }

    private func validateTopics() throws(WorkerConfigurationError) {
        let named = [
            ("QBSYNC_TOPIC_INVOICES", topics.invoices), ("QBSYNC_TOPIC_PAYMENTS", topics.payments),
            ("QBSYNC_TOPIC_ACCOUNT_TOGGLES", topics.accountToggles), ("QBSYNC_TOPIC_ACCOUNT_LIFECYCLE", topics.accountLifecycle),
            ("QBSYNC_TOPIC_SYNC_STATUS", topics.syncStatus), ("QBSYNC_TOPIC_DEAD_LETTER", topics.deadLetter),
        ]
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        for (name, topic) in named {
            guard !topic.isEmpty, topic.count <= 249, topic.allSatisfy(allowed.contains), topic != ".", topic != ".." else {
                throw WorkerConfigurationError(
                    "\(name) must be a Kafka topic name (1-249 of letters, digits, '.', '_', '-'), got '\(topic)'")
            }
        }
        guard Set(named.map(\.1)).count == named.count else {
            throw WorkerConfigurationError(
                "QBSYNC_TOPIC_* must name six different topics; a worker would read what it writes, got \(named.map(\.1))")
        }
    }
}

extension Duration {
    /// Whole milliseconds, for messages that name a `_MS` variable.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

extension WorkerConfiguration {
    /// QuickBooks' per-realm limits as the worker keeps them.
    var realmLimits: RealmGate.Limits {
        RealmGate.Limits(
            maxInFlight: qboMaxInFlight, requestsPerWindow: qboRequestsPerWindow, window: qboWindow, batchesPerWindow: qboBatchesPerWindow)
    }

    var dispatcherSettings: Dispatcher.Settings {
        Dispatcher.Settings(maxInFlight: maxInFlight, batchSize: consumerBatchSize, batches: consumerBatches, fillWait: consumerBatchWait)
    }

    var batchSettings: RealmBatcher.Settings {
        RealmBatcher.Settings(
            batchesPerWindow: qboBatchesPerWindow, maxItems: qboBatchItems, fillWait: qboBatchFill, maxInFlight: qboMaxInFlight)
    }
}

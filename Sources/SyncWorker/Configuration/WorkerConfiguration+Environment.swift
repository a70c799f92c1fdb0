import Foundation
import Kafka

extension WorkerConfiguration {
    /// Reads the configuration from `QBSYNC_*` environment variables; unset ones keep their defaults.
    ///
    /// Secrets (`QBSYNC_TOKEN_KEY`, `QBSYNC_ADMIN_TOKEN`, `QBSYNC_QBO_CLIENT_SECRET`,
    /// `QBSYNC_KAFKA_SASL_PASSWORD`, `QBSYNC_KAFKA_SSL_KEY_PASSWORD`) may instead name a file with
    /// the same variable plus `_FILE`, as a mounted Kubernetes Secret provides them.
    ///
    /// Other librdkafka properties pass through as `QBSYNC_KAFKA_PROPERTY_<NAME>` with dots
    /// written as underscores. A pass-through property that a typed setting owns
    /// (`QBSYNC_KAFKA_PROPERTY_SECURITY_PROTOCOL=SASL_SSL`, `…_SASL_USERNAME`, `…_SSL_CA_LOCATION`…)
    /// sets that typed setting; set both to different values and the start fails, naming both.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(WorkerConfigurationError) -> WorkerConfiguration
    {
        var c = WorkerConfiguration()
        let env = Reader(environment: environment)
        if let v = env["QBSYNC_DATABASE_URL"] { c.databaseURL = v }
        if let v = try env.int("QBSYNC_DATABASE_POOL_SIZE") { c.databasePoolSize = v }
        if let v = try env.int("QBSYNC_MALLOC_ARENAS") { c.mallocArenas = v }
        if let v = try env.milliseconds("QBSYNC_DATABASE_WAIT_MS") { c.databaseStartupWait = v }
        if let v = try env.bool("QBSYNC_KAFKA_MOCK_CLUSTER") { c.kafka.tunedForMockCluster = v }
        try readKafka(env, into: &c.kafka)
        if let v = env["QBSYNC_TOPIC_INVOICES"] { c.topics.invoices = v }
        if let v = env["QBSYNC_TOPIC_PAYMENTS"] { c.topics.payments = v }
        if let v = env["QBSYNC_TOPIC_ACCOUNT_TOGGLES"] { c.topics.accountToggles = v }
        if let v = env["QBSYNC_TOPIC_ACCOUNT_LIFECYCLE"] { c.topics.accountLifecycle = v }
        if let v = env["QBSYNC_TOPIC_SYNC_STATUS"] { c.topics.syncStatus = v }
        if let v = env["QBSYNC_TOPIC_DEAD_LETTER"] { c.topics.deadLetter = v }
        if let v = env["QBSYNC_QBO_API_URL"] { c.quickBooks.apiBaseURL = v }
        if let v = env["QBSYNC_QBO_TOKEN_URL"] { c.quickBooks.tokenURL = v }
        if let v = env["QBSYNC_QBO_REVOKE_URL"] { c.quickBooks.revokeURL = v }
        if let v = env["QBSYNC_QBO_CLIENT_ID"] { c.quickBooks.clientID = v }
        if let v = try env.secret("QBSYNC_QBO_CLIENT_SECRET") { c.quickBooks.clientSecret = v }
        if let v = try env.milliseconds("QBSYNC_QBO_TIMEOUT_MS") { c.quickBooks.requestTimeout = v }
        if let v = try env.secret("QBSYNC_TOKEN_KEY") {
            c.tokenKey = try decodeKey(v, source: env["QBSYNC_TOKEN_KEY"] == nil ? "QBSYNC_TOKEN_KEY_FILE" : "QBSYNC_TOKEN_KEY")
        }
        if let v = try env.secret("QBSYNC_ADMIN_TOKEN") { c.adminToken = v }
        if let v = try env.secret("QBSYNC_QBO_WEBHOOK_VERIFIER_TOKEN") { c.webhookVerifierToken = v }
        if let v = try env.milliseconds("QBSYNC_CDC_INTERVAL_MS") { c.changeDataCaptureInterval = v }
        if let v = env["QBSYNC_HTTP_HOST"] { c.httpHost = v }
        if let v = try env.int("QBSYNC_HTTP_PORT") { c.httpPort = v }
        if let v = try env.int("QBSYNC_MAX_MESSAGE_BYTES") { c.eventLimits.maxMessageBytes = v }
        if let v = try env.int("QBSYNC_MAX_IN_FLIGHT") { c.maxInFlight = v }
        if let v = try env.int("QBSYNC_CONSUMER_BATCH_SIZE") { c.consumerBatchSize = v }
        if let v = try env.milliseconds("QBSYNC_CONSUMER_BATCH_WAIT_MS") { c.consumerBatchWait = v }
        if let v = try env.int("QBSYNC_CONSUMER_BATCHES") { c.consumerBatches = v }
        if let v = try env.int("QBSYNC_MAX_ATTEMPTS") { c.maxAttempts = v }
        if let v = try env.milliseconds("QBSYNC_LEASE_MS") { c.leaseDuration = v }
        if let v = try env.milliseconds("QBSYNC_SWEEP_INTERVAL_MS") { c.sweepInterval = v }
        if let v = try env.int("QBSYNC_QBO_MAX_IN_FLIGHT") { c.qboMaxInFlight = v }
        if let v = try env.int("QBSYNC_QBO_MAX_CONNECTIONS") { c.qboMaxConnections = v }
        if let v = try env.int("QBSYNC_PUSHER_CONCURRENCY") { c.pusherConcurrency = v }
        if let v = try env.int("QBSYNC_QBO_REQUESTS_PER_WINDOW") { c.qboRequestsPerWindow = v }
        if let v = try env.milliseconds("QBSYNC_QBO_WINDOW_MS") { c.qboWindow = v }
        if let v = try env.int("QBSYNC_QBO_BATCHES_PER_WINDOW") { c.qboBatchesPerWindow = v }
        if let v = try env.int("QBSYNC_QBO_BATCH_ITEMS") { c.qboBatchItems = v }
        if let v = try env.milliseconds("QBSYNC_QBO_BATCH_FILL_MS") { c.qboBatchFill = v }
        if let v = try env.milliseconds("QBSYNC_QBO_THROTTLE_PAUSE_MS") { c.throttlePause = v }
        if let v = try env.milliseconds("QBSYNC_DRAIN_TIMEOUT_MS") { c.drainTimeout = v }
        if let v = try env.int("QBSYNC_LEDGER_RETENTION_HOURS") { c.ledgerRetention = .seconds(Int64(v) * 3600) }
        if let v = try env.int("QBSYNC_PAYMENT_INVOICE_WAIT_MINUTES") { c.paymentInvoiceWait = .seconds(Int64(v) * 60) }
        if let v = try env.milliseconds("QBSYNC_READINESS_INTERVAL_MS") { c.readinessInterval = v }
        if let v = try env.milliseconds("QBSYNC_METRICS_INTERVAL_MS") { c.metricsInterval = v }
        if let v = env["QBSYNC_TRACING"] {
            guard let export = TraceExport(rawValue: v.lowercased()) else {
                throw WorkerConfigurationError("QBSYNC_TRACING must be off or otlp, got '\(v)'")
            }
            c.traceExport = export
        }
        return c
    }

    /// Connection and security settings; pass-through properties a typed setting owns land in it.
    private static func readKafka(_ env: Reader, into kafka: inout Kafka) throws(WorkerConfigurationError) {
        var passThrough: [String: (variable: String, value: String)] = [:]
        for (name, value) in env.environment where name.hasPrefix("QBSYNC_KAFKA_PROPERTY_") && !value.isEmpty {
            let property = name.dropFirst("QBSYNC_KAFKA_PROPERTY_".count).lowercased().replacingOccurrences(of: "_", with: ".")
            passThrough[property] = (name, value)
        }
        /// The typed variable's value, or the pass-through property that means the same; both set differently is an error.
        func typed(_ variable: String, secret: Bool = false, _ properties: String...) throws(WorkerConfigurationError) -> String? {
            let direct = secret ? try env.secret(variable) : env[variable]
            var found: (variable: String, value: String)?
            for property in properties {
                guard let entry = passThrough.removeValue(forKey: property) else { continue }
                if let earlier = found, earlier.value != entry.value {
                    throw WorkerConfigurationError(
                        "\(earlier.variable) and \(entry.variable) set the same Kafka setting to different values")
                }
                found = entry
            }
            if let direct, let found, direct != found.value {
                throw WorkerConfigurationError(
                    "\(variable) and \(found.variable) set the same Kafka setting to different values; set only \(variable)")
            }
            return direct ?? found?.value
        }
        if let v = try typed("QBSYNC_KAFKA_BOOTSTRAP_SERVERS", "bootstrap.servers", "metadata.broker.list") { kafka.bootstrapServers = v }
        if let v = try typed("QBSYNC_KAFKA_GROUP", "group.id") { kafka.groupID = v }
        if let v = try typed("QBSYNC_KAFKA_CLIENT_ID", "client.id") { kafka.clientID = v }
        if let v = try typed("QBSYNC_KAFKA_SECURITY_PROTOCOL", "security.protocol") {
            guard let value = KafkaSecurity.SecurityProtocol(rawValue: v.lowercased()) else {
                throw WorkerConfigurationError(
                    "QBSYNC_KAFKA_SECURITY_PROTOCOL must be one of \(KafkaSecurity.SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", ")), got '\(v)'"
                )
            }
            kafka.security.securityProtocol = value
        }
        if let v = try typed("QBSYNC_KAFKA_SASL_MECHANISM", "sasl.mechanism", "sasl.mechanisms") {
            guard let value = KafkaSecurity.SASLMechanism(rawValue: v.uppercased()) else {
                throw WorkerConfigurationError(
                    "QBSYNC_KAFKA_SASL_MECHANISM must be one of \(KafkaSecurity.SASLMechanism.allCases.map(\.rawValue).joined(separator: ", ")), got '\(v)'"
                )
            }
            kafka.security.saslMechanism = value
        }
        if let v = try typed("QBSYNC_KAFKA_SASL_USERNAME", "sasl.username") { kafka.security.saslUsername = v }
        if let v = try typed("QBSYNC_KAFKA_SASL_PASSWORD", secret: true, "sasl.password") { kafka.security.saslPassword = v }
        if let v = try typed("QBSYNC_KAFKA_SSL_CA_LOCATION", "ssl.ca.location") { kafka.security.sslCALocation = v }
        if let v = try typed("QBSYNC_KAFKA_SSL_CERTIFICATE_LOCATION", "ssl.certificate.location") {
            kafka.security.sslCertificateLocation = v
        }
        if let v = try typed("QBSYNC_KAFKA_SSL_KEY_LOCATION", "ssl.key.location") { kafka.security.sslKeyLocation = v }
        if let v = try typed("QBSYNC_KAFKA_SSL_KEY_PASSWORD", secret: true, "ssl.key.password") { kafka.security.sslKeyPassword = v }
        if let v = try typed("QBSYNC_KAFKA_SSL_VERIFY_HOSTNAME", "ssl.endpoint.identification.algorithm") {
            switch v.lowercased() {
            case "true", "1", "yes", "https": kafka.security.verifyBrokerHostname = true
            case "false", "0", "no", "none": kafka.security.verifyBrokerHostname = false
            default: throw WorkerConfigurationError("QBSYNC_KAFKA_SSL_VERIFY_HOSTNAME must be true or false, got '\(v)'")
            }
        }
        for (property, entry) in passThrough { kafka.properties[property] = entry.value }
    }

    static func decodeKey(_ text: String, source: String) throws(WorkerConfigurationError) -> [UInt8] {
        guard let data = Data(base64Encoded: text), data.count == 32 else {
            throw WorkerConfigurationError("\(source) must be base64 of exactly 32 bytes (`openssl rand -base64 32`)")
        }
        return Array(data)
    }

    struct Reader {
        let environment: [String: String]
        subscript(name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        func int(_ name: String) throws(WorkerConfigurationError) -> Int? {
            guard let text = self[name] else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw WorkerConfigurationError("\(name) must be a whole number, got '\(text)'")
            }
            return value
        }
        func milliseconds(_ name: String) throws(WorkerConfigurationError) -> Duration? {
            try int(name).map { .milliseconds($0) }
        }
        func bool(_ name: String) throws(WorkerConfigurationError) -> Bool? {
            guard let text = self[name] else { return nil }
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw WorkerConfigurationError("\(name) must be true or false, got '\(text)'")
            }
        }
        /// `NAME` itself, or the contents of the file `NAME_FILE` names (trailing newline removed).
        func secret(_ name: String) throws(WorkerConfigurationError) -> String? {
            let file = self["\(name)_FILE"]
            if let direct = self[name] {
                guard file == nil else { throw WorkerConfigurationError("set \(name) or \(name)_FILE, not both") }
                return direct
            }
            guard let file else { return nil }
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw WorkerConfigurationError("\(name)_FILE names '\(file)', which cannot be read: \(error.localizedDescription)")
            }
            let value = text.trimmingCharacters(in: .newlines)
            guard !value.isEmpty else { throw WorkerConfigurationError("\(name)_FILE names '\(file)', which is empty") }
            return value
        }
    }
}

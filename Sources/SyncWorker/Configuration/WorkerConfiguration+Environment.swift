import Foundation

extension WorkerConfiguration {
    /// Reads the configuration from `QBSYNC_*` environment variables; unset ones keep their defaults.
    ///
    /// Kafka client properties pass through as `QBSYNC_KAFKA_PROPERTY_<NAME>` with dots written
    /// as underscores (`QBSYNC_KAFKA_PROPERTY_SECURITY_PROTOCOL=SASL_SSL`).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(WorkerConfigurationError) -> WorkerConfiguration {
        var c = WorkerConfiguration()
        let env = Reader(environment: environment)
        if let v = env["QBSYNC_DATABASE_URL"] { c.databaseURL = v }
        if let v = try env.int("QBSYNC_DATABASE_POOL_SIZE") { c.databasePoolSize = v }
        if let v = env["QBSYNC_KAFKA_BOOTSTRAP_SERVERS"] { c.kafka.bootstrapServers = v }
        if let v = env["QBSYNC_KAFKA_GROUP"] { c.kafka.groupID = v }
        if let v = env["QBSYNC_KAFKA_CLIENT_ID"] { c.kafka.clientID = v }
        if let v = env["QBSYNC_KAFKA_MOCK_CLUSTER"] { c.kafka.tunedForMockCluster = ["1", "true", "yes"].contains(v.lowercased()) }
        for (name, value) in environment where name.hasPrefix("QBSYNC_KAFKA_PROPERTY_") {
            let property = name.dropFirst("QBSYNC_KAFKA_PROPERTY_".count).lowercased().replacingOccurrences(of: "_", with: ".")
            c.kafka.properties[property] = value
        }
        if let v = env["QBSYNC_TOPIC_INVOICES"] { c.topics.invoices = v }
        if let v = env["QBSYNC_TOPIC_PAYMENTS"] { c.topics.payments = v }
        if let v = env["QBSYNC_TOPIC_ACCOUNT_TOGGLES"] { c.topics.accountToggles = v }
        if let v = env["QBSYNC_TOPIC_ACCOUNT_LIFECYCLE"] { c.topics.accountLifecycle = v }
        if let v = env["QBSYNC_TOPIC_SYNC_STATUS"] { c.topics.syncStatus = v }
        if let v = env["QBSYNC_TOPIC_DEAD_LETTER"] { c.topics.deadLetter = v }
        if let v = env["QBSYNC_QBO_API_URL"] { c.quickBooks.apiBaseURL = v }
        if let v = env["QBSYNC_QBO_TOKEN_URL"] { c.quickBooks.tokenURL = v }
        if let v = env["QBSYNC_QBO_CLIENT_ID"] { c.quickBooks.clientID = v }
        if let v = env["QBSYNC_QBO_CLIENT_SECRET"] { c.quickBooks.clientSecret = v }
        if let v = try env.duration("QBSYNC_QBO_TIMEOUT_MS") { c.quickBooks.requestTimeout = v }
        if let v = env["QBSYNC_TOKEN_KEY"] { c.tokenKey = try decodeKey(v, source: "QBSYNC_TOKEN_KEY") }
        if let path = env["QBSYNC_TOKEN_KEY_FILE"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw WorkerConfigurationError("QBSYNC_TOKEN_KEY_FILE names '\(path)', which cannot be read")
            }
            c.tokenKey = try decodeKey(text.trimmingCharacters(in: .whitespacesAndNewlines), source: path)
        }
        if let v = env["QBSYNC_ADMIN_TOKEN"] { c.adminToken = v }
        if let v = env["QBSYNC_HTTP_HOST"] { c.httpHost = v }
        if let v = try env.int("QBSYNC_HTTP_PORT") { c.httpPort = v }
        if let v = try env.int("QBSYNC_MAX_MESSAGE_BYTES") { c.eventLimits.maxMessageBytes = v }
        if let v = try env.int("QBSYNC_MAX_IN_FLIGHT") { c.maxInFlight = v }
        if let v = try env.int("QBSYNC_MAX_ATTEMPTS") { c.maxAttempts = v }
        if let v = try env.duration("QBSYNC_LEASE_MS") { c.leaseDuration = v }
        if let v = try env.duration("QBSYNC_SWEEP_INTERVAL_MS") { c.sweepInterval = v }
        if let v = try env.int("QBSYNC_QBO_MAX_IN_FLIGHT") { c.qboMaxInFlight = v }
        if let v = try env.int("QBSYNC_QBO_REQUESTS_PER_WINDOW") { c.qboRequestsPerWindow = v }
        if let v = try env.duration("QBSYNC_QBO_WINDOW_MS") { c.qboWindow = v }
        if let v = try env.duration("QBSYNC_QBO_THROTTLE_PAUSE_MS") { c.throttlePause = v }
        return c
    }

    static func decodeKey(_ text: String, source: String) throws(WorkerConfigurationError) -> [UInt8] {
        guard let data = Data(base64Encoded: text), data.count == 32 else {
            throw WorkerConfigurationError("\(source) must be base64 of exactly 32 bytes (`openssl rand -base64 32`)")
        }
        return Array(data)
    }

    private struct Reader {
        let environment: [String: String]
        subscript(name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        func int(_ name: String) throws(WorkerConfigurationError) -> Int? {
            guard let text = self[name] else { return nil }
            guard let value = Int(text) else { throw WorkerConfigurationError("\(name) must be a whole number, got '\(text)'") }
            return value
        }
        func duration(_ name: String) throws(WorkerConfigurationError) -> Duration? {
            try int(name).map { .milliseconds($0) }
        }
    }
}

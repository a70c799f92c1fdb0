import Foundation

extension SandboxConfiguration {
    /// Environment variables ``init(environment:)`` reads, with what each sets.
    public static let environmentKeys: [(name: String, meaning: String)] = [
        ("QBSYNC_SANDBOX_HOST", "interface to bind (127.0.0.1; 0.0.0.0 in a container)"),
        ("QBSYNC_SANDBOX_PORT", "TCP port, 0 for any free one"),
        ("QBSYNC_SANDBOX_CLIENT_ID", "OAuth client id the token endpoint accepts"),
        ("QBSYNC_SANDBOX_CLIENT_SECRET", "OAuth client secret the token endpoint accepts"),
        ("QBSYNC_SANDBOX_ACCESS_TOKEN_LIFETIME_SECONDS", "access token lifetime (3600)"),
        ("QBSYNC_SANDBOX_THROTTLE_WINDOW_SECONDS", "throttling window, may be fractional (60)"),
        ("QBSYNC_SANDBOX_REQUESTS_PER_WINDOW", "requests per realm per window (500)"),
        ("QBSYNC_SANDBOX_MAX_IN_FLIGHT", "requests per realm in flight (10)"),
        ("QBSYNC_SANDBOX_BATCH_REQUESTS_PER_WINDOW", "batch requests per realm per window (40)"),
        ("QBSYNC_SANDBOX_MAX_BATCH_ITEMS", "operations per batch request (30)"),
        ("QBSYNC_SANDBOX_ADMIN_TOKEN", "bearer token the admin API requires (none)"),
        ("QBSYNC_SANDBOX_LATENCY_MS", "fixed latency, or min-max for uniform latency (e.g. 20-80)"),
        ("QBSYNC_SANDBOX_SERVER_ERROR_RATE", "share of API calls answered 500 (0)"),
        ("QBSYNC_SANDBOX_TIMEOUT_RATE", "share of API calls left unanswered (0)"),
        ("QBSYNC_SANDBOX_THROTTLE_BODY_FORMAT", "json or xml"),
        ("QBSYNC_SANDBOX_WEBHOOK_URL", "the app's webhook endpoint; set to send webhook notifications (none)"),
        ("QBSYNC_SANDBOX_WEBHOOK_VERIFIER_TOKEN", "the key of the intuit-signature HMAC (required with a URL)"),
        ("QBSYNC_SANDBOX_WEBHOOK_FORMAT", "legacy or cloudEvents (cloudEvents)"),
        ("QBSYNC_SANDBOX_WEBHOOK_BATCH_DELAY_MS", "how long a realm's changes are collected before one POST (1000)"),
        ("QBSYNC_SANDBOX_WEBHOOK_DROP_RATE", "share of webhook deliveries dropped on purpose (0)"),
    ]

    /// Defaults overridden by `QBSYNC_SANDBOX_*` variables (see ``environmentKeys``); a value that
    /// does not parse is an error naming the variable.
    public init(environment: [String: String]) throws(SandboxError) {
        self.init()
        func value(_ key: String) -> String? {
            environment[key].flatMap { $0.isEmpty ? nil : $0 }
        }
        func integer(_ key: String) throws(SandboxError) -> Int? {
            guard let text = value(key) else { return nil }
            guard let number = Int(text) else {
                throw .invalidConfiguration("\(key) must be a whole number; got \(text)")
            }
            return number
        }
        func decimal(_ key: String) throws(SandboxError) -> Double? {
            guard let text = value(key) else { return nil }
            guard let number = Double(text) else { throw .invalidConfiguration("\(key) must be a number; got \(text)") }
            return number
        }
        if let host = value("QBSYNC_SANDBOX_HOST") { self.host = host }
        if let port = try integer("QBSYNC_SANDBOX_PORT") { self.port = port }
        if let clientId = value("QBSYNC_SANDBOX_CLIENT_ID") { self.clientId = clientId }
        if let clientSecret = value("QBSYNC_SANDBOX_CLIENT_SECRET") { self.clientSecret = clientSecret }
        if let seconds = try decimal("QBSYNC_SANDBOX_ACCESS_TOKEN_LIFETIME_SECONDS") {
            accessTokenLifetime = .seconds(seconds)
        }
        if let seconds = try decimal("QBSYNC_SANDBOX_THROTTLE_WINDOW_SECONDS") { throttleWindow = .seconds(seconds) }
        if let count = try integer("QBSYNC_SANDBOX_REQUESTS_PER_WINDOW") { requestsPerWindow = count }
        if let count = try integer("QBSYNC_SANDBOX_MAX_IN_FLIGHT") { maxInFlight = count }
        if let count = try integer("QBSYNC_SANDBOX_BATCH_REQUESTS_PER_WINDOW") { batchRequestsPerWindow = count }
        if let count = try integer("QBSYNC_SANDBOX_MAX_BATCH_ITEMS") { maxBatchItems = count }
        if let token = value("QBSYNC_SANDBOX_ADMIN_TOKEN") { adminToken = token }
        if let latency = value("QBSYNC_SANDBOX_LATENCY_MS") {
            let bounds = latency.split(separator: "-").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard let fixed = bounds[0] else {
                    throw .invalidConfiguration(
                        "QBSYNC_SANDBOX_LATENCY_MS must be milliseconds or min-max; got \(latency)")
                }
                faults.latency = .fixed(.milliseconds(fixed))
            case 2:
                guard let low = bounds[0], let high = bounds[1] else {
                    throw .invalidConfiguration(
                        "QBSYNC_SANDBOX_LATENCY_MS must be milliseconds or min-max; got \(latency)")
                }
                faults.latency = .uniform(min: .milliseconds(low), max: .milliseconds(high))
            default:
                throw .invalidConfiguration("QBSYNC_SANDBOX_LATENCY_MS must be milliseconds or min-max; got \(latency)")
            }
        }
        if let rate = try decimal("QBSYNC_SANDBOX_SERVER_ERROR_RATE") { faults.serverErrorRate = rate }
        if let rate = try decimal("QBSYNC_SANDBOX_TIMEOUT_RATE") { faults.timeoutRate = rate }
        if let format = value("QBSYNC_SANDBOX_THROTTLE_BODY_FORMAT") {
            guard let parsed = SandboxFaults.ThrottleBodyFormat(rawValue: format.lowercased()) else {
                throw .invalidConfiguration("QBSYNC_SANDBOX_THROTTLE_BODY_FORMAT must be json or xml; got \(format)")
            }
            faults.throttleBodyFormat = parsed
        }
        if let url = value("QBSYNC_SANDBOX_WEBHOOK_URL") {
            var webhooks = SandboxWebhooks(url: url, verifierToken: value("QBSYNC_SANDBOX_WEBHOOK_VERIFIER_TOKEN") ?? "")
            if let format = value("QBSYNC_SANDBOX_WEBHOOK_FORMAT") {
                guard let parsed = SandboxWebhooks.format(named: format) else {
                    throw .invalidConfiguration("QBSYNC_SANDBOX_WEBHOOK_FORMAT must be legacy or cloudEvents; got \(format)")
                }
                webhooks.format = parsed
            }
            if let milliseconds = try decimal("QBSYNC_SANDBOX_WEBHOOK_BATCH_DELAY_MS") {
                webhooks.batchDelay = .milliseconds(milliseconds)
            }
            if let rate = try decimal("QBSYNC_SANDBOX_WEBHOOK_DROP_RATE") { webhooks.dropRate = rate }
            self.webhooks = webhooks
        }
        try validate()
    }
}

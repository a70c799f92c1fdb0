import CoreMetrics
import QuickBooks

/// The worker's Prometheus metrics (exported through swift-metrics' bootstrap).
struct WorkerMetrics: Sendable {
    enum EventOutcome: String, Sendable {
        case applied, duplicate, deadLettered = "dead_lettered", rejectedToggle = "rejected_toggle", superseded
    }

    func event(topic: String, outcome: EventOutcome) {
        Counter(label: "qbsync_events_total", dimensions: [("topic", topic), ("outcome", outcome.rawValue)]).increment()
    }

    /// `role` comes from the event, so it is folded onto a fixed set: a label must not take any string.
    func rejectedToggle(entity: String, action: String, role: String) {
        Counter(label: "qbsync_rejected_toggles_total", dimensions: [("entity", entity), ("action", action), ("role", Self.roleLabel(role))]).increment()
    }

    static let knownRoles: Set<String> = ["owner", "admin", "staff", "employee", "contractor", "client", "accountant", "viewer"]

    static func roleLabel(_ role: String) -> String {
        let lowered = role.lowercased()
        return knownRoles.contains(lowered) ? lowered : "other"
    }

    func deadLetter(reason: String) {
        Counter(label: "qbsync_dead_letters_total", dimensions: [("reason", reason)]).increment()
    }

    func quickBooksCall(_ operation: String, outcome: Result<Void, QuickBooksError>, duration: Duration) {
        let result: String
        switch outcome {
        case .success: result = "ok"
        case .failure(let error): result = error.httpStatus == 429 || error.code == "003001" ? "throttled" : "error"
        }
        Counter(label: "qbsync_qbo_requests_total", dimensions: [("operation", operation), ("outcome", result)]).increment()
        if result == "throttled" { Counter(label: "qbsync_qbo_throttled_total").increment() }
        Timer(label: "qbsync_qbo_request_duration_seconds", dimensions: [("operation", operation)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func parkedAccounts(_ count: Int) {
        Gauge(label: "qbsync_parked_accounts").record(count)
    }

    func outboxPublished(_ count: Int) {
        Counter(label: "qbsync_outbox_published_total").increment(by: count)
    }

    func outboxSetAside(topic: String) {
        Counter(label: "qbsync_outbox_set_aside_total", dimensions: [("topic", topic)]).increment()
    }

    func outboxPending(_ count: Int) {
        Gauge(label: "qbsync_outbox_pending").record(count)
    }

    func consumerLag(topic: String, partition: Int32, lag: Int64) {
        Gauge(label: "qbsync_consumer_lag", dimensions: [("topic", topic), ("partition", String(partition))]).record(lag)
    }

    func documentWrite(_ operation: String, outcome: String) {
        Counter(label: "qbsync_document_writes_total", dimensions: [("operation", operation), ("outcome", outcome)]).increment()
    }

    func parkedDocumentQueues(_ count: Int) {
        Gauge(label: "qbsync_parked_document_queues").record(count)
    }
}

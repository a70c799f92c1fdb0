import CoreMetrics
import Metrics
import Prometheus
import QuickBooks

/// The worker's Prometheus metrics: through swift-metrics' bootstrapped factory, or the factory
/// of the registry `/metrics` serves.
///
/// Every label takes a value from a fixed set (topics and partitions from configuration, reasons
/// and outcomes from enums, roles folded onto known ones, operations named by the code).
struct WorkerMetrics: Sendable {
    let factory: any MetricsFactory

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    enum EventOutcome: String, Sendable {
        case applied, duplicate
        case deadLettered = "dead_lettered"
        case rejectedToggle = "rejected_toggle"
        case superseded
    }

    func event(topic: String, outcome: EventOutcome) {
        Counter(label: "qbsync_events_total", dimensions: [("topic", topic), ("outcome", outcome.rawValue)], factory: factory).increment()
    }

    /// Statements sent to PostgreSQL and transactions committed, since the last report.
    func databaseWork(statements: Int, roundTrips: Int, transactions: Int) {
        Counter(label: "qbsync_database_statements_total", factory: factory).increment(by: statements)
        Counter(label: "qbsync_database_round_trips_total", factory: factory).increment(by: roundTrips)
        Counter(label: "qbsync_database_transactions_total", factory: factory).increment(by: transactions)
    }

    /// A batch of messages the consumer applied in one transaction (`committed`), or whose
    /// transaction failed, so its messages went one at a time.
    func consumerBatch(messages: Int, committed: Bool) {
        let outcome = committed ? "committed" : "failed"
        Counter(label: "qbsync_consumer_batches_total", dimensions: [("outcome", outcome)], factory: factory).increment()
        Counter(label: "qbsync_consumer_batch_messages_total", dimensions: [("outcome", outcome)], factory: factory).increment(by: messages)
    }

    /// A round of the pusher's write records made in one transaction (`committed`), or whose
    /// transaction failed, so each record was made on its own.
    func pusherRound(records: Int, committed: Bool) {
        let outcome = committed ? "committed" : "failed"
        Counter(label: "qbsync_pusher_rounds_total", dimensions: [("outcome", outcome)], factory: factory).increment()
        Counter(label: "qbsync_pusher_round_records_total", dimensions: [("outcome", outcome)], factory: factory).increment(by: records)
    }

    /// A document's payload as the pusher planned it: handed over by the consumer, or decoded
    /// again from the stored bytes.
    func pusherPayload(handedOver: Bool) {
        Counter(label: "qbsync_pusher_payloads_total", dimensions: [("source", handedOver ? "handed_over" : "decoded")], factory: factory)
            .increment()
    }

    /// `role` comes from the event, so it is folded onto a fixed set: a label must not take any string.
    func rejectedToggle(entity: String, action: String, role: String) {
        Counter(
            label: "qbsync_rejected_toggles_total", dimensions: [("entity", entity), ("action", action), ("role", Self.roleLabel(role))],
            factory: factory
        ).increment()
    }

    static let knownRoles: Set<String> = ["owner", "admin", "staff", "employee", "contractor", "client", "accountant", "viewer"]

    static func roleLabel(_ role: String) -> String {
        let lowered = role.lowercased()
        return knownRoles.contains(lowered) ? lowered : "other"
    }

    func deadLetter(reason: String) {
        Counter(label: "qbsync_dead_letters_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// A webhook refused: its signature does not verify, or its body cannot be read.
    func webhookRefused(reason: String) {
        Counter(label: "qbsync_webhooks_refused_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// Change notifications received (webhooks, change-data-capture): new ones and repeats.
    func notificationsReceived(new: Int, repeated: Int) {
        Counter(label: "qbsync_qbo_notifications_total", dimensions: [("outcome", "new")], factory: factory).increment(by: new)
        Counter(label: "qbsync_qbo_notifications_total", dimensions: [("outcome", "repeated")], factory: factory).increment(by: repeated)
    }

    /// Something qbsync wrote was changed in QuickBooks (`kind`: deleted_in_quickbooks, …).
    func driftFound(kind: String) {
        Counter(label: "qbsync_qbo_drift_total", dimensions: [("kind", kind)], factory: factory).increment()
    }

    /// How far behind a realm's change-data-capture checkpoint was when it was swept.
    func changeDataCaptureLag(realm: String, seconds: Double) {
        Gauge(label: "qbsync_qbo_cdc_lag_seconds", dimensions: [("realm", realm)], factory: factory).record(seconds)
    }

    /// A batch request sent with `items` writes.
    func quickBooksBatch(items: Int) {
        Counter(label: "qbsync_qbo_batch_requests_total", factory: factory).increment()
        Counter(label: "qbsync_qbo_batch_items_total", factory: factory).increment(by: items)
    }

    func quickBooksCall(_ operation: String, outcome: Result<Void, QuickBooksError>, duration: Duration) {
        let result: String
        switch outcome {
        case .success: result = "ok"
        case .failure(let error): result = error.httpStatus == 429 || error.code == "003001" ? "throttled" : "error"
        }
        Counter(label: "qbsync_qbo_requests_total", dimensions: [("operation", operation), ("outcome", result)], factory: factory)
            .increment()
        if result == "throttled" { Counter(label: "qbsync_qbo_throttled_total", factory: factory).increment() }
        Timer(label: "qbsync_qbo_request_duration_seconds", dimensions: [("operation", operation)], factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func outboxPublished(_ count: Int) {
        Counter(label: "qbsync_outbox_published_total", factory: factory).increment(by: count)
    }

    func outboxSetAside(topic: String) {
        Counter(label: "qbsync_outbox_set_aside_total", dimensions: [("topic", topic)], factory: factory).increment()
    }

    func consumerLag(topic: String, partition: Int32, lag: Int64) {
        Gauge(label: "qbsync_consumer_lag", dimensions: [("topic", topic), ("partition", String(partition))], factory: factory).record(lag)
    }

    func documentWrite(_ operation: String, outcome: String) {
        Counter(label: "qbsync_document_writes_total", dimensions: [("operation", operation), ("outcome", outcome)], factory: factory)
            .increment()
    }

    /// This worker's use of its realms' QuickBooks budgets (a firm's realm is on one worker at a
    /// time, so the counts add up over pods; the ratio is a max).
    func realmUsage(_ usage: RealmUsage) {
        Gauge(label: "qbsync_qbo_realm_budget_used_max", factory: factory).record(usage.busiestWindowRatio)
        Gauge(label: "qbsync_qbo_realms_at_limit", factory: factory).record(usage.realmsAtLimit)
        Gauge(label: "qbsync_qbo_calls_waiting", factory: factory).record(usage.callsWaiting)
        Gauge(label: "qbsync_qbo_realms_active", factory: factory).record(usage.realmsActive)
        Gauge(label: "qbsync_qbo_realm_leases_held", factory: factory).record(usage.leasesHeld)
    }

    /// The deployment-wide figures, from the worker that reports them; zeros from every other
    /// (nil), so a sum over pods is right.
    func deploymentFigures(_ figures: DeploymentFigures?) {
        let values = figures ?? DeploymentFigures()
        Gauge(label: "qbsync_figures_reporter", factory: factory).record(figures == nil ? 0 : 1)
        Gauge(label: "qbsync_parked_accounts", factory: factory).record(values.parkedAccounts)
        Gauge(label: "qbsync_parked_document_queues", factory: factory).record(values.parkedDocumentQueues)
        Gauge(label: "qbsync_outbox_pending", factory: factory).record(values.outboxPending)
        Gauge(label: "qbsync_outbox_oldest_pending_seconds", factory: factory).record(values.outboxOldestPendingSeconds)
        Gauge(label: "qbsync_outbox_set_aside", factory: factory).record(values.outboxSetAside)
        Gauge(label: "qbsync_firms_disconnected", factory: factory).record(values.firmsDisconnected)
    }
}

/// Figures about the whole deployment, read from the database.
struct DeploymentFigures: Sendable, Equatable {
    /// Accounts whose link waits for a retry.
    var parkedAccounts: Int64 = 0
    /// Accounts whose documents wait after a transient QuickBooks error.
    var parkedDocumentQueues: Int64 = 0
    var outboxPending: Int64 = 0
    var outboxOldestPendingSeconds: Double = 0
    var outboxSetAside: Int64 = 0
    /// Firms whose QuickBooks connection is lost or was disconnected.
    var firmsDisconnected: Int64 = 0
}

extension PrometheusMetricsFactory {
    /// The factory qbsync's metrics use: QuickBooks' latency (100–500 ms typically, up to the
    /// request timeout) gets buckets that show it.
    public static func qbsync(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["qbsync_qbo_request_duration_seconds"] = [
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(500),
            .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        ]
        return factory
    }
}

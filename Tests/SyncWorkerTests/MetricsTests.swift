import Foundation
import Logging
import Postgres
import Prometheus
import SyncCore
import Testing

@testable import SyncWorker

/// `/metrics` as an operator scrapes it: figures that exist, add up over pods, and carry bounded labels.
@Suite("Metrics", .timeLimit(.minutes(2)))
struct MetricsTests {
    /// The value of the series `name{labels}` (labels as Prometheus prints them), if exported.
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("a worker exports its partitions' consumer lag, the deployment's figures and QuickBooks latency as a histogram")
    func workerMetrics() async throws {
        try await TestEnvironment.with { env in
            try await env.connectFirm("f1")
            try await Self.withMeasuredWorker(env) { url in
                try await env.send(TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1"))
                _ = try await env.status.wait("f1:invoice:inv-1", is: "synced")
                try await env.eventually("the offsets committed and the lag sampled") { try await Self.invoiceLag(url) == 0 }
                let text = try await HTTP.response("GET", url).body
                #expect(Self.value(text, "qbsync_figures_reporter") == 1, "the only worker reports the deployment's figures")
                #expect(Self.value(text, "qbsync_firms_disconnected") == 0)
                #expect(Self.value(text, #"qbsync_events_total{topic="billing.invoices",outcome="applied"}"#) == 1)
                #expect(Self.value(text, #"qbsync_qbo_request_duration_seconds_bucket{operation="create Invoice",le="0.5"}"#) == 1)
                #expect(Self.value(text, #"qbsync_qbo_request_duration_seconds_count{operation="create Invoice"}"#) == 1)
            }
        }
    }

    /// Runs a worker with its own registry and fast sampling; `body` gets its /metrics URL.
    static func withMeasuredWorker(
        _ env: TestEnvironment, group: String = "qbsync-test", configure: (inout WorkerConfiguration) -> Void = { _ in },
        _ body: (String) async throws -> Void
    ) async throws {
        var configuration = env.workerConfiguration(group: group)
        configuration.metricsInterval = .milliseconds(100)
        configure(&configuration)
        let port = PortBox()
        let worker = try await Worker(
            configuration: configuration, logger: env.logger, metricsRegistry: PrometheusCollectorRegistry(),
            gracefulShutdownSignals: [], onHTTPListening: { await port.set($0) })
        let running = Task { try await worker.run() }
        do { try await body("http://127.0.0.1:\(try await port.value())/metrics") } catch {
            await worker.shutdown()
            try? await running.value
            throw error
        }
        await worker.shutdown()
        try await running.value
    }

    static func invoiceLag(_ url: String) async throws -> Double? {
        let text = try await HTTP.response("GET", url).body
        let lags = (0..<Int32(TestEnvironment.partitions)).compactMap {
            value(text, #"qbsync_consumer_lag{topic="billing.invoices",partition="\#($0)"}"#)
        }
        return lags.count == TestEnvironment.partitions ? lags.reduce(0, +) : nil
    }

    @Test("consumer lag rises while the worker cannot apply events and falls to zero as it drains")
    func lagRisesAndFalls() async throws {
        try await TestEnvironment.with { env in
            try await env.connectFirm("f1")
            try await Self.withMeasuredWorker(env) { url in
                try await env.eventually("the worker holds its partitions and reports their lag") { try await Self.invoiceLag(url) == 0 }
                // The ledger locked away: every event waits at its first statement, as with a stuck database.
                let locked = AsyncStream<Void>.makeStream()
                let holder = Task {
                    try await env.database.withTransaction { connection in
                        _ = try await connection.execute("lock table processed_events in access exclusive mode")
                        locked.continuation.yield()
                        try await Task.sleep(for: .seconds(60))
                    }
                }
                for await _ in locked.stream { break }
                try await env.send(
                    (1...10).map { TestEvents.invoiceUpserted(firm: "f1", account: "a\($0)", name: "Client \($0)", invoice: "inv-\($0)") })
                try await env.eventually("lag at the ten events waiting") { try await Self.invoiceLag(url) == 10 }
                holder.cancel()
                _ = try? await holder.value
                try await env.eventually("lag back to zero once they are applied and committed") { try await Self.invoiceLag(url) == 0 }
                _ = try await env.status.wait("f1:invoice:inv-10", is: "synced")
            }
        }
    }

    @Test("the outbox's oldest pending age rises while Kafka is down and returns to zero once it is back")
    func outboxAgeWhileKafkaIsDown() async throws {
        try await TestEnvironment.with { env in
            try await Self.withMeasuredWorker(env) { url in
                let gauge: @Sendable (String) async throws -> Double? = { name in Self.value(try await HTTP.response("GET", url).body, name)
                }
                try await env.eventually("this worker reports the deployment's figures") { try await gauge("qbsync_figures_reporter") == 1 }
                try env.cluster.setBrokerDown(1)
                try await env.database.withConnection { connection in
                    try await Outbox.enqueue(
                        StatusChange(
                            firmID: "f1", entity: .firm, entityID: "f1", accountID: nil, status: .failed,
                            previousStatus: .synced, detail: "test", errorCode: "3200", qboID: nil, sequence: 1,
                            causedBy: "test"), topic: "quickbooks.sync-status", on: connection)
                }
                try await env.eventually("the row waits for over a second") {
                    (try await gauge("qbsync_outbox_oldest_pending_seconds") ?? 0) >= 1
                }
                let first = try await gauge("qbsync_outbox_oldest_pending_seconds") ?? 0
                try await env.eventually("and keeps ageing") {
                    (try await gauge("qbsync_outbox_oldest_pending_seconds") ?? 0) > first + 0.3
                }
                #expect(try await gauge("qbsync_outbox_pending") == 1)
                try env.cluster.setBrokerUp(1)
                try await env.eventually("published once Kafka is back", timeout: .seconds(30)) {
                    let pending = try await gauge("qbsync_outbox_pending")
                    let oldest = try await gauge("qbsync_outbox_oldest_pending_seconds")
                    return pending == 0 && oldest == 0
                }
            }
        }
    }

    @Test("the deployment's figures come from one worker at a time, the others report zeros; when it leaves another takes over")
    func oneReporter() async throws {
        try await TestEnvironment.with { env in
            try await env.connectFirm("f1")
            try await env.connectFirm("f2")
            try await env.database.withConnection { connection in
                _ = try await connection.execute("update firms set connection_status = 'failed' where firm_id = 'f2'")
                _ = try await connection.execute(
                    """
                    insert into outbox (topic, message_key, payload, created_at) values ('quickbooks.sync-status', 'k', '\\x00', now() - interval '90 seconds')
                    """)
            }
            func reporter(_ id: String) -> DeploymentFigureReporter {
                DeploymentFigureReporter(
                    database: env.database, workerID: id, interval: .seconds(5), metrics: WorkerMetrics(), logger: env.logger)
            }
            let first = reporter("w1")
            let second = reporter("w2")
            let figures = try #require(try await first.sample())
            #expect(figures.firmsDisconnected == 1 && figures.outboxPending >= 1)
            #expect(figures.outboxOldestPendingSeconds >= 90)
            #expect(try await second.sample() == nil, "another worker holds the lease")
            #expect(try await first.sample() != nil, "the holder renews it")
            await first.resign()
            #expect(try await second.sample() != nil, "taken over once the first left")
            #expect(try await first.sample() == nil)
        }
    }
}

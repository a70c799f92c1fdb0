import Foundation
import Kafka
import Logging
import Postgres
import ServiceLifecycle

/// Reports the deployment-wide figures (parked work, the outbox, disconnected firms) from exactly
/// one worker: the one holding the reporter lease (a row in `metrics_reporter`, renewed every
/// interval, taken over when it lapses). Every other worker reports zeros, so summing a figure
/// over pods gives the right value, and so does `max`.
struct DeploymentFigureReporter: Service {
    let database: PostgresClient
    let workerID: String
    let interval: Duration
    let metrics: WorkerMetrics
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                metrics.deploymentFigures(try await sample())
            } catch {
                // Better no figure than a stale one that looks current.
                metrics.deploymentFigures(nil)
                logger.info("could not sample the deployment's figures; trying again", metadata: ["error": "\(error)"])
            }
        }
        await resign()
    }

    /// Leaving: another worker takes over at its next sample instead of after the lease.
    func resign() async {
        do {
            try await database.withConnection { connection in
                _ = try await connection.execute("delete from metrics_reporter where worker_id = $1", [.text(workerID)])
            }
        } catch {
            logger.info(
                "could not hand over reporting the deployment's figures; another worker takes over when the lease lapses",
                metadata: ["error": "\(error)"])
        }
        metrics.deploymentFigures(nil)
    }

    /// The figures when this worker holds (or takes) the lease; nil when another does.
    func sample() async throws -> DeploymentFigures? {
        try await database.withConnection { connection in
            let lease = try await connection.query(
                """
                insert into metrics_reporter (id, worker_id, expires_at) values (1, $1, now() + $2 * interval '1 millisecond')
                on conflict (id) do update set worker_id = excluded.worker_id, expires_at = excluded.expires_at
                where metrics_reporter.worker_id = excluded.worker_id or metrics_reporter.expires_at < now()
                returning worker_id
                """, [.text(workerID), .int64(interval.milliseconds * 3)])
            guard !lease.isEmpty else { return nil }
            let rows = try await connection.query(
                """
                select
                    (select count(*) from accounts where status = 'syncing')::bigint as parked_accounts,
                    (select count(*) from document_queues where next_attempt_at > now())::bigint as parked_queues,
                    (select count(*) from outbox where published_at is null and set_aside_at is null)::bigint as outbox_pending,
                    (select coalesce(extract(epoch from now() - min(created_at)), 0) from outbox
                     where published_at is null and set_aside_at is null)::float8 as outbox_oldest,
                    (select count(*) from outbox where published_at is null and set_aside_at is not null)::bigint as set_aside,
                    (select count(*) from firms where connection_status <> 'synced')::bigint as firms_disconnected
                """)
            guard let row = rows.first else { return nil }
            return DeploymentFigures(
                parkedAccounts: try row.decode(Int64.self, "parked_accounts"),
                parkedDocumentQueues: try row.decode(Int64.self, "parked_queues"),
                outboxPending: try row.decode(Int64.self, "outbox_pending"),
                outboxOldestPendingSeconds: try row.decode(Double.self, "outbox_oldest"),
                outboxSetAside: try row.decode(Int64.self, "set_aside"), firmsDisconnected: try row.decode(Int64.self, "firms_disconnected")
            )
        }
    }
}

/// Records `qbsync_consumer_lag{topic,partition}` for the partitions this worker holds: the
/// group's committed offset against the high watermark. A partition it no longer holds drops to
/// 0 here (its new owner reports it), so summing over pods gives the group's lag.
struct ConsumerLagReporter: Service {
    let consumer: KafkaConsumer
    let interval: Duration
    let metrics: WorkerMetrics
    let logger: Logger

    func run() async throws {
        var reported: Set<TopicPartition> = []
        await repeatUntilShutdown(every: interval) {
            do {
                let lags = try await consumer.lag()
                let held = Set(lags.map(\.topicPartition))
                for lag in lags {
                    metrics.consumerLag(topic: lag.topicPartition.topic, partition: lag.topicPartition.partition, lag: lag.lag)
                }
                for partition in reported.subtracting(held) {
                    metrics.consumerLag(topic: partition.topic, partition: partition.partition, lag: 0)
                }
                reported = held
            } catch {
                logger.info("could not sample consumer lag; trying again", metadata: ["error": "\(error)"])
            }
        }
        for partition in reported { metrics.consumerLag(topic: partition.topic, partition: partition.partition, lag: 0) }
    }
}

/// Records how much of their QuickBooks budgets this worker's realms use, every interval.
struct RealmUsageReporter: Service {
    let gate: RealmGate
    let interval: Duration
    let metrics: WorkerMetrics

    func run() async throws {
        await repeatUntilShutdown(every: interval) { metrics.realmUsage(await gate.usage()) }
    }
}

/// Counts the statements, round trips and transactions the worker's database client has run, every interval
/// and once more when the worker stops.
struct DatabaseStatisticsReporter: Service {
    let database: PostgresClient
    let interval: Duration
    let metrics: WorkerMetrics

    func run() async throws {
        var reported = (statements: 0, roundTrips: 0, transactions: 0)
        func report() {
            let statistics = database.statistics
            let now = (statements: statistics.statements, roundTrips: statistics.roundTrips, transactions: statistics.transactions)
            metrics.databaseWork(
                statements: now.statements - reported.statements, roundTrips: now.roundTrips - reported.roundTrips,
                transactions: now.transactions - reported.transactions)
            reported = now
        }
        await repeatUntilShutdown(every: interval) { report() }
        report()
    }
}

/// Keeps the realm leases of ``RealmGate`` (renewal, hand-over, release when idle), and releases
/// them all when the worker stops, so the next holder starts at once from the recorded window.
struct RealmLeaseKeeper: Service {
    let gate: RealmGate
    var interval: Duration = .milliseconds(200)

    func run() async throws {
        await repeatUntilShutdown(every: interval) { await gate.maintainLeases() }
        await gate.releaseLeases()
    }
}

/// Runs `body` every `interval` until the service group shuts down (the wait ends at once then).
func repeatUntilShutdown(every interval: Duration, _ body: () async -> Void) async {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        await body()
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}

import Kafka
import Logging
import Postgres
import ServiceLifecycle

/// Publishes outbox rows to Kafka in id order and marks them sent after the delivery report.
///
/// One relay at a time holds the batch (a transaction-scoped advisory lock), so rows of one
/// entity leave in the order they were committed even with many workers; rows of one key are
/// sent one after another, different keys in parallel. A crash between delivery and marking
/// republishes the row with the same CloudEvents id and sequence, which readers drop.
struct OutboxRelay: Service {
    let database: PostgresClient
    let producer: KafkaProducer
    let signal: WakeSignal
    let pollInterval: Duration
    let batchSize: Int
    let metrics: WorkerMetrics
    let logger: Logger

    static let lockKey: Int64 = 0x71_62_73_79_6E_64

    func run() async throws {
        var lastCleanup = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let published = try await publishBatch()
                if published == batchSize { continue }  // more waiting: no pause
                if ContinuousClock.now - lastCleanup > .seconds(60) {
                    try await database.withConnection { connection in
                        _ = try await connection.execute("delete from outbox where published_at < now() - interval '15 minutes'")
                        // A redelivery comes within minutes; a week on, a recreated topic's offsets must not look seen.
                        _ = try await connection.execute("delete from dead_letters where dead_lettered_at < now() - interval '7 days'")
                    }
                    lastCleanup = .now
                }
            } catch {
                logger.warning("outbox relay could not publish; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
            await signal.wait(timeout: pollInterval)
        }
        // Graceful shutdown: hand over whatever the drained pipeline committed last.
        while (try? await publishBatch()) == batchSize {}
    }

    /// Publishes up to `batchSize` rows; returns how many.
    @discardableResult
    func publishBatch() async throws -> Int {
        try await database.withTransaction { connection in
            let locked = try await connection.query("select pg_try_advisory_xact_lock($1) as locked", [.int64(Self.lockKey)])
            guard try locked.first?.decode(Bool.self, "locked") == true else { return 0 }
            let rows = try await connection.query(
                "select id, topic, message_key, raw, key_bytes, payload, headers from outbox where published_at is null order by id limit $1", [.int(batchSize)])
            guard !rows.isEmpty else {
                metrics.outboxPending(0)
                return 0
            }
            var groups: [String: [OutboxMessage]] = [:]
            var ids: [Int64] = []
            for row in rows {
                ids.append(try row.decode(Int64.self, "id"))
                let group = try row.decode(String.self, "message_key")
                let message: OutboxMessage
                if try row.decode(Bool.self, "raw") {
                    message = OutboxMessage(topic: try row.decode(String.self, "topic"), key: try row.decode([UInt8]?.self, "key_bytes"),
                                            value: try row.decode([UInt8]?.self, "payload"),
                                            headers: try OutboxMessage.decodeHeaders(try row.decode([UInt8]?.self, "headers") ?? []))
                } else {
                    message = OutboxMessage(topic: try row.decode(String.self, "topic"), key: Array(group.utf8),
                                            value: try row.decode([UInt8].self, "payload"), headers: [])
                }
                groups[group, default: []].append(message)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for messages in groups.values {
                    group.addTask {
                        for message in messages {
                            _ = try await producer.send(topic: message.topic, key: message.key, value: message.value, headers: message.headers)
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await connection.execute("update outbox set published_at = now() where id = any($1)", [.int64Array(ids)])
            metrics.outboxPublished(ids.count)
            return ids.count
        }
    }
}

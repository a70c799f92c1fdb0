import Logging
import Postgres
import ServiceLifecycle

/// Deletes what no longer needs keeping, in bounded chunks so no statement holds locks for long:
/// published outbox rows, old dead-letter marks and batch records, and ledger entries older than the retention.
///
/// The ledger (`processed_events`) makes a redelivered event a no-op. Redeliveries come from
/// offsets not yet committed when a worker died (seconds to minutes) and from a consumer group
/// reset to the oldest retained record, so the ledger must outlast the ingress topics' retention
/// (Kafka's default is 7 days; the default here is 8). Past it, an invoice or payment event is still
/// a no-op by its revision; an account toggle would apply again.
struct RetentionJob: Service {
    let database: PostgresClient
    let ledgerRetention: Duration
    var interval: Duration = .seconds(60)
    var chunk = 10_000
    let logger: Logger

    func run() async throws {
        // Nothing to finish at shutdown: stop at once, mid-pass or mid-sleep.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await runOnce() } catch {
                    logger.warning("retention cleanup failed; it runs again later", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One pass; returns how many ledger entries it deleted.
    @discardableResult
    func runOnce() async throws -> Int {
        let seconds = ledgerRetention.components.seconds
        return try await database.withConnection { connection in
            // A status event is republished within minutes of a crash; a day on it is history.
            _ = try await connection.execute(
                """
                delete from outbox where id in (select id from outbox where published_at < now() - interval '15 minutes' limit $1)
                """, [.int(chunk)])
            // A week on, a recreated topic's offsets must not look seen.
            _ = try await connection.execute(
                """
                delete from dead_letters where (topic, kafka_partition, kafka_offset) in (
                    select topic, kafka_partition, kafka_offset from dead_letters where dead_lettered_at < now() - interval '7 days' limit $1)
                """, [.int(chunk)])
            // A batch is kept until its writes are surely recorded; a week covers a firm reconnecting late.
            _ = try await connection.execute(
                """
                delete from quickbooks_batches where request_id in (
                    select request_id from quickbooks_batches where created_at < now() - interval '7 days' limit $1)
                """, [.int(chunk)])
            var deleted = 0
            while !Task.isCancelled {
                let count = try await connection.execute(
                    """
                    delete from processed_events where event_id in (
                        select event_id from processed_events where processed_at < now() - make_interval(secs => $1) limit $2)
                    """, [.int64(seconds), .int(chunk)])
                deleted += count
                if count < chunk { break }
            }
            if deleted > 0 { logger.info("removed old ledger entries", metadata: ["count": "\(deleted)"]) }
            return deleted
        }
    }
}

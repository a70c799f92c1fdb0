import Kafka
import Logging
import Postgres
import ServiceLifecycle
import Tracing

/// Publishes outbox rows to Kafka in id order and marks them sent after the delivery report.
///
/// A relay claims a batch of rows in a short transaction, delivers them with no transaction open,
/// and settles them in another. A key whose rows a live relay has claimed is left to that relay
/// until they are settled, so rows of one entity leave in the order they were committed while the
/// relays of many workers publish in parallel; only the claiming itself is serialised (a
/// transaction-scoped advisory lock held for that one statement). Rows of one key are sent one
/// after another, different keys in parallel. A relay renews its claims while it delivers; they
/// lapse `claimDuration` after it died, and a crash between delivery and settling republishes
/// the row with the same CloudEvents id and sequence, which readers drop.
///
/// Each row is settled on its own: a row Kafka refuses for good (a record over the broker's size
/// limit, say) is set aside with its reason, kept in the table so nothing is lost, and counted,
/// while the rows around it are published; a row that fails for a while (brokers away) holds back
/// only the rows of its own key behind it. A row delivered is marked sent even when others of
/// the batch failed, so it is not published again.
struct OutboxRelay: Service {
    let database: PostgresClient
    let producer: KafkaProducer
    let signal: WakeSignal
    let pollInterval: Duration
    let batchSize: Int
    /// Who claims rows (the worker's id), and for how long a claim holds without being settled.
    let relayID: String
    let claimDuration: Duration
    /// How long the last publish at shutdown may take before the producer is shut down (which
    /// flushes for its own timeout and then gives up; unsent rows stay for the next worker).
    var finalPublishBudget: Duration = .seconds(5)
    let metrics: WorkerMetrics
    var tracing = PipelineTracing()
    let logger: Logger

    static let lockKey: Int64 = 0x71_62_73_79_6E_64

    /// What one batch did.
    struct Outcome: Sendable {
        /// Rows published or set aside.
        var settled = 0
        /// The first transient failure, when some rows must be tried again.
        var failure: KafkaError?
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let outcome = try await publishBatch()
                if let failure = outcome.failure {
                    logger.warning("outbox relay could not publish every row; retrying those", metadata: ["error": "\(failure)"])
                    try? await Task.sleep(for: .seconds(1))
                } else if outcome.settled == batchSize {
                    continue  // more waiting: no pause
                }
            } catch {
                logger.warning("outbox relay could not read the outbox; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
            await signal.wait(timeout: pollInterval)
        }
        // Graceful shutdown: hand over whatever the drained pipeline committed last, within a
        // budget: with the brokers away a send would otherwise wait for its delivery timeout.
        let budget = finalPublishBudget
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    while true {
                        let outcome = try await publishBatch()
                        if let failure = outcome.failure {
                            logger.warning(
                                "outbox relay could not publish every row at shutdown; the next worker publishes them",
                                metadata: ["error": "\(failure)"])
                        }
                        guard outcome.failure == nil, outcome.settled == batchSize else { break }
                    }
                } catch {
                    logger.warning(
                        "outbox relay could not read the outbox at shutdown; the next worker publishes what is left",
                        metadata: ["error": "\(error)"])
                }
            }
            group.addTask {
                guard (try? await Task.sleep(for: budget)) != nil else { return }
                logger.warning("outbox rows still unsent at shutdown; the next worker publishes them")
                try? await producer.shutdown()
            }
            await group.next()
            group.cancelAll()
        }
        await releaseClaims()
    }

    /// Claims, publishes and settles up to `batchSize` rows.
    @discardableResult
    func publishBatch() async throws -> Outcome {
        let rows = try await claim()
        guard !rows.isEmpty else { return Outcome() }
        var groups: [String: [Row]] = [:]
        var order: [String] = []
        for row in rows {
            if groups[row.group] == nil { order.append(row.group) }
            groups[row.group, default: []].append(row)
        }
        // While Kafka delivers (for as long as its delivery timeout, brokers away), the claims are
        // renewed: a claim lapses only when its relay is gone, never under a slow delivery.
        let results = await whileRenewing(
            every: claimDuration / 3, renewClaims,
            failed: { error in
                logger.info(
                    "could not renew the outbox rows this relay is delivering; another relay may send them too",
                    metadata: ["error": "\(error)"])
            }
        ) {
            await withTaskGroup(of: GroupResult.self) { tasks in
                for key in order {
                    let messages = groups[key] ?? []
                    tasks.addTask { await send(messages) }
                }
                var all: [GroupResult] = []
                for await result in tasks { all.append(result) }
                return all
            }
        }
        let published = results.flatMap(\.published)
        let setAside = results.flatMap(\.setAside)
        let settled = Set(published).union(setAside.map(\.id))
        try await database.withTransaction { connection in
            if !published.isEmpty {
                try await connection.execute(
                    "update outbox set published_at = now(), claimed_by = null, claimed_until = null where id = any($1)",
                    [.int64Array(published)])
            }
            if !setAside.isEmpty {
                try await connection.execute(
                    """
                    update outbox set set_aside_at = now(), set_aside_reason = reasons.reason, claimed_by = null, claimed_until = null
                    from unnest($1::bigint[], $2::text[]) as reasons(id, reason) where outbox.id = reasons.id
                    """, [.int64Array(setAside.map(\.id)), .textArray(setAside.map(\.reason))])
            }
            // What could not be sent now is anyone's again.
            let unsent = rows.map(\.id).filter { !settled.contains($0) }
            if !unsent.isEmpty {
                try await connection.execute(
                    "update outbox set claimed_by = null, claimed_until = null where id = any($1) and claimed_by = $2",
                    [.int64Array(unsent), .text(relayID)])
            }
        }
        if !published.isEmpty { metrics.outboxPublished(published.count) }
        for row in setAside {
            metrics.outboxSetAside(topic: row.topic)
            logger.error(
                "Kafka refused an outbox row for good; it is set aside (kept in the outbox) and the rest flow",
                metadata: [
                    "outbox_id": "\(row.id)", "topic": "\(row.topic)", "bytes": "\(row.bytes)", "error": "\(row.reason)",
                    "fix": "raise the topic's max.message.bytes (or the producer's), then `qbsync outbox release \(row.id)`",
                ])
        }
        return Outcome(settled: published.count + setAside.count, failure: results.lazy.compactMap(\.failure).first)
    }

    /// Claims the oldest unsent rows whose keys no other live relay has claimed rows of.
    ///
    /// The keys other relays hold are read once per claim and left out by a hash. Asked per row
    /// instead (`not exists`), the planner, whose statistics always lag a table that churns this
    /// fast, read every unsent row for each row it claimed: a claim cost 19 ms of PostgreSQL time
    /// on average in the benchmark, and more the longer the backlog (about 1 ms now). No index on
    /// the claim columns: it would make every claim and renewal a non-HOT update (it doubled their
    /// cost when tried).
    private func claim() async throws -> [Row] {
        let rows = try await database.withTransaction { connection in
            _ = try await connection.query("select pg_advisory_xact_lock($1)", [.int64(Self.lockKey)])
            return try await connection.query(
                """
                with held as materialized (
                    select distinct message_key from outbox
                    where claimed_by is not null and published_at is null and set_aside_at is null
                      and claimed_until > now() and claimed_by <> $1),
                claimable as (
                    select id from outbox o
                    where published_at is null and set_aside_at is null and message_key not in (select message_key from held)
                    order by id limit $2)
                update outbox set claimed_by = $1, claimed_until = now() + $3 * interval '1 millisecond'
                from claimable where outbox.id = claimable.id
                returning outbox.id, topic, message_key, raw, key_bytes, payload, headers, trace_parent, trace_state
                """, [.text(relayID), .int(batchSize), .int64(claimDuration.milliseconds)])
        }
        return try rows.map { row in
            let group = try row.decode(String.self, "message_key")
            let trace = TraceHeaders(
                traceParent: try row.decode(String?.self, "trace_parent"), traceState: try row.decode(String?.self, "trace_state"))
            let message: OutboxMessage
            if try row.decode(Bool.self, "raw") {
                message = OutboxMessage(
                    topic: try row.decode(String.self, "topic"), key: try row.decode([UInt8]?.self, "key_bytes"),
                    value: try row.decode([UInt8]?.self, "payload"),
                    headers: try OutboxMessage.decodeHeaders(try row.decode([UInt8]?.self, "headers") ?? []))
            } else {
                // A status event carries its trace as CloudEvents attributes and as Kafka headers.
                message = OutboxMessage(
                    topic: try row.decode(String.self, "topic"), key: Array(group.utf8),
                    value: try row.decode([UInt8].self, "payload"), headers: trace.kafkaHeaders)
            }
            return Row(id: try row.decode(Int64.self, "id"), group: group, message: message, trace: trace)
        }.sorted { $0.id < $1.id }
    }

    /// This relay's claims hold another `claimDuration`.
    @Sendable private func renewClaims() async throws {
        try await database.withConnection { connection in
            _ = try await connection.execute(
                """
                update outbox set claimed_until = now() + $2 * interval '1 millisecond'
                where claimed_by = $1 and published_at is null and set_aside_at is null
                """, [.text(relayID), .int64(claimDuration.milliseconds)])
        }
    }

    /// Lets go of this relay's claims (at shutdown): the next relay need not wait for them to lapse.
    func releaseClaims() async {
        do {
            try await database.withConnection { connection in
                _ = try await connection.execute(
                    "update outbox set claimed_by = null, claimed_until = null where claimed_by = $1 and published_at is null",
                    [.text(relayID)])
            }
        } catch {
            logger.info(
                "could not release the outbox rows this relay claimed; they are taken again once the claims lapse",
                metadata: ["error": "\(error)"])
        }
    }

    private struct Row: Sendable {
        var id: Int64
        var group: String
        var message: OutboxMessage
        var trace: TraceHeaders
    }

    private struct GroupResult: Sendable {
        var published: [Int64] = []
        var setAside: [(id: Int64, topic: String, bytes: Int, reason: String)] = []
        var failure: KafkaError?
    }

    /// Sends one key's rows in order; stops at the first transient failure so that key keeps its order.
    private func send(_ rows: [Row]) async -> GroupResult {
        var result = GroupResult()
        for row in rows {
            let message = row.message
            let sent: Result<Void, KafkaError> = await tracing.span(
                "publish \(message.topic)", parent: row.trace, kind: .producer,
                attributes: ["messaging.system": "kafka", "messaging.destination.name": message.topic]
            ) { span in
                do throws(KafkaError) {
                    _ = try await producer.send(topic: message.topic, key: message.key, value: message.value, headers: message.headers)
                    return .success(())
                } catch {
                    span.recordError(error)
                    return .failure(error)
                }
            }
            switch sent {
            case .success:
                result.published.append(row.id)
            case .failure(let error) where Self.refusedForGood(error):
                let bytes =
                    (message.value?.count ?? 0) + (message.key?.count ?? 0)
                    + message.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
                result.setAside.append((row.id, message.topic, bytes, "\(error.code.name): \(error.message)"))
            case .failure(let error):
                result.failure = error
                return result
            }
        }
        return result
    }

    /// A refusal of this one record that sending again cannot fix (too large, invalid), as opposed
    /// to brokers being away, missing permissions or a producer shutting down: those affect every
    /// row alike, so the rows wait and are sent later, by this worker or the next.
    static func refusedForGood(_ error: KafkaError) -> Bool {
        !error.isFatal && (error.kind == .produce || error.kind == .delivery) && error.code.refusesTheRecord
    }
}

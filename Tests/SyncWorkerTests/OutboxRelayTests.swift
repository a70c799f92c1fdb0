import Foundation
import Kafka
import Postgres
import Testing

@testable import SyncWorker

/// The outbox relay claims rows in a short transaction, delivers them with none open, and
/// settles them in another: relays of several workers publish at once, and one entity's rows
/// still leave in the order they were committed.
@Suite("Outbox relay", .timeLimit(.minutes(2)))
struct OutboxRelayTests {
    static let topic = "qbsync.relay-test"

    static func relay(_ env: TestEnvironment, id: String, batchSize: Int) -> OutboxRelay {
        OutboxRelay(
            database: env.database, producer: env.producer, signal: WakeSignal(), pollInterval: .milliseconds(50), batchSize: batchSize,
            relayID: id, claimDuration: .seconds(30), metrics: WorkerMetrics(), logger: env.logger)
    }

    /// `perKey` rows for each of `keys`, interleaved, committed a few at a time; each value is "key:n".
    static func enqueue(_ env: TestEnvironment, keys: Int, perKey: Int) async throws {
        for n in 0..<perKey {
            try await env.database.withTransaction { connection in
                for key in 0..<keys {
                    let message = OutboxMessage(topic: topic, key: Array("k\(key)".utf8), value: Array("k\(key):\(n)".utf8), headers: [])
                    try await Outbox.enqueue(message, group: "k\(key)", on: connection)
                }
            }
        }
    }

    static func unpublished(_ env: TestEnvironment) async throws -> Int {
        try await env.database.withConnection { try await $0.query("select 1 from outbox where published_at is null").count }
    }

    @Test("two relays publish at once, and each key's rows leave in the order they were committed")
    func parallelRelaysKeepOrder() async throws {
        try await TestEnvironment.with { env in
            try env.cluster.createTopic(Self.topic, partitions: 3)
            try await Migrator(database: env.database, logger: env.logger).migrate()
            let keys = 10
            let perKey = 20
            try await Self.enqueue(env, keys: keys, perKey: perKey)
            let relays = [Self.relay(env, id: "relay-a", batchSize: 7), Self.relay(env, id: "relay-b", batchSize: 7)]
            let settled = try await withThrowingTaskGroup(of: Int.self) { group in
                for relay in relays {
                    group.addTask {
                        var settled = 0
                        while try await Self.unpublished(env) > 0 {
                            let outcome = try await relay.publishBatch()
                            #expect(outcome.failure == nil)
                            settled += outcome.settled
                            if outcome.settled == 0 { await Task.yield() }
                        }
                        return settled
                    }
                }
                var each: [Int] = []
                for try await count in group { each.append(count) }
                return each
            }
            #expect(settled.reduce(0, +) == keys * perKey, "every row published once: \(settled)")
            #expect(settled.allSatisfy { $0 > 0 }, "both relays published: \(settled)")
            let messages = try await DeadLetterReader.read(
                count: keys * perKey, bootstrapServers: env.cluster.bootstrapServers, topic: Self.topic,
                logger: env.logger)
            var byKey: [String: [Int]] = [:]
            for message in messages {
                let parts = String(decoding: message.value ?? [], as: UTF8.self).split(separator: ":")
                byKey[String(parts[0]), default: []].append(Int(parts[1]) ?? -1)
            }
            for key in 0..<keys {
                #expect(byKey["k\(key)"] == Array(0..<perKey), "k\(key) in commit order: \(byKey["k\(key)"] ?? [])")
            }
        }
    }

    @Test("while Kafka holds a delivery, the relay keeps no transaction, row lock or outbox-wide lock")
    func noLockWhileDelivering() async throws {
        try await TestEnvironment.with { env in
            try env.cluster.createTopic(Self.topic, partitions: 3)
            try await Migrator(database: env.database, logger: env.logger).migrate()
            try await Self.enqueue(env, keys: 3, perKey: 2)
            try env.cluster.setBrokerDown(1)
            let relay = Self.relay(env, id: "relay-a", batchSize: 100)
            let delivering = Task { try await relay.publishBatch() }
            try await env.eventually("the relay has claimed the rows and is delivering them") {
                try await env.database.withConnection { try await $0.query("select 1 from outbox where claimed_by = 'relay-a'").count == 6 }
            }
            try await env.database.withTransaction { connection in
                // Every row can be locked at once, and so can the claim lock: the relay holds neither.
                let locked = try await connection.query("select id from outbox for update nowait")
                #expect(locked.count == 6)
                let claimLock = try await connection.query("select pg_try_advisory_xact_lock($1) as free", [.int64(OutboxRelay.lockKey)])
                #expect(try claimLock.first?.decode(Bool.self, "free") == true)
            }
            let open = try await env.database.withConnection { connection in
                try await connection.query(
                    """
                    select 1 from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'
                    """
                ).count
            }
            #expect(open == 0, "no transaction is left open while Kafka delivers")
            // A second relay finds nothing to take: those keys are being delivered.
            #expect(try await Self.relay(env, id: "relay-b", batchSize: 100).publishBatch().settled == 0)
            try env.cluster.setBrokerUp(1)
            let outcome = try await delivering.value
            #expect(outcome.settled == 6 && outcome.failure == nil)
            #expect(try await Self.unpublished(env) == 0)
        }
    }
}

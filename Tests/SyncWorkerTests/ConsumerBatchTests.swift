import Foundation
import Postgres
import Testing

@testable import SyncWorker

/// The consumer applies many messages in one transaction. A batch keeps each account's events in
/// order, across batch boundaries too; a message the database refuses is dead-lettered alone;
/// and a batch delivered again applies nothing a second time.
@Suite("Consumer batches", .timeLimit(.minutes(2)))
struct ConsumerBatchTests {
    static func metric(_ url: String, _ series: String) async throws -> Double {
        MetricsTests.value(try await HTTP.response("GET", url).body, series) ?? 0
    }

    /// The outbox's id sequence: it moves with every row enqueued, sent or not.
    static func outboxRowsEverEnqueued(_ env: TestEnvironment) async throws -> Int64 {
        try await env.database.withConnection { try await $0.query("select last_value from outbox_id_seq") }.first?.decode(Int64.self, 0)
            ?? 0
    }

    @Test("a message the database refuses inside a batch is dead-lettered alone, once, while its neighbours apply")
    func poisonInsideBatch() async throws {
        try await TestEnvironment.with { env in
            let poison = TestEvents.accountUpserted(firm: "f1", account: "poison", name: "Poison")
            let neighbours = (0..<40).map { TestEvents.accountUpserted(firm: "f1", account: "a\($0)", name: "Account \($0)") }
            // A long batch wait: the 41 messages, produced together, meet in batches.
            try await MetricsTests.withMeasuredWorker(env, configure: { $0.consumerBatchWait = .milliseconds(300) }) { url in
                // The database refuses this one event's values (a data exception, SQLSTATE 22023), as
                // it would a value out of its range; every other event is stored as usual.
                try await env.database.withConnection { connection in
                    try await connection.execute(
                        """
                        create function refuse_poison() returns trigger language plpgsql as $$
                        begin
                            if new.event_id = '\(poison.id)' then raise exception 'value out of range' using errcode = '22023'; end if;
                            return new;
                        end $$
                        """)
                    try await connection.execute(
                        "create trigger refuse_poison before insert on processed_events for each row execute function refuse_poison()")
                }
                try await env.send(Array(neighbours[..<20]) + [poison] + Array(neighbours[20...]))
                let letters = try await DeadLetterReader.read(count: 1, bootstrapServers: env.cluster.bootstrapServers, logger: env.logger)
                #expect(letters.first?.header(named: "qbsync-dlq-reason")?.stringValue == "unprocessable")
                #expect(letters.first?.value == poison.value)
                try await env.eventually("every neighbour applied") {
                    let rows = try await env.database.withConnection {
                        try await $0.query("select 1 from accounts where firm_id = 'f1' and account_id like 'a%'")
                    }
                    return rows.count == neighbours.count
                }
                let failed = try await Self.metric(url, #"qbsync_consumer_batches_total{outcome="failed"}"#)
                #expect(failed >= 1, "the poison was inside a batch, whose transaction it failed")
                #expect(try await Self.metric(url, #"qbsync_events_total{topic="accounts.lifecycle",outcome="dead_lettered"}"#) == 1)
                #expect(
                    try await Self.metric(url, #"qbsync_events_total{topic="accounts.lifecycle",outcome="applied"}"#)
                        == Double(neighbours.count))
            }
            let dead = try await env.database.withConnection { try await $0.query("select reason from dead_letters") }
            #expect(dead.count == 1, "dead-lettered once")
            let poisonAccount = try await env.database.withConnection {
                try await $0.query("select 1 from accounts where account_id = 'poison'")
            }
            #expect(poisonAccount.isEmpty, "nothing of the refused event is kept")
        }
    }

    @Test("each account's events apply in order across batch boundaries")
    func orderAcrossBatches() async throws {
        try await TestEnvironment.with { env in
            let accounts = 5
            let renames = 12
            // Interleaved: account 0's first name, account 1's first name, …, then everyone's second.
            let messages = (0..<renames).flatMap { round in
                (0..<accounts).map { TestEvents.accountUpserted(firm: "f1", account: "a\($0)", name: "a\($0) name \(round)") }
            }
            try await MetricsTests.withMeasuredWorker(env, configure: { $0.consumerBatchSize = 3 }) { url in
                try await env.send(messages)
                try await env.eventually("every rename applied") {
                    try await Self.metric(url, #"qbsync_events_total{topic="accounts.lifecycle",outcome="applied"}"#)
                        == Double(messages.count)
                }
                let batches = try await Self.metric(url, #"qbsync_consumer_batches_total{outcome="committed"}"#)
                let batched = try await Self.metric(url, #"qbsync_consumer_batch_messages_total{outcome="committed"}"#)
                #expect(
                    batches >= Double(messages.count / 3) / 2, "the renames went in many small batches: \(batched) messages in \(batches)")
                #expect(batched <= batches * 3)
            }
            let names = try await env.database.withConnection { connection in
                try await connection.query("select account_id, name from accounts where firm_id = 'f1'").map {
                    (try $0.decode(String.self, "account_id"), try $0.decode(String.self, "name"))
                }
            }
            #expect(
                Dictionary(uniqueKeysWithValues: names)
                    == Dictionary(uniqueKeysWithValues: (0..<accounts).map { ("a\($0)", "a\($0) name \(renames - 1)") }),
                "each account holds its last name")
        }
    }

    @Test("a batch delivered again applies nothing twice: no status event, no QuickBooks write, no ledger row")
    func redeliveredBatch() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let invoices = (0..<3).flatMap { account in
                (0..<4).map {
                    TestEvents.invoiceUpserted(
                        firm: "f1", account: "a\(account)", name: "Account \(account)", invoice: "inv-\(account)-\($0)")
                }
            }
            let worker = try await env.startWorker()
            try await env.send(invoices)
            try await env.status.wait(for: "every invoice synced") { events in
                Set(events.filter { $0.entity == "invoice" && $0.status == "synced" }.map(\.entityID)).count == invoices.count
            }
            try await worker.stop()
            let statusBefore = await env.status.events.count
            let enqueuedBefore = try await Self.outboxRowsEverEnqueued(env)
            let ledgerBefore = try await env.database.withConnection { try await $0.query("select 1 from processed_events") }.count
            let writtenBefore = try await env.objects(realm: realm, .invoice).count
            #expect(writtenBefore == invoices.count)
            // A new consumer group reads every message again from the start, in batches.
            try await MetricsTests.withMeasuredWorker(env, group: "qbsync-replay") { url in
                try await env.eventually("every message seen again") {
                    try await Self.metric(url, #"qbsync_events_total{topic="billing.invoices",outcome="duplicate"}"#)
                        == Double(invoices.count)
                }
                #expect(try await Self.metric(url, #"qbsync_consumer_batches_total{outcome="committed"}"#) >= 1)
                #expect(try await Self.metric(url, #"qbsync_events_total{topic="billing.invoices",outcome="applied"}"#) == 0)
            }
            #expect(try await Self.outboxRowsEverEnqueued(env) == enqueuedBefore, "no status event enqueued twice")
            #expect(await env.status.events.count == statusBefore, "no status event twice")
            #expect(try await env.database.withConnection { try await $0.query("select 1 from processed_events") }.count == ledgerBefore)
            #expect(try await env.objects(realm: realm, .invoice).count == writtenBefore, "no QuickBooks write twice")
            let unsent = try await env.database.withConnection { try await $0.query("select 1 from outbox where published_at is null") }
            #expect(unsent.isEmpty)
        }
    }

    @Test("an event waiting for a queue the pusher holds holds none of its documents meanwhile (the pusher's lock order)")
    func queueBeforeDocuments() async throws {
        @Sendable func invoice(_ number: String, revision: Int) -> TestEvents.Message {
            let line = TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "100.00", amount: "100.00")
            return TestEvents.invoice(
                firm: "f1", account: "a1", name: "Client 1", invoice: "inv-1", number: number, lines: [line], revision: revision)
        }
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            do {
                try await env.send([TestEvents.syncRequested(firm: "f1", account: "a1", name: "Client 1"), invoice("N-1", revision: 1)])
                try await env.status.wait("f1:invoice:inv-1", is: "synced")
                // The queue locked, as the pusher locks it before the account's documents.
                try await env.database.withTransaction { holder in
                    _ = try await holder.query(
                        "select 1 from document_queues where firm_id = 'f1' and account_id = 'a1' for update")
                    try await env.send(invoice("N-2", revision: 2))
                    try await env.eventually("the worker waits for the queue") {
                        try await env.database.withConnection { connection in
                            try await connection.query(
                                """
                                select 1 from pg_stat_activity
                                where wait_event_type = 'Lock' and query like '%document_queues%' and pid <> pg_backend_pid()
                                """
                            ).count == 1
                        }
                    }
                    // Had it taken the invoice first, this lock (in a third transaction) would fail at once.
                    try await env.database.withTransaction { other in
                        let rows = try await other.query(
                            "select 1 from documents where firm_id = 'f1' and document_id = 'inv-1' for update nowait")
                        #expect(rows.count == 1)
                    }
                }
                try await env.eventually("revision 2 written") {
                    try await env.objects(realm: realm, .invoice).map { $0.string("DocNumber") } == ["N-2"]
                }
            } catch {
                try? await worker.stop()
                throw error
            }
            try await worker.stop()
        }
    }
}

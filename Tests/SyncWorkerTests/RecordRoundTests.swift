import Foundation
import Postgres
import QuickBooksSandbox
import SyncCore
import Testing

@testable import SyncWorker

private let line = TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "100.00", amount: "100.00")

/// The pusher records its writes' results, and plans each account's next write, many accounts
/// to a transaction: the records of writes answered together share one.
@Suite("Write records in rounds", .timeLimit(.minutes(2)))
struct RecordRoundTests {
    /// Links accounts a1…a6 and writes a first invoice (which looks the service item up); then
    /// QuickBooks takes 300 ms a call and the worker makes one call at a time, so the writes that
    /// follow go in one batch and are answered together.
    private static func prepare(_ env: TestEnvironment, realm: String) async throws {
        try await env.send(TestEvents.invoice(firm: "f1", account: "a0", name: "Seed Co", invoice: "seed", number: "S-1", lines: [line]))
        try await env.send((1...6).map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "Client \($0)") })
        try await env.status.wait("f1:invoice:seed", is: "synced")
        for i in 1...6 { try await env.status.wait("f1:account:a\(i)", is: "synced") }
        try env.sandbox.inspector.setFaults(SandboxFaults(latency: .fixed(.milliseconds(300))), realmId: realm)
    }

    private static func invoices() -> [TestEvents.Message] {
        (1...6).map { i in
            TestEvents.invoice(firm: "f1", account: "a\(i)", name: "Client \(i)", invoice: "i\(i)", number: "R-\(i)", lines: [line])
        }
    }

    private static func rounds(_ url: String, _ outcome: String) async throws -> (rounds: Double, records: Double) {
        let text = try await HTTP.response("GET", url).body
        return (
            MetricsTests.value(text, #"qbsync_pusher_rounds_total{outcome="\#(outcome)"}"#) ?? 0,
            MetricsTests.value(text, #"qbsync_pusher_round_records_total{outcome="\#(outcome)"}"#) ?? 0
        )
    }

    @Test("writes answered together are recorded in shared transactions; each invoice is written once, its column syncing then synced")
    func shared() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            try await MetricsTests.withMeasuredWorker(env, configure: { $0.qboMaxInFlight = 1 }) { url in
                try await Self.prepare(env, realm: realm)
                try await env.send(Self.invoices())
                for i in 1...6 { try await env.status.wait("f1:invoice:i\(i)", is: "synced") }
                for i in 1...6 { #expect(await env.status.entity("f1:invoice:i\(i)").map(\.status) == ["syncing", "synced"]) }
                let numbers = try await env.objects(realm: realm, .invoice).map { $0.string("DocNumber") ?? "" }.sorted()
                #expect(numbers == ["R-1", "R-2", "R-3", "R-4", "R-5", "R-6", "S-1"])
                let committed = try await Self.rounds(url, "committed")
                #expect(committed.records >= 6)
                #expect(committed.rounds < committed.records, "some round recorded several writes: \(committed)")
                #expect(try await Self.rounds(url, "failed").rounds == 0)
            }
        }
    }

    @Test("a record that fails inside a round holds none of the others back; it is made once it can be, and nothing is written twice")
    func failingRecord() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            try await MetricsTests.withMeasuredWorker(env, configure: { $0.qboMaxInFlight = 1 }) { url in
                try await Self.prepare(env, realm: realm)
                // PostgreSQL refuses to record that QuickBooks created i3 (its plan, which has no Id yet, goes in).
                try await env.database.withConnection { connection in
                    _ = try await connection.execute(
                        """
                        create function refuse_i3() returns trigger language plpgsql as $$
                        begin
                            if new.document_id = 'i3' and new.qbo_id is not null then raise exception 'i3 refused by the test'; end if;
                            return new;
                        end $$
                        """)
                    _ = try await connection.execute(
                        "create trigger refuse_i3 before insert or update on document_components for each row execute function refuse_i3()")
                }
                try await env.send(Self.invoices())
                for i in [1, 2, 4, 5, 6] { try await env.status.wait("f1:invoice:i\(i)", is: "synced") }
                #expect(try await Self.rounds(url, "failed").rounds >= 1, "i3's round failed and each record went on its own")
                #expect(await env.status.entity("f1:invoice:i3").map(\.status) == ["syncing"])

                try await env.database.withConnection { connection in
                    _ = try await connection.execute("drop trigger refuse_i3 on document_components")
                }
                try await env.status.wait("f1:invoice:i3", is: "synced")
                let invoices = try await env.objects(realm: realm, .invoice)
                #expect(invoices.filter { $0.string("DocNumber") == "R-3" }.count == 1, "the repeated write created nothing twice")
                #expect(invoices.count == 7)
            }
        }
    }
}

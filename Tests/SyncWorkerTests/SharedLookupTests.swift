import Foundation
import QuickBooksSandbox
import Testing

@testable import SyncWorker

/// Items and accounts that many writes need at once are looked up once per firm (single-flight).
@Suite("Shared QuickBooks lookups", .timeLimit(.minutes(2)))
struct SharedLookupTests {
    actor Count {
        var value = 0
        func increment() { value += 1 }
    }

    @Test("callers of one key while its load runs share that load; a failed load is tried again")
    func singleFlight() async throws {
        let flight = SingleFlight<String, Int>()
        let loads = Count()
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await flight.value(for: "item") {
                        await loads.increment()
                        try await Task.sleep(for: .milliseconds(50))
                        return 7
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: 7, count: 20))
        #expect(await loads.value == 1)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await flight.value(for: "account") { throw Refused() } }
        #expect(try await flight.value(for: "account") { 3 } == 3, "a failure is not remembered")
    }

    @Test("20 invoices naming one new service item at the same moment create one Item and look it up once")
    func concurrentFirstUses() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            let accounts = (1...20).map { "a\($0)" }
            try await env.send(accounts.map { TestEvents.syncRequested(firm: "f1", account: $0, name: "Client \($0)") })
            for account in accounts { _ = try await env.status.wait("f1:account:\(account)", is: "synced") }
            try env.sandbox.inspector.resetCounters(realmId: realm)
            try await env.send(
                accounts.map { account in
                    TestEvents.invoice(
                        firm: "f1", account: account, name: "Client \(account)", invoice: "inv-\(account)",
                        number: "N-\(account)",
                        lines: [TestEvents.Line(service: "Brand New Service", quantity: "1", rate: "10.00", amount: "10.00")])
                })
            for account in accounts { _ = try await env.status.wait("f1:invoice:inv-\(account)", is: "synced", timeout: .seconds(60)) }
            let items = try await env.objects(realm: realm, .item).filter { $0.string("Name") == "Brand New Service" }
            #expect(items.count == 1)
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            // 20 invoice creates, the item's lookup and create, and at most two for the income account.
            #expect(counters.requests <= 24, "requests: \(counters.requests)")
            #expect(counters.idempotentReplays == 0, "no create was repeated")
            try await worker.stop()
        }
    }

    @Test(
        "a new firm's first invoice naming two new services finds them, and the income account, in one request, and creates both in one more"
    )
    func linesLookedUpTogether() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Client"))
            _ = try await env.status.wait("f1:account:a1", is: "synced")
            try env.sandbox.inspector.resetCounters(realmId: realm)
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Client", invoice: "i1", number: "T-1",
                    lines: [
                        TestEvents.Line(service: "Audit", quantity: "1", rate: "10.00", amount: "10.00"),
                        TestEvents.Line(service: "Tax Return", quantity: "2", rate: "5.00", amount: "10.00"),
                        TestEvents.Line(service: "Audit", quantity: "1", rate: "1.00", amount: "1.00"),
                    ]))
            _ = try await env.status.wait("f1:invoice:i1", is: "synced")
            let items = try await env.objects(realm: realm, .item).compactMap { $0.string("Name") }.filter {
                ["Audit", "Tax Return"].contains($0)
            }
            #expect(items.sorted() == ["Audit", "Tax Return"])
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            // One batch of three queries (the items, and the income account two ways), one batch of two creates.
            #expect(counters.batchRequests == 2 && counters.batchItems == 5, "\(counters)")
            #expect(try await env.objects(realm: realm, .invoice).first?.number("TotalAmt") == 21)
            try await worker.stop()
        }
    }
}

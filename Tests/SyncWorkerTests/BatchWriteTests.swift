import Foundation
import QuickBooksSandbox
import SyncCore
import Testing

@testable import SyncWorker

private let line = TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "100.00", amount: "100.00")

/// Writes of many accounts of one realm go to QuickBooks in batch requests when they queue: one
/// refused item fails its document alone, a batch whose answer was lost goes again unchanged,
/// and a document that needs another's QuickBooks id goes after it.
@Suite("Batch requests to QuickBooks", .timeLimit(.minutes(2)))
struct BatchWriteTests {
    /// One call in flight per realm and QuickBooks answering in 300 ms: the writes that arrive
    /// while the first is in flight queue, and go together as one batch request.
    private static func queueing(_ configuration: inout WorkerConfiguration) {
        configuration.qboMaxInFlight = 1
    }

    /// Links `accounts` and writes a first invoice (which looks the service item up), so that
    /// what follows is only invoice and payment writes.
    private static func prepare(_ env: TestEnvironment, accounts: ClosedRange<Int>) async throws {
        try await env.send(TestEvents.invoice(firm: "f1", account: "a0", name: "Seed Co", invoice: "seed", number: "DUP-1", lines: [line]))
        try await env.send(accounts.map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "Client \($0)") })
        try await env.status.wait("f1:invoice:seed", is: "synced")
        for i in accounts { try await env.status.wait("f1:account:a\(i)", is: "synced") }
    }

    @Test("a batch with one item QuickBooks refuses fails that document alone and writes the others")
    func refusedItem() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker(configure: Self.queueing)
            try await Self.prepare(env, accounts: 1...6)
            try env.sandbox.inspector.setFaults(SandboxFaults(latency: .fixed(.milliseconds(300))), realmId: realm)
            try env.sandbox.inspector.resetCounters(realmId: realm)
            try await env.send(
                (1...6).map { i in
                    // The third reuses the seed's number: QuickBooks refuses that item (6210).
                    TestEvents.invoice(
                        firm: "f1", account: "a\(i)", name: "Client \(i)", invoice: "i\(i)", number: i == 3 ? "DUP-1" : "B-\(i)",
                        lines: [line])
                })
            for i in [1, 2, 4, 5, 6] { try await env.status.wait("f1:invoice:i\(i)", is: "synced") }
            let refused = try await env.status.wait("f1:invoice:i3", is: "failed")
            #expect(refused.errorCode == "6210")
            #expect(refused.detail?.hasPrefix("QuickBooks already has an invoice numbered 'DUP-1'.") == true, "\(refused.detail ?? "")")
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            #expect(counters.batchRequests >= 1 && counters.batchItems >= 2, "the queued writes went in a batch: \(counters)")
            #expect(counters.throttled == 0)
            let numbers = try await env.objects(realm: realm, .invoice).map { $0.string("DocNumber") ?? "" }.sorted()
            #expect(numbers == ["B-1", "B-2", "B-4", "B-5", "B-6", "DUP-1"], "each written once, the refused one not at all")
            try await worker.stop()
        }
    }

    /// Five linked accounts; a worker making one call at a time, with a 400 ms timeout and one
    /// quick retry; and a QuickBooks that applies every call and withholds its answer, until
    /// ``answerAgain(_:realm:)``. Payments, because QuickBooks has nothing else (no number) by
    /// which a second one would be refused.
    private static func withholdingAnswers(
        _ env: TestEnvironment, configure: (inout WorkerConfiguration) -> Void = { _ in }
    ) async throws -> (realm: String, worker: RunningWorker) {
        let realm = try await env.connectFirm("f1")
        let worker = try await env.startWorker { configuration in
            Self.queueing(&configuration)
            configuration.quickBooks.requestTimeout = .milliseconds(400)
            configuration.immediateRetries = 1
            configure(&configuration)
        }
        try await Self.prepare(env, accounts: 1...5)
        try env.sandbox.inspector.resetCounters(realmId: realm)
        try env.sandbox.inspector.setFaults(
            SandboxFaults(timeoutRate: 1.0, timeoutHold: .seconds(2), timeoutAfterWrite: true), realmId: realm)
        return (realm, worker)
    }

    private static func payment(_ i: Int) -> TestEvents.Message {
        TestEvents.payment(firm: "f1", account: "a\(i)", name: "Client \(i)", payment: "p\(i)", amount: "\(i)0.00")
    }

    /// The five payments wait on QuickBooks; then it answers again, and they are synced.
    private static func answerAgain(_ env: TestEnvironment, realm: String, whileWithheld: () throws -> Void = {}) async throws {
        for i in 1...5 { try await env.status.wait("f1:payment:p\(i)", is: "syncing", detailContaining: "temporarily unavailable") }
        try whileWithheld()
        try env.sandbox.inspector.setFaults(.none, realmId: realm)
        for i in 1...5 { try await env.status.wait("f1:payment:p\(i)", is: "synced", timeout: .seconds(40)) }
    }

    @Test("a batch applied but never answered is sent again unchanged, and nothing is written twice")
    func lostBatchAnswer() async throws {
        try await TestEnvironment.with { env in
            let (realm, worker) = try await Self.withholdingAnswers(env)
            try await env.send((1...5).map(Self.payment))
            try await Self.answerAgain(env, realm: realm) {
                let withheld = try env.sandbox.inspector.counters(realmId: realm)
                #expect(withheld.batchRequests >= 1, "the queued writes went in a batch: \(withheld)")
            }
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            #expect(counters.idempotentReplays >= 1, "a batch was answered from QuickBooks' memory of its requestid: \(counters)")
            let amounts = try await env.objects(realm: realm, .payment).map { $0.number("TotalAmt") ?? 0 }.sorted()
            #expect(amounts == [10, 20, 30, 40, 50], "each written once")
            try await worker.stop()
        }
    }

    @Test("a write sent alone whose answer was lost is repeated alone, never inside a batch, so it is written once")
    func lostSingleAnswer() async throws {
        try await TestEnvironment.with { env in
            // Three to a batch: when p1's call times out, p2–p4 go, and p5 is left waiting when
            // p1's repeat arrives; the two would make the next batch.
            let (realm, worker) = try await Self.withholdingAnswers(env) { $0.qboBatchItems = 3 }
            // p1 goes alone (nothing else waits) and is applied, its answer withheld ...
            try await env.send(Self.payment(1))
            try await env.eventually("p1 reached QuickBooks") { try env.sandbox.inspector.counters(realmId: realm).writes >= 1 }
            // ... and while it times out, four more queue: its repeat must not join their batch.
            try await env.send((2...5).map(Self.payment))
            try await Self.answerAgain(env, realm: realm)
            let amounts = try await env.objects(realm: realm, .payment).map { $0.number("TotalAmt") ?? 0 }.sorted()
            #expect(amounts == [10, 20, 30, 40, 50], "each written once")
            try await worker.stop()
        }
    }

    @Test("a write that waits for its realm longer than its account's lease is still sent once")
    func waitLongerThanLease() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            // One call at a time, each taking three leases: the writes behind the first wait in
            // the realm's queue while their accounts' leases would run out (and the sweeper would
            // plan the same writes again, as repeats that go alone, beside the queued originals).
            let worker = try await env.startWorker { configuration in
                Self.queueing(&configuration)
                configuration.leaseDuration = .seconds(1)
                // Far above the 3 s answers: with the tests' 5 s, a loaded machine (a fresh-clone
                // CI run) timed the batch out, and sending it again unchanged, as it should, showed
                // as a replay beside the repeats this test looks for.
                configuration.quickBooks.requestTimeout = .seconds(30)
            }
            try await Self.prepare(env, accounts: 1...5)
            try env.sandbox.inspector.setFaults(SandboxFaults(latency: .fixed(.milliseconds(3000))), realmId: realm)
            try env.sandbox.inspector.resetCounters(realmId: realm)
            try await env.send((1...5).map(Self.payment))
            for i in 1...5 { try await env.status.wait("f1:payment:p\(i)", is: "synced", timeout: .seconds(40)) }
            let amounts = try await env.objects(realm: realm, .payment).map { $0.number("TotalAmt") ?? 0 }.sorted()
            #expect(amounts == [10, 20, 30, 40, 50], "each written once")
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            #expect(counters.idempotentReplays == 0 && counters.writes == 5, "no write sent twice: \(counters)")
            try await worker.stop()
        }
    }

    @Test("payments queued with the invoices they pay go after them, in later batches, and are applied to them")
    func paymentAfterItsInvoice() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker(configure: Self.queueing)
            try await Self.prepare(env, accounts: 1...4)
            try env.sandbox.inspector.setFaults(SandboxFaults(latency: .fixed(.milliseconds(200))), realmId: realm)
            try env.sandbox.inspector.resetCounters(realmId: realm)
            // The payments first: each waits for its invoice, which is in the same backlog.
            try await env.send(
                (1...4).map { i in
                    TestEvents.payment(
                        firm: "f1", account: "a\(i)", name: "Client \(i)", payment: "p\(i)", amount: "100.00",
                        appliedTo: [(invoice: "i\(i)", amount: "100.00")])
                })
            try await env.send(
                (1...4).map { i in
                    TestEvents.invoice(firm: "f1", account: "a\(i)", name: "Client \(i)", invoice: "i\(i)", number: "P-\(i)", lines: [line])
                })
            for i in 1...4 { try await env.status.wait("f1:payment:p\(i)", is: "synced", timeout: .seconds(40)) }
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            #expect(counters.batchRequests >= 1, "writes went in batches: \(counters)")
            let invoices = try await env.objects(realm: realm, .invoice).filter { $0.string("DocNumber")?.hasPrefix("P-") == true }
            #expect(invoices.count == 4)
            #expect(
                invoices.allSatisfy { $0.number("Balance") == 0 },
                "each invoice paid by its payment: \(invoices.map { $0.number("Balance") ?? -1 })")
            #expect(try await env.objects(realm: realm, .payment).count == 4)
            try await worker.stop()
        }
    }
}

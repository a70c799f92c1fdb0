import Foundation
import QuickBooksSandbox
import SyncCore
import Testing

@testable import SyncWorker

private let line = TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "100.00", amount: "100.00")

/// Invoices and payments when QuickBooks is away, throttles, or the firm's connection is lost:
/// they wait and are written once, and one firm's trouble does not hold up another.
@Suite("Invoices and payments when QuickBooks fails", .timeLimit(.minutes(2)))
struct DocumentFailureTests {
    @Test("an outage parks that account's documents as syncing, saying why, while other firms flow; they are written once it ends")
    func outage() async throws {
        try await TestEnvironment.with { env in
            let broken = try await env.connectFirm("f1")
            let healthy = try await env.connectFirm("f2")
            let worker = try await env.startWorker()
            // Link both accounts first, then break f1's QuickBooks.
            try await env.send(
                TestEvents.syncRequested(firm: "f1", account: "a1", name: "Waiting Co"),
                TestEvents.syncRequested(firm: "f2", account: "b1", name: "Flowing Co"))
            try await env.status.wait("f1:account:a1", is: "synced")
            try await env.status.wait("f2:account:b1", is: "synced")
            try env.sandbox.inspector.setFaults(SandboxFaults(serverErrorRate: 1.0), realmId: broken)
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Waiting Co", invoice: "i1", number: "A-1", lines: [line]),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Waiting Co", invoice: "i2", number: "A-2", lines: [line]),
                TestEvents.invoice(firm: "f2", account: "b1", name: "Flowing Co", invoice: "j1", number: "B-1", lines: [line]))
            try await env.status.wait("f2:invoice:j1", is: "synced")
            try await env.status.wait("f1:invoice:i1", is: "syncing", detailContaining: "temporarily unavailable")
            #expect(try await env.objects(realm: broken, .invoice).isEmpty)
            #expect(try await env.objects(realm: healthy, .invoice).count == 1)
            try env.sandbox.inspector.setFaults(.none, realmId: broken)
            try await env.status.wait("f1:invoice:i2", is: "synced", timeout: .seconds(30))
            try await env.status.wait("f1:invoice:i1", is: "synced")
            #expect(
                try await env.objects(realm: broken, .invoice).map { $0.string("DocNumber") ?? "" } == ["A-1", "A-2"],
                "written once each, in order")
            try await worker.stop()
        }
    }

    @Test("an invoice whose stored event no longer reads fails, and its column says why")
    func unreadableStoredEvent() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Held Co"))
            try await env.status.wait("f1:account:a1", is: "synced")
            // QuickBooks away: the invoice waits, stored; then its stored event stops reading (a
            // hand edit, or a rule a later qbsync added).
            try env.sandbox.inspector.setFaults(SandboxFaults(serverErrorRate: 1.0), realmId: realm)
            try await env.send(TestEvents.invoice(firm: "f1", account: "a1", name: "Held Co", invoice: "i1", number: "H-1", lines: [line]))
            try await env.status.wait("f1:invoice:i1", is: "syncing", detailContaining: "temporarily unavailable")
            // Stopped first: a running worker may hold a write planned from the old content, which
            // would go through once QuickBooks answers.
            try await worker.stop()
            try await env.database.withConnection { connection in
                _ = try await connection.execute(
                    "update documents set content = convert_to('{\"not\": \"an event\"}', 'UTF8') where document_id = 'i1'")
            }
            try env.sandbox.inspector.setFaults(.none, realmId: realm)
            let next = try await env.startWorker()
            let failed = try await env.status.wait("f1:invoice:i1", is: "failed", timeout: .seconds(30))
            #expect(failed.detail?.contains("its stored event no longer reads") == true, "\(failed.detail ?? "")")
            #expect(try await env.objects(realm: realm, .invoice).isEmpty)
            try await next.stop()
        }
    }

    @Test("an invoice whose create was applied but never answered is written once")
    func lostAnswer() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker {
                $0.quickBooks.requestTimeout = .milliseconds(400)
                $0.immediateRetries = 1
            }
            // A first invoice links the account and looks its service item up, so the next one's
            // first call is its create.
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Slow Answer LLC", invoice: "i0", number: "S-0", lines: [line]))
            try await env.status.wait("f1:invoice:i0", is: "synced")
            try env.sandbox.inspector.setFaults(
                SandboxFaults(timeoutRate: 1.0, timeoutHold: .seconds(2), timeoutAfterWrite: true), realmId: realm)
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Slow Answer LLC", invoice: "i1", number: "S-1", lines: [line]))
            try await env.status.wait("f1:invoice:i1", is: "syncing", detailContaining: "temporarily unavailable")
            try env.sandbox.inspector.setFaults(.none, realmId: realm)
            try await env.status.wait("f1:invoice:i1", is: "synced", timeout: .seconds(30))
            let invoices = try await env.objects(realm: realm, .invoice)
            #expect(invoices.map { $0.string("DocNumber") ?? "" } == ["S-0", "S-1"], "the retry repeated the original request")
            #expect(try env.sandbox.inspector.counters(realmId: realm).idempotentReplays >= 1)
            try await worker.stop()
        }
    }

    @Test("a revoked connection is reported once for the firm; its documents wait and are written after it reconnects")
    func connectionLost() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Acme"))
            try await env.status.wait("f1:account:a1", is: "synced")
            try env.sandbox.inspector.revokeTokens(realmId: realm)
            try await env.send(
                (1...4).map {
                    TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i\($0)", number: "R-\($0)", lines: [line])
                })
            try await env.status.wait("f1:firm:f1", is: "failed")
            try await env.eventually("all four recorded") {
                try await env.database.withConnection { try await $0.query("select 1 from documents where pending").count == 4 }
            }
            #expect(
                await env.status.events.filter { $0.entity == "invoice" }.allSatisfy { $0.status == "syncing" },
                "no invoice fails for the firm's connection")
            #expect(await env.status.entity("f1:firm:f1").map(\.status) == ["synced", "failed"])

            _ = try await env.reconnectFirm("f1", realm: realm)
            for index in 1...4 { try await env.status.wait("f1:invoice:i\(index)", is: "synced") }
            #expect(try await env.objects(realm: realm, .invoice).count == 4)
            #expect(await env.status.entity("f1:firm:f1").map(\.status) == ["synced", "failed", "synced"])
            try await worker.stop()
        }
    }

    @Test("QuickBooks refusing one invoice fails that invoice only; the account's next documents still go")
    func refusalDoesNotBlock() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Acme", invoice: "long", number: "THIS-NUMBER-IS-TOO-LONG-FOR-QBO", lines: [line]),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "dup-a", number: "D-1", lines: [line]),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "dup-b", number: "D-1", lines: [line]),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "fine", number: "F-1", lines: [line]))
            try await env.status.wait("f1:invoice:fine", is: "synced")
            let long = try await env.status.wait("f1:invoice:long", is: "failed")
            #expect(
                long.detail
                    == "The invoice number 'THIS-NUMBER-IS-TOO-LONG-FOR-QBO' is longer than the 21 characters QuickBooks allows. Shorten it; the invoice is sent with its next change."
            )
            let duplicate = try await env.status.wait("f1:invoice:dup-b", is: "failed")
            #expect(duplicate.errorCode == "6210")
            #expect(duplicate.detail?.hasPrefix("QuickBooks already has an invoice numbered 'D-1'.") == true)
            #expect(try await env.objects(realm: realm, .invoice).map { $0.string("DocNumber") ?? "" } == ["D-1", "F-1"])

            // A corrected revision is tried again.
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "dup-b", number: "D-2", lines: [line], revision: 2))
            try await env.status.wait("f1:invoice:dup-b", is: "synced")
            try await worker.stop()
        }
    }

    @Test("when the retry budget is spent the invoice fails, saying so, and the account's next document still goes")
    func budgetSpent() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker {
                $0.maxAttempts = 2
                $0.immediateRetries = 0
            }
            try await env.send(TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i0", number: "E-0", lines: [line]))
            try await env.status.wait("f1:invoice:i0", is: "synced")
            try env.sandbox.inspector.setFaults(SandboxFaults(serverErrorRate: 1.0), realmId: realm)
            try await env.send(TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i1", number: "E-1", lines: [line]))
            let failed = try await env.status.wait("f1:invoice:i1", is: "failed", timeout: .seconds(30))
            #expect(failed.detail?.hasPrefix("QuickBooks did not accept this invoice after 2 attempts") == true)
            #expect(failed.errorCode != nil)
            try env.sandbox.inspector.setFaults(.none, realmId: realm)
            try await env.send(TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i2", number: "E-2", lines: [line]))
            try await env.status.wait("f1:invoice:i2", is: "synced")
            #expect(try await env.objects(realm: realm, .invoice).map { $0.string("DocNumber") ?? "" } == ["E-0", "E-2"])
            try await worker.stop()
        }
    }
}

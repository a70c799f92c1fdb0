import Foundation
import Postgres
import QuickBooksSandbox
import SyncCore
import Testing

@testable import SyncWorker

private let bookkeeping = TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "450.00", amount: "450.00")

/// The sibling help article: "Sync Invoice to QuickBooks", and payments synced and unsynced one by one.
@Suite("Invoices and payments synced by hand", .timeLimit(.minutes(2)))
struct ManualDocumentTests {
    static func audited(_ env: TestEnvironment, entityID: String) async throws -> [(action: String, role: String, reason: String)] {
        try await env.database.withConnection { connection in
            try await connection.query(
                "select action, actor_role, reason from rejected_toggles where entity_id = $1 order by id", [.text(entityID)]
            ).map { (try $0.decode(String.self, "action"), try $0.decode(String.self, "actor_role"), try $0.decode(String.self, "reason")) }
        }
    }

    @Test(
        "an owner syncs an invoice the start date held back, once though the request comes twice; a staff member's request is refused and audited"
    )
    func invoiceSyncedByHand() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1") { $0.syncStartDate = CalendarDate("2026-11-15") }
            let worker = try await env.startWorker()
            func invoice(_ id: String, date: String) -> TestEvents.Message {
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Client", invoice: id, number: "N-\(id)", issueDate: date, lines: [bookkeeping])
            }
            try await env.send(invoice("late", date: "2026-11-20"), invoice("early", date: "2026-11-05"))
            _ = try await env.status.wait("f1:invoice:late", is: "synced")
            _ = try await env.status.wait("f1:invoice:early", is: "not_synced", detailContaining: "sync start date")

            try await env.send(
                TestEvents.documentToggle("invoice.sync_requested", firm: "f1", account: "a1", document: "early", role: "staff"))
            try await env.eventually("the staff request audited") { try await !Self.audited(env, entityID: "early").isEmpty }
            let refused = try await Self.audited(env, entityID: "early")
            #expect(refused.map(\.action) == ["sync"] && refused.map(\.role) == ["staff"])
            #expect(refused.first?.reason.contains("Only a firm owner or admin") == true)
            #expect(try await env.objects(realm: realm, .invoice).count == 1, "nothing written for a staff member")

            let request = TestEvents.documentToggle("invoice.sync_requested", firm: "f1", account: "a1", document: "early")
            try await env.send(request, request, invoice("marker", date: "2026-11-21"))
            _ = try await env.status.wait("f1:invoice:marker", is: "synced")
            let synced = try await env.status.wait("f1:invoice:early", is: "synced")
            let numbers = try await env.objects(realm: realm, .invoice).map { $0.string("DocNumber") }
            #expect(numbers == ["N-late", "N-early", "N-marker"], "in order with the account's other invoices, and once")
            #expect(synced.causedBy == request.id)
            #expect(await env.status.entity("f1:invoice:early").map(\.status) == ["not_synced", "syncing", "synced"])
            // Once in QuickBooks, its revisions follow it there, the start date notwithstanding.
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Client", invoice: "early", number: "N-early", issueDate: "2026-11-05",
                    lines: [TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "500.00", amount: "500.00")], revision: 2))
            try await env.eventually("the revision written") {
                try await env.objects(realm: realm, .invoice).first { $0.string("DocNumber") == "N-early" }?.number("TotalAmt") == 500
            }
            try await worker.stop()
        }
    }

    @Test("syncing an invoice of an account that is not synced is refused, with the reason in its column")
    func accountFirst() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.accountUpserted(firm: "f1", account: "a1", name: "Quiet Client"),
                TestEvents.unsyncRequested(firm: "f1", account: "a1"))
            _ = try await env.status.wait("f1:account:a1", is: "skipped")
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Quiet Client", invoice: "inv-1", number: "INV-1", lines: [bookkeeping])
            )
            _ = try await env.status.wait("f1:invoice:inv-1", is: "skipped")
            try await env.send(TestEvents.documentToggle("invoice.sync_requested", firm: "f1", account: "a1", document: "inv-1"))
            let refused = try await env.status.wait("f1:invoice:inv-1", is: "skipped", detailContaining: "Sync the client account")
            #expect(
                refused.detail
                    == "Sync the client account 'Quiet Client' to QuickBooks first: an invoice is written only for a synced account.")
            #expect(try await Self.audited(env, entityID: "inv-1").map(\.role) == ["owner"])
            #expect(try await env.objects(realm: realm, .invoice).isEmpty)
            try await worker.stop()
        }
    }

    @Test(
        "unsyncing a payment removes it, its refund and its fee from QuickBooks and shows skipped; syncing it again writes one new payment")
    func paymentUnsyncedAndSyncedAgain() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [bookkeeping]),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-2", number: "INV-2", lines: [bookkeeping]),
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "450.00", fee: "13.35",
                    appliedTo: [("inv-1", "450.00")]),
                TestEvents.refund(firm: "f1", account: "a1", payment: "pay-1", refund: "re_1", amount: "40.00", revision: 2),
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "promo-1", amount: "50.00", method: "promotional_credit",
                    appliedTo: [("inv-2", "50.00")]))
            try await env.eventually("the refund receipt written") { try await env.objects(realm: realm, .refundReceipt).count == 1 }
            _ = try await env.status.wait("f1:payment:pay-1", is: "synced")
            _ = try await env.status.wait("f1:payment:promo-1", is: "synced")

            let unsync = TestEvents.documentToggle("payment.unsync_requested", firm: "f1", account: "a1", document: "pay-1")
            try await env.send(
                unsync, TestEvents.documentToggle("payment.unsync_requested", firm: "f1", account: "a1", document: "promo-1"))
            let skipped = try await env.status.wait("f1:payment:pay-1", is: "skipped")
            #expect(skipped.detail == FailureDetail.unsyncedByHand)
            _ = try await env.status.wait("f1:payment:promo-1", is: "skipped")
            let live: @Sendable (QuickBooksEntityType) async throws -> Int = { type in
                try await env.objects(realm: realm, type).filter { $0.status != .deleted }.count
            }
            #expect(try await live(.payment) == 0, "the payment and the credit memo's application are gone")
            #expect(try await live(.purchase) == 0)
            #expect(try await live(.refundReceipt) == 0)
            #expect(try await live(.creditMemo) == 0)
            #expect(try await env.objects(realm: realm, .invoice).map { $0.number("Balance") } == [450, 450], "both invoices open again")

            // A later revision and the same unsync again change nothing; a staff member cannot sync it.
            try await env.send(
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "450.00", fee: "13.35",
                    appliedTo: [("inv-1", "450.00")],
                    revision: 3),
                unsync, TestEvents.documentToggle("payment.sync_requested", firm: "f1", account: "a1", document: "pay-1", role: "staff"))
            try await env.eventually("the staff request audited") { try await !Self.audited(env, entityID: "pay-1").isEmpty }
            #expect(try await live(.payment) == 0)

            try await env.send(TestEvents.documentToggle("payment.sync_requested", firm: "f1", account: "a1", document: "pay-1"))
            let again = try await env.status.wait("f1:payment:pay-1", is: "synced")
            try await env.eventually("the refund written anew") { try await live(.refundReceipt) == 1 }
            let payments = try await env.objects(realm: realm, .payment)
            #expect(
                payments.count == 3 && payments.filter { $0.status != .deleted }.count == 1, "one new payment, not the old one replayed")
            let fresh = try #require(payments.first { $0.status != .deleted })
            #expect(again.qboID == fresh.id && fresh.number("TotalAmt") == 450)
            #expect(try await live(.purchase) == 1)
            // Invoices and payments come on their own topics: when the payments are consumed first,
            // promo-1 (before the invoices in its account's queue) has inv-2 written ahead of inv-1,
            // and a refund consumed after its payment was written syncs the payment once more.
            let invoiceOne = try #require(try await env.objects(realm: realm, .invoice).first { $0.string("DocNumber") == "INV-1" })
            #expect(invoiceOne.number("Balance") == 0)
            var shown: [String] = []
            for event in await env.status.entity("f1:payment:pay-1") where shown.last != event.status { shown.append(event.status) }
            let unsynced = try #require(shown.firstIndex(of: "skipped"))
            let before = shown.prefix(upTo: unsynced - 1)
            #expect(Array(shown.suffix(from: unsynced - 1)) == ["syncing", "skipped", "syncing", "synced"], "\(shown)")
            #expect(before.count >= 2 && before.allSatisfy { $0 == "syncing" || $0 == "synced" } && before.last == "synced", "\(shown)")
            try await worker.stop()
        }
    }
}

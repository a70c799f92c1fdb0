import Foundation
import Postgres
import QuickBooksSandbox
import SyncCore
import Testing
@testable import SyncWorker

private let bookkeeping = TestEvents.Line(service: "Bookkeeping", description: "November", quantity: "2", rate: "225.00", amount: "450.00")
private let taxPrep = TestEvents.Line(service: "Tax preparation", quantity: "1", rate: "300.00", amount: "300.00")

/// Invoices and payments end to end: event in, the object in the QuickBooks sandbox with the
/// right fields, amounts and links, the status event out.
@Suite("Invoices and payments reach QuickBooks", .timeLimit(.minutes(2)))
struct DocumentSyncTests {
    @Test("an invoice reaches QuickBooks with its number, dates, customer, lines and total; its column goes syncing then synced")
    func invoiceCreated() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(TestEvents.invoice(firm: "f1", account: "a1", name: "Acme Holdings", invoice: "inv-1", number: "INV-1001",
                                                  lines: [bookkeeping, taxPrep]))
            let synced = try await env.status.wait("f1:invoice:inv-1", is: "synced")
            #expect(await env.status.entity("f1:invoice:inv-1").map(\.status) == ["syncing", "synced"])
            let account = try await env.status.wait("f1:account:a1", is: "synced")

            let invoices = try await env.objects(realm: realm, .invoice)
            let invoice = try #require(invoices.first)
            #expect(invoices.count == 1)
            #expect(synced.qboID == invoice.id)
            #expect(synced.accountID == "a1")
            #expect(invoice.string("DocNumber") == "INV-1001")
            #expect(invoice.string("TxnDate") == "2026-11-01")
            #expect(invoice.string("DueDate") == "2026-12-01")
            #expect(invoice.string("CustomerRef", "value") == account.qboID)
            #expect(invoice.number("TotalAmt") == 750)
            let lines = invoice.salesLines
            #expect(lines.count == 2)
            #expect((lines[0]["SalesItemLineDetail"] as? [String: Any]).flatMap { ($0["ItemRef"] as? [String: Any])?["name"] as? String } == "Bookkeeping")
            #expect((lines[0]["SalesItemLineDetail"] as? [String: Any])?["Qty"] as? Double == 2)
            #expect((lines[0]["SalesItemLineDetail"] as? [String: Any])?["UnitPrice"] as? Double == 225)
            #expect(lines[0]["Amount"] as? Double == 450)
            #expect(lines[0]["Description"] as? String == "November")
            #expect((lines[1]["SalesItemLineDetail"] as? [String: Any]).flatMap { ($0["ItemRef"] as? [String: Any])?["name"] as? String } == "Tax preparation")
            let items = try await env.objects(realm: realm, .item).map { $0.record.label ?? "" }
            #expect(items.contains("Bookkeeping") && items.contains("Tax preparation"))
            try await worker.stop()
        }
    }
}

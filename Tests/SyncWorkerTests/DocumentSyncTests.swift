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
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Acme Holdings", invoice: "inv-1", number: "INV-1001",
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
            #expect(
                (lines[0]["SalesItemLineDetail"] as? [String: Any]).flatMap { ($0["ItemRef"] as? [String: Any])?["name"] as? String }
                    == "Bookkeeping")
            #expect((lines[0]["SalesItemLineDetail"] as? [String: Any])?["Qty"] as? Double == 2)
            #expect((lines[0]["SalesItemLineDetail"] as? [String: Any])?["UnitPrice"] as? Double == 225)
            #expect(lines[0]["Amount"] as? Double == 450)
            #expect(lines[0]["Description"] as? String == "November")
            #expect(
                (lines[1]["SalesItemLineDetail"] as? [String: Any]).flatMap { ($0["ItemRef"] as? [String: Any])?["name"] as? String }
                    == "Tax preparation")
            let items = try await env.objects(realm: realm, .item).map { $0.record.label ?? "" }
            #expect(items.contains("Bookkeeping") && items.contains("Tax preparation"))
            try await worker.stop()
        }
    }

    @Test("a newer revision updates the invoice in place; an older one that arrives late changes nothing")
    func revisions() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [bookkeeping]))
            try await env.status.wait("f1:invoice:inv-1", is: "synced")
            let revised = TestEvents.Line(
                service: "Bookkeeping", description: "November, revised", quantity: "3", rate: "225.00", amount: "675.00")
            let stale = TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "1.00", amount: "1.00")
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [revised], revision: 3),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [stale], revision: 2),
                // In the same lane, behind both: once it is synced, both were handled.
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "marker", number: "INV-2", lines: [taxPrep]))
            try await env.status.wait("f1:invoice:marker", is: "synced")
            try await env.status.wait("f1:invoice:inv-1", is: "synced")
            let invoices = try await env.objects(realm: realm, .invoice)
            #expect(invoices.count == 2, "updated in place, not created again")
            let invoice = try #require(invoices.first { $0.string("DocNumber") == "INV-1" })
            #expect(invoice.number("TotalAmt") == 675, "revision 3 is what QuickBooks holds; revision 2 came too late")
            #expect(invoice.salesLines.first?["Description"] as? String == "November, revised")
            #expect(invoice.string("SyncToken") == "1", "one update")
            #expect(await env.status.entity("f1:invoice:inv-1").map(\.status) == ["syncing", "synced", "syncing", "synced"])
            try await worker.stop()
        }
    }

    @Test("voiding an invoice voids it in QuickBooks; deleting one deletes it")
    func voidAndDelete() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-v", number: "INV-V", lines: [bookkeeping]),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-d", number: "INV-D", lines: [taxPrep]))
            try await env.status.wait("f1:invoice:inv-v", is: "synced")
            try await env.status.wait("f1:invoice:inv-d", is: "synced")
            try await env.send(
                TestEvents.invoiceRemoved("invoice.voided", firm: "f1", account: "a1", invoice: "inv-v", revision: 2),
                TestEvents.invoiceRemoved("invoice.deleted", firm: "f1", account: "a1", invoice: "inv-d", revision: 2))
            try await env.eventually("void and delete written") {
                let invoices = try await env.objects(realm: realm, .invoice)
                return invoices.map(\.status) == [.voided, .deleted]
            }
            let voided = try #require(try await env.objects(realm: realm, .invoice).first)
            #expect(voided.number("TotalAmt") == 0)
            #expect(voided.string("DocNumber") == "INV-V", "a voided invoice keeps its number")
            let events = await env.status.entity("f1:invoice:inv-v") + (await env.status.entity("f1:invoice:inv-d"))
            #expect(events.allSatisfy { $0.status != "failed" })
            try await worker.stop()
        }
    }

    @Test("a payment is applied to its invoice and lands in Undeposited Funds; its processing fee becomes a Purchase")
    func paymentWithFee() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [bookkeeping, taxPrep]),
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "500.00", reference: "ch_3NqL'x",
                    fee: "14.80", appliedTo: [("inv-1", "500.00")]))
            let paid = try await env.status.wait("f1:payment:pay-1", is: "synced")
            let invoiceEvent = try await env.status.wait("f1:invoice:inv-1", is: "synced")
            let payment = try #require(try await env.objects(realm: realm, .payment).first)
            #expect(paid.qboID == payment.id)
            #expect(payment.number("TotalAmt") == 500)
            #expect(payment.string("TxnDate") == "2026-11-05")
            #expect(payment.string("PaymentRefNum") == "ch_3NqL'x")
            #expect(payment.string("DepositToAccountRef", "name") == "Undeposited Funds")
            #expect(payment.string("Line", 0, "LinkedTxn", 0, "TxnId") == invoiceEvent.qboID)
            #expect(payment.string("Line", 0, "LinkedTxn", 0, "TxnType") == "Invoice")
            #expect(payment.number("Line", 0, "Amount") == 500)
            let invoice = try #require(try await env.objects(realm: realm, .invoice).first)
            #expect(invoice.number("Balance") == 250, "750.00 invoiced, 500.00 paid")
            let purchase = try #require(try await env.objects(realm: realm, .purchase).first)
            #expect(purchase.number("TotalAmt") == 14.8)
            #expect(purchase.string("PaymentType") == "Cash")
            #expect(purchase.string("AccountRef", "name") == "Checking")
            #expect(purchase.string("Line", 0, "AccountBasedExpenseLineDetail", "AccountRef", "name") == "Bank Charges & Fees")
            #expect(purchase.string("TxnDate") == "2026-11-05")
            try await worker.stop()
        }
    }

    @Test("deleting a payment deletes it and its fee purchase; the invoice is open again")
    func paymentDeleted() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [bookkeeping]),
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "450.00", fee: "13.35",
                    appliedTo: [("inv-1", "450.00")]))
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            try await env.send(TestEvents.paymentDeleted(firm: "f1", account: "a1", payment: "pay-1", revision: 2))
            try await env.eventually("payment and fee deleted") {
                let payments = try await env.objects(realm: realm, .payment).map(\.status)
                let purchases = try await env.objects(realm: realm, .purchase).map(\.status)
                return payments == [.deleted] && purchases == [.deleted]
            }
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            let invoice = try #require(try await env.objects(realm: realm, .invoice).first)
            #expect(invoice.number("Balance") == 450)
            try await worker.stop()
        }
    }

    @Test("QuickBooks won't delete an invoice a payment still pays: failed with a detail saying so; deleting the payment then lets it go")
    func invoiceDeleteRefused() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [bookkeeping]),
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "100.00", appliedTo: [("inv-1", "100.00")]))
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            try await env.send(TestEvents.invoiceRemoved("invoice.deleted", firm: "f1", account: "a1", invoice: "inv-1", revision: 2))
            let failed = try await env.status.wait("f1:invoice:inv-1", is: "failed")
            #expect(failed.errorCode == "6000")
            #expect(failed.detail?.contains("won't delete invoice INV-1 while payments are applied to it") == true)
            #expect(try await env.objects(realm: realm, .invoice).map(\.status) == [.active])

            try await env.send(TestEvents.paymentDeleted(firm: "f1", account: "a1", payment: "pay-1", revision: 2))
            try await env.status.wait("f1:invoice:inv-1", is: "synced")
            #expect(try await env.objects(realm: realm, .invoice).map(\.status) == [.deleted])
            try await worker.stop()
        }
    }

    @Test("a payment with promotional credit becomes a credit memo, applied to the invoice by a zero payment")
    func promotionalCredit() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [bookkeeping]),
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "promo-1", amount: "50.00", method: "promotional_credit",
                    reference: "WELCOME50", appliedTo: [("inv-1", "50.00")]))
            let synced = try await env.status.wait("f1:payment:promo-1", is: "synced")
            let memo = try #require(try await env.objects(realm: realm, .creditMemo).first)
            #expect(synced.qboID == memo.id)
            #expect(memo.number("TotalAmt") == 50)
            #expect(memo.number("RemainingCredit") == 0, "its credit is used by the invoice")
            #expect(
                memo.salesLines.first.flatMap {
                    ($0["SalesItemLineDetail"] as? [String: Any]).flatMap { ($0["ItemRef"] as? [String: Any])?["name"] as? String }
                } == "Promotional credit")
            let application = try #require(try await env.objects(realm: realm, .payment).first)
            #expect(application.number("TotalAmt") == 0)
            let invoice = try #require(try await env.objects(realm: realm, .invoice).first)
            #expect(invoice.number("Balance") == 400)
            try await worker.stop()
        }
    }

    @Test("a refund becomes a refund receipt paid from the bank account")
    func refund() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.payment(firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "100.00"),
                TestEvents.refund(firm: "f1", account: "a1", payment: "pay-1", refund: "re_1", amount: "40.00", revision: 2))
            try await env.eventually("the refund receipt written") { try await env.objects(realm: realm, .refundReceipt).count == 1 }
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            let refund = try #require(try await env.objects(realm: realm, .refundReceipt).first)
            #expect(refund.number("TotalAmt") == 40)
            #expect(refund.string("TxnDate") == "2026-11-20")
            #expect(refund.string("DepositToAccountRef", "name") == "Checking")
            #expect(refund.string("PaymentRefNum") == "re_1")
            let customer = try #require(try await env.customers(realm: realm).first)
            #expect(refund.string("CustomerRef", "value") == customer.id)
            // The same refund again, as a redelivery or an older revision, writes nothing more.
            try await env.send(
                TestEvents.refund(firm: "f1", account: "a1", payment: "pay-1", refund: "re_1", amount: "40.00", revision: 2),
                TestEvents.payment(firm: "f1", account: "a1", name: "Acme", payment: "marker", amount: "1.00"))
            try await env.status.wait("f1:payment:marker", is: "synced")
            #expect(try await env.objects(realm: realm, .refundReceipt).count == 1)
            try await worker.stop()
        }
    }

    @Test("a payment whose invoice arrives later waits, saying so, and is applied to it once the invoice is in QuickBooks")
    func invoiceArrivesLater() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "450.00", appliedTo: [("inv-9", "450.00")]))
            let waiting = try await env.status.wait("f1:payment:pay-1", is: "syncing", detailContaining: "Waiting for invoice inv-9")
            #expect(waiting.detail == "Waiting for invoice inv-9 to reach QuickBooks; the payment is applied to it then.")
            #expect(try await env.objects(realm: realm, .payment).isEmpty)
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-9", number: "INV-9", lines: [bookkeeping]))
            let invoice = try await env.status.wait("f1:invoice:inv-9", is: "synced")
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            let payment = try #require(try await env.objects(realm: realm, .payment).first)
            #expect(payment.string("Line", 0, "LinkedTxn", 0, "TxnId") == invoice.qboID)
            #expect(try await env.objects(realm: realm, .invoice).first?.number("Balance") == 0)
            try await worker.stop()
        }
    }

    @Test("a payment whose invoice never arrives turns failed after the wait, naming it, and still syncs when the invoice comes")
    func invoiceNeverArrives() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker { $0.paymentInvoiceWait = .seconds(1) }
            try await env.send(
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "450.00", appliedTo: [("inv-9", "450.00")]))
            _ = try await env.status.wait("f1:payment:pay-1", is: "syncing", detailContaining: "Waiting for invoice inv-9")
            let failed = try await env.status.wait("f1:payment:pay-1", is: "failed", detailContaining: "invoice inv-9")
            #expect(failed.errorCode == "invoice_missing")
            #expect(failed.detail?.contains("not reached QuickBooks") == true, "\(failed.detail ?? "")")
            #expect(try await env.objects(realm: realm, .payment).isEmpty)
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-9", number: "INV-9", lines: [bookkeeping]))
            let invoice = try await env.status.wait("f1:invoice:inv-9", is: "synced")
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            let payments = try await env.objects(realm: realm, .payment)
            #expect(payments.count == 1)
            #expect(payments.first?.string("Line", 0, "LinkedTxn", 0, "TxnId") == invoice.qboID)
            #expect(await env.status.events.filter { $0.key == "f1:payment:pay-1" && $0.status == "failed" }.count == 1, "said once")
            try await worker.stop()
        }
    }

    @Test("unsync holds new documents back as skipped; syncing the account again backfills them, oldest first")
    func unsyncThenBackfill() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [bookkeeping]))
            try await env.status.wait("f1:invoice:inv-1", is: "synced")
            try await env.send(TestEvents.unsyncRequested(firm: "f1", account: "a1", role: "owner"))
            try await env.status.wait("f1:account:a1", is: "skipped")
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Acme", invoice: "inv-2", number: "INV-2", issueDate: "2026-11-02",
                    lines: [bookkeeping]),
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Acme", invoice: "inv-3", number: "INV-3", issueDate: "2026-11-03", lines: [taxPrep]),
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "300.00", appliedTo: [("inv-3", "300.00")]))
            let held = try await env.status.wait("f1:payment:pay-1", is: "skipped")
            #expect(held.detail?.contains("QuickBooks sync is turned off for the account 'Acme'") == true)
            try await env.status.wait("f1:invoice:inv-2", is: "skipped")
            try await env.status.wait("f1:invoice:inv-3", is: "skipped")
            #expect(try await env.objects(realm: realm, .invoice).count == 1, "held back")
            #expect(await env.status.entity("f1:invoice:inv-1").last?.status == "synced", "what is already in QuickBooks stays synced")

            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Acme", role: "admin"))
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            let invoices = try await env.objects(realm: realm, .invoice)
            #expect(invoices.map { $0.string("DocNumber") ?? "" } == ["INV-1", "INV-2", "INV-3"], "backfilled oldest first")
            #expect(try await env.customers(realm: realm).count == 1, "the same customer again")
            #expect(await env.status.entity("f1:invoice:inv-2").map(\.status) == ["skipped", "syncing", "synced"])
            // What `qbsync status` and the admin API show.
            let column = try await QuickBooksColumn.load(firmID: "f1", from: env.database)
            #expect(column.invoices.map(\.label) == ["INV-1", "INV-2", "INV-3"])
            #expect(column.invoices.allSatisfy { $0.status == .synced && $0.qboID != nil })
            #expect(column.payments.map(\.documentID) == ["pay-1"])
            #expect(column.rendered().contains("INV-3    Acme     2026-11-03  Synced"))
            try await worker.stop()
        }
    }

    @Test("documents dated before the firm's sync start date are not synced; later ones are")
    func syncStartDate() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1") { $0.syncStartDate = CalendarDate("2026-06-01") }
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Acme", invoice: "old", number: "INV-OLD", issueDate: "2026-05-31", dueDate: nil,
                    lines: [bookkeeping]),
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Acme", invoice: "new", number: "INV-NEW", issueDate: "2026-06-01", dueDate: nil,
                    lines: [bookkeeping]),
                // Paying both: the old invoice's share stays unapplied credit.
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", date: "2026-06-02", amount: "900.00",
                    appliedTo: [("old", "450.00"), ("new", "450.00")]))
            let old = try await env.status.wait("f1:invoice:old", is: "not_synced")
            #expect(
                old.detail
                    == "Dated 2026-05-31, before the firm's QuickBooks sync start date (2026-06-01), so it is not sent to QuickBooks.")
            try await env.status.wait("f1:invoice:new", is: "synced")
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            #expect(try await env.objects(realm: realm, .invoice).map { $0.string("DocNumber") ?? "" } == ["INV-NEW"])
            let payment = try #require(try await env.objects(realm: realm, .payment).first)
            #expect(payment.number("UnappliedAmt") == 450)
            try await worker.stop()
        }
    }

    @Test("a payment's own checkbox decides whether it syncs; without one, the firm's default for manual payments does")
    func paymentSyncFlag() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1") { $0.manualPaymentsSync = false }
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.payment(firm: "f1", account: "a1", name: "Acme", payment: "manual", amount: "10.00", method: "cash"),
                TestEvents.payment(firm: "f1", account: "a1", name: "Acme", payment: "unticked", amount: "20.00", sync: false),
                TestEvents.payment(firm: "f1", account: "a1", name: "Acme", payment: "ticked", amount: "30.00", sync: true))
            try await env.status.wait("f1:payment:ticked", is: "synced")
            let manual = try await env.status.wait("f1:payment:manual", is: "skipped")
            #expect(manual.detail == "This payment is set not to sync with QuickBooks.")
            try await env.status.wait("f1:payment:unticked", is: "skipped")
            #expect(try await env.objects(realm: realm, .payment).map { $0.number("TotalAmt") } == [30])
            try await worker.stop()
        }
    }

    @Test("names, services and numbers with quotes, backslashes and non-ASCII letters reach QuickBooks unchanged")
    func unusualText() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            let service = TestEvents.Line(
                service: "O'Brien \"Tax\" Prep — Łódź \\ 🍕", description: "Zoë's \"special\" \\ review", quantity: "1", rate: "99.99",
                amount: "99.99")
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "zoe", name: "Zoë's \"Café\" \\ Łódź", invoice: "inv-ü", number: "Ü'7\\\"x", lines: [service]))
            try await env.status.wait("f1:invoice:inv-ü", is: "synced")
            let invoice = try #require(try await env.objects(realm: realm, .invoice).first)
            #expect(invoice.string("DocNumber") == "Ü'7\\\"x")
            let line = try #require(invoice.salesLines.first)
            #expect(line["Description"] as? String == "Zoë's \"special\" \\ review")
            #expect(
                ((line["SalesItemLineDetail"] as? [String: Any])?["ItemRef"] as? [String: Any])?["name"] as? String
                    == "O'Brien \"Tax\" Prep — Łódź \\ 🍕")
            #expect(try await env.customers(realm: realm).map(\.label) == ["Zoë's \"Café\" \\ Łódź"])
            try await worker.stop()
        }
    }

    @Test("the same invoice and payment events delivered twice create nothing twice")
    func duplicateDelivery() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            let invoice = TestEvents.invoice(
                firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [bookkeeping])
            let payment = TestEvents.payment(
                firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "450.00", fee: "1.00", appliedTo: [("inv-1", "450.00")])
            // Invoices and payments travel on different topics; the invoice goes first so the
            // payment has nothing to wait for and each column shows exactly syncing, synced.
            try await env.send(invoice, invoice)
            try await env.status.wait("f1:invoice:inv-1", is: "synced")
            try await env.send(payment, payment)
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            try await env.eventually("all four handled") {
                try await env.database.withConnection { try await $0.query("select 1 from processed_events").count == 2 }
            }
            try await worker.stop()
            #expect(try await env.objects(realm: realm, .invoice).count == 1)
            #expect(try await env.objects(realm: realm, .payment).count == 1)
            #expect(try await env.objects(realm: realm, .purchase).count == 1)
            let invoiceStatuses = await env.status.entity("f1:invoice:inv-1").map { "\($0.status)#\($0.sequence) \($0.detail ?? "")" }
            let paymentStatuses = await env.status.entity("f1:payment:pay-1").map { "\($0.status)#\($0.sequence) \($0.detail ?? "")" }
            #expect(invoiceStatuses == ["syncing#1 ", "synced#2 "])
            #expect(paymentStatuses == ["syncing#1 ", "synced#2 "])
        }
    }

    @Test("an update after QuickBooks moved the invoice's SyncToken on (a payment applied to it) re-reads it and succeeds")
    func staleSyncToken() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [bookkeeping]),
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "pay-1", amount: "100.00", appliedTo: [("inv-1", "100.00")]))
            try await env.status.wait("f1:payment:pay-1", is: "synced")
            let before = try env.sandbox.inspector.counters(realmId: realm).validationFaults
            let renamed = TestEvents.Line(
                service: "Bookkeeping", description: "November and December", quantity: "2", rate: "225.00", amount: "450.00")
            try await env.send(
                TestEvents.invoice(
                    firm: "f1", account: "a1", name: "Acme", invoice: "inv-1", number: "INV-1", lines: [renamed], revision: 2))
            try await env.status.wait("f1:invoice:inv-1", is: "synced")
            try await env.eventually("the update written") {
                try await env.objects(realm: realm, .invoice).first?.salesLines.first?["Description"] as? String == "November and December"
            }
            #expect(
                try env.sandbox.inspector.counters(realmId: realm).validationFaults == before + 1,
                "one 5010, then the retry with the current SyncToken")
            #expect(try await env.objects(realm: realm, .invoice).first?.number("Balance") == 350, "the payment stays applied")
            #expect(await env.status.entity("f1:invoice:inv-1").allSatisfy { $0.status != "failed" })
            try await worker.stop()
        }
    }
}

import Testing

@testable import SyncCore

private func facts(_ kind: DocumentKind = .invoice, _ change: (inout DocumentSyncRules.Facts) -> Void = { _ in }) -> DocumentSyncRules.Facts
{
    var facts = DocumentSyncRules.Facts(kind: kind, label: "INV-7", date: CalendarDate("2026-11-01"))
    change(&facts)
    return facts
}

private func context(_ account: SyncStatus? = .synced, start: String? = nil, manualPayments: Bool = true, connected: Bool = true)
    -> DocumentSyncRules.Context
{
    DocumentSyncRules.Context(
        syncStartDate: start.flatMap(CalendarDate.init), manualPaymentsSync: manualPayments,
        accountName: "Jane O'Neil", accountStatus: account, firmConnected: connected)
}

@Suite("Invoice and payment rules of the help article")
struct DocumentSyncRulesTests {
    @Test("a document of a synced account is written now and shows syncing")
    func push() {
        #expect(DocumentSyncRules.evaluate(facts(), context()) == .init(status: .syncing, next: .push))
    }

    @Test("once QuickBooks holds the newest revision it is synced")
    func synced() {
        #expect(
            DocumentSyncRules.evaluate(
                facts {
                    $0.upToDate = true
                    $0.everWritten = true
                }, context()) == .init(status: .synced, next: .nothing))
    }

    @Test("an unsynced account's documents are held back as skipped, with a detail saying how to send them")
    func accountSkipped() {
        let verdict = DocumentSyncRules.evaluate(facts(), context(.skipped))
        #expect(verdict.status == .skipped)
        #expect(verdict.next == .waitForAccount)
        #expect(
            verdict.detail
                == "QuickBooks sync is turned off for the account 'Jane O'Neil'. Sync the account from its Info tab to send this invoice and the others held back."
        )
    }

    @Test("a failed account's documents wait as not synced, pointing at the account")
    func accountFailed() {
        let verdict = DocumentSyncRules.evaluate(facts(.payment), context(.failed))
        #expect(verdict.status == .notSynced)
        #expect(verdict.next == .waitForAccount)
        #expect(verdict.detail?.contains("has a QuickBooks sync issue") == true)
    }

    @Test(
        "while the account is being linked the document shows syncing without noise", arguments: [SyncStatus?.none, .notSynced, .syncing])
    func accountLinking(_ status: SyncStatus?) {
        #expect(DocumentSyncRules.evaluate(facts(), context(status)) == .init(status: .syncing, next: .waitForAccount))
    }

    @Test("a document dated before the sync start date is not synced; one on the date is")
    func startDate() {
        let before = DocumentSyncRules.evaluate(facts { $0.date = CalendarDate("2026-05-31") }, context(start: "2026-06-01"))
        #expect(before.status == .notSynced)
        #expect(before.next == .nothing)
        #expect(
            before.detail == "Dated 2026-05-31, before the firm's QuickBooks sync start date (2026-06-01), so it is not sent to QuickBooks."
        )
        #expect(DocumentSyncRules.evaluate(facts { $0.date = CalendarDate("2026-06-01") }, context(start: "2026-06-01")).next == .push)
        // Already in QuickBooks: its later changes still go there.
        #expect(
            DocumentSyncRules.evaluate(
                facts {
                    $0.date = CalendarDate("2026-05-31")
                    $0.everWritten = true
                }, context(start: "2026-06-01")
            ).next == .push)
    }

    @Test("a payment's own checkbox decides; without one the firm's default for manual payments does")
    func paymentFlag() {
        #expect(DocumentSyncRules.evaluate(facts(.payment) { $0.syncFlag = false }, context()).status == .skipped)
        #expect(DocumentSyncRules.evaluate(facts(.payment) { $0.syncFlag = true }, context(manualPayments: false)).next == .push)
        #expect(
            DocumentSyncRules.evaluate(facts(.payment), context(manualPayments: false))
                == .init(status: .skipped, detail: "This payment is set not to sync with QuickBooks.", next: .nothing))
        #expect(DocumentSyncRules.evaluate(facts(.payment), context(manualPayments: true)).next == .push)
        // Invoices have no such checkbox.
        #expect(DocumentSyncRules.evaluate(facts(.invoice), context(manualPayments: false)).next == .push)
    }

    @Test("a refusal shows failed with QuickBooks' code until the document changes")
    func failed() {
        let verdict = DocumentSyncRules.evaluate(facts { $0.failure = .init(code: "6210", detail: "numbered twice") }, context())
        #expect(verdict == .init(status: .failed, detail: "numbered twice", errorCode: "6210", next: .nothing))
    }

    @Test("a lost connection makes documents wait for the firm, not fail")
    func firmDisconnected() {
        let verdict = DocumentSyncRules.evaluate(facts(), context(connected: false))
        #expect(verdict.status == .syncing)
        #expect(verdict.next == .waitForFirm)
    }

    @Test("a payment waiting for its invoice says which")
    func awaitingInvoice() {
        let verdict = DocumentSyncRules.evaluate(facts(.payment) { $0.awaiting = ["INV-9"] }, context())
        #expect(verdict.next == .waitForInvoices)
        #expect(verdict.detail == "Waiting for invoice INV-9 to reach QuickBooks; the payment is applied to it then.")
    }

    @Test("parked after a transient error it still shows syncing, with why it waits")
    func parked() {
        #expect(
            DocumentSyncRules.evaluate(facts { $0.parkedDetail = "QuickBooks is away" }, context())
                == .init(status: .syncing, detail: "QuickBooks is away", next: .push))
    }

    @Test("voided or deleted before it reached QuickBooks: nothing is sent, and it says so")
    func removedBeforeSync() {
        #expect(
            DocumentSyncRules.evaluate(
                facts {
                    $0.lifecycle = .voided
                    $0.upToDate = true
                }, context()
            ).detail == "Voided before it reached QuickBooks; nothing was sent.")
        #expect(
            DocumentSyncRules.evaluate(
                facts {
                    $0.lifecycle = .deleted
                    $0.upToDate = true
                }, context()
            ).status == .notSynced)
        // Deleted after it was synced: the deletion is synced too.
        #expect(
            DocumentSyncRules.evaluate(
                facts {
                    $0.lifecycle = .deleted
                    $0.upToDate = true
                    $0.everWritten = true
                }, context()
            ).status == .synced)
    }

    @Test("a payment known only by its refund shows nothing yet")
    func placeholder() {
        #expect(DocumentSyncRules.evaluate(facts(.payment) { $0.hasContent = false }, context()) == .init(status: nil, next: .nothing))
    }

    @Test("the column publishes only visible changes, with a sequence per document")
    func statusSequence() {
        var status = DocumentStatus()
        let first = status.show(.init(status: .syncing, next: .push), qboID: nil)
        #expect(first == StatusUpdate(status: .syncing, previousStatus: nil, detail: nil, errorCode: nil, qboID: nil, sequence: 1))
        #expect(status.show(.init(status: .syncing, next: .push), qboID: nil) == nil)
        let synced = status.show(.init(status: .synced, next: .nothing), qboID: "130")
        #expect(synced?.previousStatus == .syncing)
        #expect(synced?.sequence == 2)
        #expect(status.show(.init(status: nil, next: .nothing), qboID: nil) == nil)
    }
}

import Testing

@testable import SyncCore

@Suite("Reconciling what QuickBooks holds with what qbsync wrote")
struct ReconciliationCoreTests {
    static let written = Reconciliation.Values(
        total: FixedDecimal("450.00"), date: "2026-11-01", dueDate: "2026-12-01",
        lineAmounts: [FixedDecimal("400")!, FixedDecimal("50.00")!])

    @Test("the SyncToken qbsync recorded means its own write: nothing to report, whatever the values")
    func ownWrite() {
        #expect(
            Reconciliation.drift(
                writtenSyncToken: "3", written: Self.written, nowSyncToken: "3",
                now: .init(total: FixedDecimal("1"), date: "2020-01-01")) == nil)
    }

    @Test("a newer SyncToken with qbsync's values (QuickBooks applying a payment) is not a change")
    func sameValues() {
        #expect(Reconciliation.drift(writtenSyncToken: "3", written: Self.written, nowSyncToken: "4", now: Self.written) == nil)
    }

    @Test("each value that differs is named, amounts with two decimals")
    func differences() {
        var now = Self.written
        now.total = FixedDecimal("400")
        now.lineAmounts = [FixedDecimal("350")!, FixedDecimal("50")!]
        now.date = "2026-11-03"
        let drift = Reconciliation.drift(writtenSyncToken: "3", written: Self.written, nowSyncToken: "5", now: now)
        #expect(
            drift
                == .changed([
                    .init(field: "total", written: "450.00", now: "400.00"), .init(field: "date", written: "2026-11-01", now: "2026-11-03"),
                    .init(field: "line 1", written: "400.00", now: "350.00"),
                ]))
        #expect(
            FailureDetail.changedInQuickBooks(drift!, kind: .invoice, label: "INV-1")
                == "The invoice INV-1 was changed in QuickBooks: total 450.00 → 400.00, date 2026-11-01 → 2026-11-03, line 1 400.00 → 350.00. Change it back in QuickBooks, or change it on the platform to write the platform's version."
        )
    }

    @Test(
        "a document changed in QuickBooks shows failed though qbsync has nothing left to write; other failures of an up-to-date document do not"
    )
    func ruleOverridesUpToDate() {
        let context = DocumentSyncRules.Context(
            syncStartDate: nil, manualPaymentsSync: true, accountName: "Acme", accountStatus: .synced, firmConnected: true)
        func facts(_ code: String) -> DocumentSyncRules.Facts {
            DocumentSyncRules.Facts(
                kind: .invoice, label: "INV-1", lifecycle: .active, hasContent: true, date: nil, syncFlag: nil, everWritten: true,
                upToDate: true, failure: .init(code: code, detail: "d"))
        }
        #expect(DocumentSyncRules.evaluate(facts("voided_in_quickbooks"), context).status == .failed)
        #expect(DocumentSyncRules.evaluate(facts("6210"), context).status == .synced)
    }
}

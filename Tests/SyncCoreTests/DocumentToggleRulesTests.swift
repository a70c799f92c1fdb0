import Testing

@testable import SyncCore

private let owner = Actor(userID: "u1", role: "owner")

private func situation(_ status: SyncStatus?, kind: DocumentKind = .invoice, account: SyncStatus? = .synced, inQuickBooks: Bool = false)
    -> DocumentToggleRules.Situation
{
    DocumentToggleRules.Situation(
        kind: kind, label: "INV-7", status: status, inQuickBooks: inQuickBooks, accountName: "Jane O'Neil",
        accountStatus: account)
}

private func facts(_ change: (inout DocumentSyncRules.Facts) -> Void) -> DocumentSyncRules.Facts {
    var facts = DocumentSyncRules.Facts(kind: .payment, label: "p1", date: CalendarDate("2026-11-01"))
    change(&facts)
    return facts
}

private func context(start: String? = nil, manualPayments: Bool = true, account: SyncStatus = .synced) -> DocumentSyncRules.Context {
    DocumentSyncRules.Context(
        syncStartDate: start.flatMap(CalendarDate.init), manualPaymentsSync: manualPayments, accountName: "Jane",
        accountStatus: account, firmConnected: true)
}

@Suite("Invoices and payments synced and unsynced by hand")
struct DocumentToggleRulesTests {
    @Test("only an owner or admin may sync or unsync a document; the refusal is not shown in the column")
    func onlyOwnersAndAdmins() {
        for role in ["staff", "client", "Owner-ish"] {
            let decision = DocumentToggleRules.decide(.sync, by: Actor(userID: "u", role: role), situation(.notSynced))
            guard case .refuse(let reason, let inColumn) = decision else {
                Issue.record("\(role) was let through")
                continue
            }
            #expect(reason.contains("role '\(role)'") && !inColumn)
        }
        #expect(DocumentToggleRules.decide(.sync, by: Actor(userID: "u", role: "Admin"), situation(.failed)) == .accept)
    }

    @Test("an invoice or payment can be synced when Not synced, Skipped or Failed and its account is synced")
    func syncAllowed() {
        for status in [SyncStatus.notSynced, .skipped, .failed] {
            #expect(DocumentToggleRules.decide(.sync, by: owner, situation(status, kind: .invoice)) == .accept)
            #expect(DocumentToggleRules.decide(.sync, by: owner, situation(status, kind: .payment)) == .accept)
        }
        for status in [SyncStatus.synced, .syncing] {
            guard case .refuse(_, let inColumn) = DocumentToggleRules.decide(.sync, by: owner, situation(status, kind: .invoice)) else {
                Issue.record("a \(status) invoice synced again")
                continue
            }
            #expect(!inColumn)
        }
    }

    @Test("syncing a document of an account that is not synced is refused with a detail for its column")
    func accountFirst() {
        for account in [SyncStatus.skipped, .failed, .notSynced, .syncing] {
            let decision = DocumentToggleRules.decide(.sync, by: owner, situation(.notSynced, kind: .invoice, account: account))
            #expect(decision == .refuse(reason: FailureDetail.syncAccountFirst("Jane O'Neil", kind: .invoice), inColumn: true))
        }
        #expect(
            FailureDetail.syncAccountFirst("Jane O'Neil", kind: .invoice).hasPrefix(
                "Sync the client account 'Jane O'Neil' to QuickBooks first"))
    }

    @Test("a synced payment can be unsynced, and a failed one with something in QuickBooks; nothing else")
    func unsyncAllowed() {
        #expect(DocumentToggleRules.decide(.unsync, by: owner, situation(.synced, kind: .payment)) == .accept)
        #expect(DocumentToggleRules.decide(.unsync, by: owner, situation(.failed, kind: .payment, inQuickBooks: true)) == .accept)
        for (status, inQuickBooks) in [(SyncStatus.failed, false), (.skipped, false), (.notSynced, false), (.syncing, true)] {
            guard
                case .refuse = DocumentToggleRules.decide(.unsync, by: owner, situation(status, kind: .payment, inQuickBooks: inQuickBooks))
            else {
                Issue.record("a \(status) payment was unsynced")
                continue
            }
        }
        guard case .refuse = DocumentToggleRules.decide(.unsync, by: owner, situation(.synced, kind: .invoice)) else {
            Issue.record("an invoice was unsynced by itself")
            return
        }
    }

    @Test("a document qbsync has not received is refused")
    func unknownDocument() {
        guard case .refuse(let reason, false) = DocumentToggleRules.decide(.sync, by: owner, situation(nil, kind: .invoice)) else {
            Issue.record("an unknown invoice was accepted")
            return
        }
        #expect(reason.contains("has not received invoice INV-7"))
    }

    @Test("synced by hand, a document goes despite the sync start date and the payment's checkbox")
    func byHandOverridesHolds() {
        let held = facts { $0.syncFlag = false }
        #expect(DocumentSyncRules.evaluate(held, context(start: "2026-11-15")).status == .notSynced)
        #expect(DocumentSyncRules.evaluate(facts { $0.syncFlag = false }, context()).status == .skipped)
        let byHand = facts {
            $0.syncFlag = false
            $0.manualChoice = .sync
        }
        #expect(DocumentSyncRules.evaluate(byHand, context(start: "2026-11-15")) == .init(status: .syncing, next: .push))
        #expect(
            DocumentSyncRules.evaluate(facts { $0.manualChoice = .sync }, context(account: .skipped)).next == .waitForAccount,
            "by hand or not, a document needs its account")
    }

    @Test("unsynced by hand, a payment is removed from QuickBooks, then skipped, whatever the account")
    func unsyncRemovesThenSkips() {
        let removing = facts {
            $0.manualChoice = .unsync
            $0.everWritten = true
        }
        #expect(DocumentSyncRules.evaluate(removing, context()) == .init(status: .syncing, next: .push))
        #expect(DocumentSyncRules.evaluate(removing, context(account: .skipped)).next == .push)
        let removed = facts {
            $0.manualChoice = .unsync
            $0.everWritten = true
            $0.upToDate = true
        }
        #expect(
            DocumentSyncRules.evaluate(removed, context()) == .init(status: .skipped, detail: FailureDetail.unsyncedByHand, next: .nothing))
    }

    @Test("an unsynced payment's footprint is nothing at all, refunds included")
    func withdrawnShape() {
        let shape = DocumentPlanner.Shape(
            kind: .payment, lifecycle: .active, revision: 3, hasContent: true, hasFee: true,
            refunds: [.init(id: "r1", revision: 2)])
        #expect(DocumentPlanner.desired(shape).count == 3)
        var withdrawn = shape
        withdrawn.withdrawn = true
        #expect(DocumentPlanner.desired(withdrawn).isEmpty)
        let applied = [
            AppliedComponent(role: .main, type: .payment, qboID: "5", syncToken: "0", appliedRevision: 3),
            AppliedComponent(role: .refund(id: "r1"), type: .refundReceipt, qboID: "6", syncToken: "0", appliedRevision: 2),
        ]
        #expect(DocumentPlanner.nextOperation(desired: [], applied: applied) == .delete(applied[1]), "refunds go first, then the payment")
    }
}

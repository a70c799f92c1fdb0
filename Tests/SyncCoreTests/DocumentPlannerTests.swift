import Testing

@testable import SyncCore

private func invoice(_ lifecycle: DocumentLifecycle = .active, revision: Int64 = 1) -> [DesiredComponent] {
    DocumentPlanner.desired(.init(kind: .invoice, lifecycle: lifecycle, revision: revision, hasContent: true))
}

private func live(_ role: ComponentRole, _ type: QuickBooksObjectType, id: String = "9", revision: Int64 = 1) -> AppliedComponent {
    AppliedComponent(role: role, type: type, qboID: id, syncToken: "0", appliedRevision: revision, attemptRevision: revision)
}

@Suite("What a document becomes in QuickBooks, one write at a time")
struct DocumentPlannerTests {
    @Test("an invoice is one Invoice; a voided one stays voided; a deleted one is nothing")
    func invoiceShapes() {
        #expect(invoice() == [DesiredComponent(role: .main, type: .invoice, revision: 1)])
        #expect(invoice(.voided) == [DesiredComponent(role: .main, type: .invoice, revision: 1, voided: true)])
        #expect(invoice(.deleted).isEmpty)
        #expect(DocumentPlanner.desired(.init(kind: .invoice, lifecycle: .active, revision: 1, hasContent: false)).isEmpty)
    }

    @Test(
        "a payment is a Payment, its fee a Purchase, each refund a RefundReceipt; promotional credit is a CreditMemo applied by a zero Payment"
    )
    func paymentShapes() {
        let card = DocumentPlanner.desired(
            .init(
                kind: .payment, lifecycle: .active, revision: 2, hasContent: true, appliesToInvoices: true,
                hasFee: true, refunds: [.init(id: "r2", revision: 5), .init(id: "r1", revision: 3)]))
        #expect(card.map(\.role) == [.main, .fee, .refund(id: "r1"), .refund(id: "r2")])
        #expect(card.map(\.type) == [.payment, .purchase, .refundReceipt, .refundReceipt])
        #expect(card.map(\.revision) == [2, 2, 3, 5])
        let promo = DocumentPlanner.desired(
            .init(kind: .payment, lifecycle: .active, revision: 1, hasContent: true, isPromotionalCredit: true, appliesToInvoices: true))
        #expect(promo.map(\.type) == [.creditMemo, .payment])
        #expect(promo.map(\.role) == [.main, .creditApplication])
        let unapplied = DocumentPlanner.desired(
            .init(kind: .payment, lifecycle: .active, revision: 1, hasContent: true, isPromotionalCredit: true))
        #expect(unapplied.map(\.type) == [.creditMemo])
    }

    @Test("a deleted payment keeps its refunds: the money did go back")
    func deletedPaymentKeepsRefunds() {
        let deleted = DocumentPlanner.desired(
            .init(
                kind: .payment, lifecycle: .deleted, revision: 3, hasContent: true, hasFee: true,
                refunds: [.init(id: "r1", revision: 2)]))
        #expect(deleted.map(\.role) == [.refund(id: "r1")])
    }

    @Test("nothing in QuickBooks: create; an older revision there: update; the same: nothing")
    func createUpdateNothing() {
        let want = invoice(revision: 3)
        #expect(DocumentPlanner.nextOperation(desired: want, applied: []) == .create(want[0]))
        let old = live(.main, .invoice, revision: 2)
        #expect(DocumentPlanner.nextOperation(desired: want, applied: [old]) == .update(want[0], old))
        #expect(DocumentPlanner.nextOperation(desired: want, applied: [live(.main, .invoice, revision: 3)]) == nil)
        #expect(DocumentPlanner.nextOperation(desired: want, applied: [live(.main, .invoice, revision: 4)]) == nil)
    }

    @Test("a void voids what is in QuickBooks once; a void of what never got there writes nothing")
    func void() {
        let written = live(.main, .invoice)
        #expect(DocumentPlanner.nextOperation(desired: invoice(.voided, revision: 2), applied: [written]) == .void(written))
        var voided = written
        voided.state = .voided
        #expect(DocumentPlanner.nextOperation(desired: invoice(.voided, revision: 2), applied: [voided]) == nil)
        #expect(DocumentPlanner.nextOperation(desired: invoice(.voided, revision: 2), applied: []) == nil)
    }

    @Test("a deletion deletes what exists, dependents first, and never what is already gone")
    func removals() {
        let memo = live(.main, .creditMemo, id: "1")
        let application = live(.creditApplication, .payment, id: "2")
        let fee = live(.fee, .purchase, id: "3")
        let desired = DocumentPlanner.desired(.init(kind: .payment, lifecycle: .deleted, revision: 4, hasContent: true))
        #expect(DocumentPlanner.nextOperation(desired: desired, applied: [memo, application, fee]) == .delete(fee))
        #expect(DocumentPlanner.nextOperation(desired: desired, applied: [memo, application]) == .delete(application))
        var gone = application
        gone.state = .deleted
        #expect(DocumentPlanner.nextOperation(desired: desired, applied: [memo, gone]) == .delete(memo))
        var memoGone = memo
        memoGone.state = .deleted
        #expect(DocumentPlanner.nextOperation(desired: desired, applied: [memoGone, gone]) == nil)
    }

    @Test("creates go in order: the credit memo before the payment applying it, then the fee, then refunds")
    func creationOrder() {
        let desired = DocumentPlanner.desired(
            .init(
                kind: .payment, lifecycle: .active, revision: 1, hasContent: true, isPromotionalCredit: true,
                appliesToInvoices: true, hasFee: true, refunds: [.init(id: "r1", revision: 1)]))
        var applied: [AppliedComponent] = []
        var order: [QuickBooksObjectType] = []
        while let next = DocumentPlanner.nextOperation(desired: desired, applied: applied) {
            guard case .create(let want) = next else {
                Issue.record("expected only creates, got \(next)")
                return
            }
            order.append(want.type)
            applied.append(live(want.role, want.type, revision: want.revision))
        }
        #expect(order == [.creditMemo, .payment, .purchase, .refundReceipt])
    }

    @Test("a create whose answer was lost is settled with its first attempt's revision before anything else")
    func uncertainCreate() {
        let uncertain = AppliedComponent(role: .main, type: .invoice, attemptRevision: 2)
        let want = invoice(revision: 5)
        #expect(DocumentPlanner.nextOperation(desired: want, applied: [uncertain]) == .create(want[0]))
        // No longer wanted (deleted meanwhile): settle it, then delete what it made.
        #expect(
            DocumentPlanner.nextOperation(desired: invoice(.deleted, revision: 6), applied: [uncertain])
                == .create(DesiredComponent(role: .main, type: .invoice, revision: 2)))
    }

    @Test("a payment that turns into promotional credit: the Payment goes, a CreditMemo comes")
    func typeChange() {
        let payment = live(.main, .payment)
        let desired = DocumentPlanner.desired(
            .init(kind: .payment, lifecycle: .active, revision: 2, hasContent: true, isPromotionalCredit: true))
        #expect(DocumentPlanner.nextOperation(desired: desired, applied: [payment]) == .delete(payment))
        var deleted = payment
        deleted.state = .deleted
        #expect(DocumentPlanner.nextOperation(desired: desired, applied: [deleted]) == .create(desired[0]))
    }

    @Test("a fee that drops to zero removes its Purchase")
    func feeRemoved() {
        let desired = DocumentPlanner.desired(.init(kind: .payment, lifecycle: .active, revision: 2, hasContent: true))
        let fee = live(.fee, .purchase)
        #expect(DocumentPlanner.nextOperation(desired: desired, applied: [live(.main, .payment, revision: 2), fee]) == .delete(fee))
    }

    @Test("roles keep their stored names")
    func roleNames() {
        for role in [ComponentRole.main, .creditApplication, .fee, .refund(id: "re:1")] {
            #expect(ComponentRole(role.description) == role)
        }
        #expect(ComponentRole("refund:") == nil)
        #expect(ComponentRole("boss") == nil)
    }
}

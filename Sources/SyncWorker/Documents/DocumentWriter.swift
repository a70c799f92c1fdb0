import Foundation
import QuickBooks
import SyncCore

/// Turns one planned write of an invoice or payment into QuickBooks objects and calls.
///
/// Every write carries a requestid derived from the firm, the document, the role, the operation
/// and the revision, so a write repeated after a crash or a lost answer returns QuickBooks'
/// original answer instead of writing twice. A stale SyncToken (5010) is read again and the
/// write retried once with the current one (``QuickBooksClient/retryingStaleSyncToken(_:id:syncToken:requestID:access:_:)``).
struct DocumentWriter: Sendable {
    let gateway: QuickBooksGateway
    let references: QuickBooksReferences

    /// Everything one write needs, read in the pusher's transaction.
    struct Step: Sendable {
        var firm: FirmRecord
        var document: StoredDocument
        var operation: ComponentOperation
        /// For a create: the revision of its first attempt, from which its requestid derives.
        var attemptRevision: Int64
        /// The document's generation the object belongs to (see ``StoredDocument/generation``).
        var generation: Int64
        /// The account's QuickBooks customer; empty for a removal, which names none.
        var customerID: String
        /// QuickBooks Invoice ids of the invoices a payment pays, for those in QuickBooks.
        var invoiceIDs: [String: String]
        var components: [AppliedComponent]
        var refunds: [StoredRefund]
        /// This attempt repeats one that may have reached QuickBooks (a create planned before, a
        /// retry): its write looks for the batch it may have gone in first.
        var mayHaveBeenSent = false
    }

    /// Performs `step.operation`; returns the component as QuickBooks now holds it.
    /// - Throws: ``QuickBooksProblem`` (or a database error from looking up references).
    func perform(_ step: Step) async throws -> AppliedComponent {
        do {
            return try await attempt(step)
        } catch let problem as QuickBooksProblem where problem.code == QuickBooksError.Code.objectNotFound && step.isWrite {
            // A cached item or account may have been removed in QuickBooks: look them up again, once.
            try await references.forget(firmID: step.firm.firmID)
            return try await attempt(step)
        }
    }

    private func attempt(_ step: Step) async throws -> AppliedComponent {
        switch step.operation {
        case .create(let desired), .update(let desired, _):
            return try await write(desired, step)
        case .void(let component):
            guard let id = component.qboID else { throw Self.missingID(component) }
            let voided = try await versioned(Invoice.self, id: id, syncToken: component.syncToken ?? "0", step: step, operation: .void) {
                syncToken, requestID throws(QuickBooksError) in
                try .void(Invoice.entityName, id: id, syncToken: syncToken, requestID: requestID)
            }
            var result = component
            result.state = .voided
            result.syncToken = voided.syncToken ?? component.syncToken
            return result
        case .delete(let component):
            var result = component
            result.state = .deleted
            guard let id = component.qboID else { return result }  // never created: nothing to delete
            do {
                try await delete(component.type, id: id, syncToken: component.syncToken ?? "0", step: step)
            } catch let problem as QuickBooksProblem where problem.code == QuickBooksError.Code.objectNotFound {
                // Already gone from QuickBooks (deleted there by hand): the goal is reached.
            }
            return result
        }
    }

    // MARK: - Creates and updates

    private func write(_ desired: DesiredComponent, _ step: Step) async throws -> AppliedComponent {
        let payload = step.document.payload
        switch (desired.role, desired.type, payload) {
        case (.main, .invoice, .invoiceUpserted(let invoice)?):
            return try await save(try await self.invoice(invoice, step), desired, step)
        case (.main, .payment, .paymentUpserted(let payment)?):
            return try await save(self.payment(payment, step), desired, step)
        case (.main, .creditMemo, .paymentUpserted(let payment)?):
            return try await save(try await creditMemo(payment, step), desired, step)
        case (.creditApplication, .payment, .paymentUpserted(let payment)?):
            return try await save(try creditApplication(payment, step), desired, step)
        case (.fee, .purchase, .paymentUpserted(let payment)?):
            return try await save(try await fee(payment, step), desired, step)
        case (.refund(let refundID), .refundReceipt, _):
            guard let refund = step.refunds.first(where: { $0.refundID == refundID }) else {
                throw QuickBooksProblem(
                    kind: .validation, code: "internal",
                    message: "refund \(refundID) of payment \(step.document.documentID) is not recorded")
            }
            var payment: PaymentUpserted?
            if case .paymentUpserted(let upserted)? = payload { payment = upserted }
            // A refund names no currency; intake held it to three decimals, its payment's currency decides.
            if let currency = payment?.currency, !refund.amount.fits(decimals: CurrencyMinorUnits.of(currency)) {
                let sentence =
                    "Refund \(refund.refundID) is \(refund.amount), but \(currency) amounts have at most \(CurrencyMinorUnits.of(currency)) decimals; QuickBooks would record another amount. Correct the refund on the platform."
                throw QuickBooksProblem(kind: .validation, code: "invalid_amount", message: sentence, detail: sentence)
            }
            return try await save(try await refundReceipt(refund, payment: payment, step), desired, step)
        default:
            throw QuickBooksProblem(
                kind: .validation, code: "internal",
                message:
                    "no \(desired.type.rawValue) can be built for the \(desired.role) of \(step.document.kind.rawValue) \(step.document.documentID)"
                    + (step.document.unreadableContent.map { ": its stored event no longer reads (\($0))" } ?? ""))
        }
    }

    /// Creates `object`, or updates the component's object with it (sparse: only the fields sent).
    private func save<Object: QuickBooksEntity>(_ object: Object, _ desired: DesiredComponent, _ step: Step) async throws
        -> AppliedComponent
    {
        switch step.operation {
        case .update(_, let current):
            guard let id = current.qboID else { throw Self.missingID(current) }
            let updated = try await versioned(Object.self, id: id, syncToken: current.syncToken ?? "0", step: step, operation: .update) {
                syncToken, requestID throws(QuickBooksError) in
                var change = object
                change.id = id
                change.syncToken = syncToken
                return try .update(Object.entityName, change, requestID: requestID)
            }
            return AppliedComponent(
                role: desired.role, type: desired.type, qboID: id, syncToken: updated.syncToken ?? current.syncToken,
                appliedRevision: desired.revision, attemptRevision: current.attemptRevision,
                attemptGeneration: current.attemptGeneration, state: .live)
        default:
            let requestID = step.requestID("create \(desired.type.rawValue)", revision: String(step.attemptRevision))
            let created: WrittenObject
            do {
                let write = try Self.built { () throws(QuickBooksError) in try .create(Object.entityName, object, requestID: requestID) }
                created = try await gateway.write(firmID: step.firm.firmID, write, mayHaveBeenSent: step.mayHaveBeenSent)
            } catch let problem as QuickBooksProblem where ["6210", "6140"].contains(problem.code) && desired.type == .invoice {
                // Ours already, if a create whose answer was lost outlived QuickBooks' memory of its requestid.
                guard let adopted = try await ownInvoice(numbered: (object as? Invoice)?.docNumber, step) else { throw problem }
                return AppliedComponent(
                    role: desired.role, type: desired.type, qboID: adopted.id, syncToken: adopted.syncToken,
                    appliedRevision: nil, attemptRevision: step.attemptRevision, attemptGeneration: step.generation, state: .live)
            }
            guard let id = created.id else {
                throw QuickBooksProblem(
                    kind: .unavailable, code: "no_id", message: "QuickBooks created a \(Object.entityName) without returning its Id")
            }
            return AppliedComponent(
                role: desired.role, type: desired.type, qboID: id, syncToken: created.syncToken,
                appliedRevision: step.attemptRevision, attemptRevision: step.attemptRevision,
                attemptGeneration: step.generation, state: .live)
        }
    }

    private func ownInvoice(numbered number: String?, _ step: Step) async throws -> Invoice? {
        guard let number else { return nil }
        let found = try await gateway.perform(firmID: step.firm.firmID, "query invoice") { client, access throws(QuickBooksError) in
            try await client.invoices(docNumber: number, access: access)
        }
        return found.first { $0.privateNote == step.note && $0.customerRef?.value == step.customerID }
    }

    // MARK: - The objects

    private func invoice(_ invoice: InvoiceUpserted, _ step: Step) async throws -> Invoice {
        guard invoice.number.count <= 21 else {
            throw QuickBooksProblem(
                kind: .validation, code: "docnumber_too_long", message: "DocNumber longer than 21 characters",
                detail: FailureDetail.documentNumberTooLong(invoice.number))
        }
        // All the lines' items at once: a new firm's first invoice looks them up in one request.
        let items = try await references.serviceItems(named: invoice.lines.map(\.serviceName), firm: step.firm)
        var lines: [SalesLine] = []
        for line in invoice.lines {
            guard let item = items[QuickBooksReferences.itemName(line.serviceName)] else {
                throw QuickBooksProblem(
                    kind: .unavailable, code: "internal", message: "no QuickBooks item for the service \(line.serviceName)")
            }
            lines.append(
                .salesItem(
                    item, quantity: QuickBooksDecimal(line.quantity), unitPrice: QuickBooksDecimal(line.rate),
                    amount: QuickBooksDecimal(line.amount), description: line.description))
        }
        return Invoice(
            customerRef: step.customer, docNumber: invoice.number, txnDate: invoice.issueDate, dueDate: invoice.dueDate,
            currencyRef: ReferenceType(value: invoice.currency), lines: lines, privateNote: step.note)
    }

    private func payment(_ payment: PaymentUpserted, _ step: Step) -> Payment {
        // Invoices that will never reach QuickBooks (dated before the sync start, voided,
        // deleted) are left out: that part of the payment stays unapplied credit.
        let lines = payment.appliedTo.compactMap { application in
            step.invoiceIDs[application.invoiceID].map { PaymentLine.invoice($0, amount: QuickBooksDecimal(application.amount)) }
        }
        return Payment(
            customerRef: step.customer, totalAmt: QuickBooksDecimal(payment.amount), txnDate: payment.date,
            paymentRefNum: payment.reference.map { String($0.prefix(21)) }, currencyRef: ReferenceType(value: payment.currency),
            lines: lines, privateNote: step.note)
    }

    private func creditMemo(_ payment: PaymentUpserted, _ step: Step) async throws -> CreditMemo {
        let item = try await references.serviceItem(named: QuickBooksReferences.promotionalCreditItem, firm: step.firm)
        let amount = QuickBooksDecimal(payment.amount)
        return CreditMemo(
            customerRef: step.customer, txnDate: payment.date, currencyRef: ReferenceType(value: payment.currency),
            lines: [
                .salesItem(
                    item, quantity: QuickBooksDecimal(FixedDecimal(micros: FixedDecimal.scale)), unitPrice: amount,
                    amount: amount, description: payment.reference)
            ],
            privateNote: step.note)
    }

    /// The zero payment that applies a promotional credit memo to the invoices it pays.
    private func creditApplication(_ payment: PaymentUpserted, _ step: Step) throws -> Payment {
        guard let memo = step.components.first(where: { $0.role == .main && $0.type == .creditMemo })?.qboID else {
            throw QuickBooksProblem(
                kind: .unavailable, code: "internal",
                message: "the credit memo of payment \(step.document.documentID) is not in QuickBooks yet")
        }
        var lines: [PaymentLine] = []
        var applied = FixedDecimal.zero
        for application in payment.appliedTo {
            guard let invoice = step.invoiceIDs[application.invoiceID] else { continue }
            lines.append(.invoice(invoice, amount: QuickBooksDecimal(application.amount)))
            applied = applied + application.amount
        }
        lines.append(PaymentLine(amount: QuickBooksDecimal(applied), linkedTxn: [.creditMemo(memo)]))
        return Payment(
            customerRef: step.customer, totalAmt: .zero, txnDate: payment.date, currencyRef: ReferenceType(value: payment.currency),
            lines: lines, privateNote: step.note)
    }

    private func fee(_ payment: PaymentUpserted, _ step: Step) async throws -> Purchase {
        let bank = try await references.account(.bank, firm: step.firm)
        let expense = try await references.account(.fee, firm: step.firm)
        return Purchase(
            paymentType: .cash, accountRef: bank, txnDate: payment.date, currencyRef: ReferenceType(value: payment.currency),
            lines: [
                .expense(
                    expense, amount: QuickBooksDecimal(payment.processingFee),
                    description: "Processing fee of payment \(step.document.label)")
            ],
            privateNote: step.note)
    }

    private func refundReceipt(_ refund: StoredRefund, payment: PaymentUpserted?, _ step: Step) async throws -> RefundReceipt {
        let item = try await references.serviceItem(named: QuickBooksReferences.refundItem, firm: step.firm)
        let bank = try await references.account(.bank, firm: step.firm)
        let amount = QuickBooksDecimal(refund.amount)
        return RefundReceipt(
            customerRef: step.customer, txnDate: refund.date, currencyRef: payment.map { ReferenceType(value: $0.currency) },
            lines: [
                .salesItem(
                    item, quantity: QuickBooksDecimal(FixedDecimal(micros: FixedDecimal.scale)), unitPrice: amount,
                    amount: amount, description: "Refund \(refund.refundID) of payment \(step.document.label)")
            ],
            depositToAccountRef: bank, paymentRefNum: String(refund.refundID.prefix(21)),
            privateNote: "\(step.note), refund \(refund.refundID)")
    }

    // MARK: - Versioned calls

    /// Makes a write that needs the object's current SyncToken; after a 5010 (stale) it reads the
    /// object and writes once more, with a requestid derived from this one and the fresh token
    /// (``QuickBooksClient/staleRetryRequestID(_:freshSyncToken:)``).
    private func versioned<Object: QuickBooksEntity>(
        _ type: Object.Type, id: String, syncToken: String, step: Step, operation: QuickBooksWrite.Operation,
        _ make: (_ syncToken: String, _ requestID: String) throws(QuickBooksError) -> QuickBooksWrite
    ) async throws -> WrittenObject {
        let requestID = step.requestID("\(operation.rawValue) \(Object.entityName)", revision: step.operation.requestRevision)
        let firmID = step.firm.firmID
        do {
            let write = try Self.built { () throws(QuickBooksError) in try make(syncToken, requestID) }
            return try await gateway.write(firmID: firmID, write, mayHaveBeenSent: step.mayHaveBeenSent)
        } catch let problem as QuickBooksProblem where problem.code == QuickBooksError.Code.staleObject {
            let fresh = try await gateway.perform(firmID: firmID, "read \(Object.entityName)") { client, access throws(QuickBooksError) in
                try await client.read(Object.entityName, id: id, as: Object.self, access: access).syncToken ?? syncToken
            }
            let retryID = QuickBooksClient.staleRetryRequestID(requestID, freshSyncToken: fresh)
            let write = try Self.built { () throws(QuickBooksError) in try make(fresh, retryID) }
            return try await gateway.write(firmID: firmID, write, mayHaveBeenSent: step.mayHaveBeenSent)
        }
    }

    /// A write built from an object; one that cannot be encoded is refused like QuickBooks' refusals.
    private static func built(_ make: () throws(QuickBooksError) -> QuickBooksWrite) throws -> QuickBooksWrite {
        do { return try make() } catch { throw error.problem }
    }

    private func delete(_ type: QuickBooksObjectType, id: String, syncToken: String, step: Step) async throws {
        func remove<Object: QuickBooksEntity>(_ entity: Object.Type) async throws {
            _ = try await versioned(entity, id: id, syncToken: syncToken, step: step, operation: .delete) {
                syncToken, requestID throws(QuickBooksError) in
                try .delete(Object.entityName, id: id, syncToken: syncToken, requestID: requestID)
            }
        }
        switch type {
        case .invoice: try await remove(Invoice.self)
        case .payment: try await remove(Payment.self)
        case .creditMemo: try await remove(CreditMemo.self)
        case .purchase: try await remove(Purchase.self)
        case .refundReceipt: try await remove(RefundReceipt.self)
        }
    }

    private static func missingID(_ component: AppliedComponent) -> QuickBooksProblem {
        QuickBooksProblem(
            kind: .validation, code: "internal", message: "the \(component.type.rawValue) of role \(component.role) has no QuickBooks Id")
    }
}

extension DocumentWriter.Step {
    var customer: ReferenceType { ReferenceType(value: customerID) }

    /// The note qbsync leaves on what it writes, also how it recognises its own invoice.
    var note: String { "Synced by qbsync from \(document.kind.rawValue) \(document.documentID)" }

    var isWrite: Bool {
        switch operation {
        case .create, .update: true
        case .void, .delete: false
        }
    }

    /// The requestid of this write; from the second generation on, the generation is part of it
    /// (the first keeps the ids it always had, so an upgrade repeats nothing).
    func requestID(_ operation: String, revision: String) -> String {
        RequestID.derive(
            firm: firm.firmID, entity: "\(document.kind.rawValue):\(self.operation.role)", id: document.documentID,
            operation: operation, revision: generation == 0 ? revision : "\(revision)/g\(generation)")
    }
}

extension ComponentOperation {
    /// What distinguishes two writes of this kind to one component: an update per revision; a void
    /// or delete happens once per QuickBooks object.
    var requestRevision: String {
        switch self {
        case .create(let desired), .update(let desired, _): String(desired.revision)
        case .void(let component), .delete(let component): component.qboID ?? ""
        }
    }
}

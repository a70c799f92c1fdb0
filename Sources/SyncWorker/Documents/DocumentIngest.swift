import Foundation
import Postgres
import SyncCore

/// Records an invoice or payment event in the consumer's transaction: the newest revision wins
/// (an older or equal one is a no-op), the document's column is published, and its account's
/// queue is made due when it can be written now.
struct DocumentIngest: Sendable {
    let review: DocumentReview

    /// What an event did to its document.
    struct Ingested: Sendable {
        /// The account's queue is due: the caller wakes the pusher once its transaction has
        /// committed (woken earlier, it would not see the queue). A pusher already writing the
        /// account finds nothing more to claim; that costs one claim, where asking whether one
        /// holds it cost a round trip per event.
        var queueDue = false
        /// A sync or unsync by hand that the rules refused: the caller audits and counts it.
        var refused: RejectedToggle?
    }

    /// - Parameters:
    ///   - value: the message value as received; kept, so the document can be written (again) later.
    ///   - account: the account as this event left it (nil when unknown).
    func apply(
        _ event: IngressEvent, value: [UInt8], origin: MessageOrigin, firm: FirmRecord?, account: AccountSyncState?,
        on connection: PostgresConnection
    ) async throws -> Ingested {
        if let (kind, toggle, request) = event.payload.documentToggle {
            return try await applyToggle(
                request, of: kind, toggle, event: event, origin: origin, firm: firm, account: account, on: connection)
        }
        guard let document = try await updated(event, value: value, on: connection) else { return Ingested() }
        return try await requeue(document, changedBy: event, origin: origin, around: .init(firm: firm, account: account), on: connection)
    }

    /// `event` changed the document: it goes to the back of its account's queue with nothing of
    /// its previous attempt left (failure, awaited invoices, parked detail), is reviewed, and its
    /// account's queue is touched.
    /// A document not stored before has no QuickBooks objects yet (they are stored with it): none
    /// are read.
    private func requeue(
        _ changed: StoredDocument, changedBy event: IngressEvent, origin: MessageOrigin,
        around: DocumentReview.Surroundings, on connection: PostgresConnection
    ) async throws -> Ingested {
        let isNew = !changed.isStored
        var document = changed
        document.lastEventID = event.id
        document.trace = PipelineTracing.current
        document.changeSeq = nil
        document.clearFailure()
        document.awaiting = []
        document.awaitingLabels = []
        document.parkedDetail = nil
        let verdict =
            if isNew {
                try await review.reviewAndSave(
                    &document, components: [], refunds: try await DocumentStore.refunds(of: document, on: connection), around: around,
                    causedBy: event.id, on: connection)
            } else {
                try await review.reviewAndSave(&document, around: around, causedBy: event.id, on: connection)
            }
        let due = verdict.next == .push
        try await DocumentQueueStore.touch(
            firmID: document.firmID, accountID: document.accountID, ownerPartition: origin.ownerPartition, due: due, on: connection)
        return Ingested(queueDue: due)
    }

    /// "Sync Invoice/Payment to QuickBooks", "Unsync Payment": the choice is kept on the document,
    /// which joins the back of its account's queue like a new revision, so it is written (or
    /// removed) in order with the account's other documents.
    private func applyToggle(
        _ request: DocumentToggleRules.Request, of kind: DocumentKind, _ toggle: DocumentToggleRequested, event: IngressEvent,
        origin: MessageOrigin, firm: FirmRecord?, account: AccountSyncState?, on connection: PostgresConnection
    ) async throws -> Ingested {
        let stored = try await DocumentStore.lock(firmID: toggle.firmID, kind: kind, documentID: toggle.documentID, on: connection)
        var components: [AppliedComponent] = []
        if let stored { components = try await DocumentStore.components(of: stored, on: connection) }
        let situation = DocumentToggleRules.Situation(
            kind: kind, label: stored?.label ?? toggle.documentID, status: stored?.status.status,
            inQuickBooks: components.contains(where: \.exists),
            accountName: account?.name ?? toggle.accountID, accountStatus: account?.status)
        if case .refuse(let reason, let inColumn) = DocumentToggleRules.decide(request, by: toggle.actor, situation) {
            if inColumn, var document = stored, let update = document.status.note(reason) {
                try await review.publish(update, of: document, causedBy: event.id, on: connection)
                try await DocumentStore.save(document, on: connection)
            }
            return Ingested(refused: RejectedToggle(action: request.action, actor: toggle.actor, reason: reason))
        }
        guard var document = stored else { return Ingested() }  // the rules refuse an unknown document
        document.manualChoice = request == .sync ? .sync : .unsync
        if request == .unsync { document.generation += 1 }
        return try await requeue(document, changedBy: event, origin: origin, around: .init(firm: firm, account: account), on: connection)
    }

    /// The document with `event` applied, or nil when the event changes nothing (not newer).
    private func updated(_ event: IngressEvent, value: [UInt8], on connection: PostgresConnection) async throws -> StoredDocument? {
        func load(_ kind: DocumentKind, _ id: String, label: String) async throws -> StoredDocument {
            try await DocumentStore.lock(firmID: event.firmID, kind: kind, documentID: id, on: connection)
                ?? StoredDocument(
                    firmID: event.firmID, kind: kind, documentID: id, accountID: event.accountID, label: label, lastEventID: event.id)
        }
        switch event.payload {
        case .invoiceUpserted(let invoice):
            var document = try await load(.invoice, invoice.invoiceID, label: invoice.number)
            guard invoice.revision > document.revision else { return nil }
            document.revision = invoice.revision
            document.lifecycle = .active
            document.setContent(value, payload: event.payload)
            document.date = invoice.issueDate
            document.label = invoice.number
            document.accountID = invoice.accountID
            return document
        case .invoiceVoided(let removal), .invoiceDeleted(let removal):
            var document = try await load(.invoice, removal.invoiceID, label: removal.invoiceID)
            guard removal.revision > document.revision else { return nil }
            document.revision = removal.revision
            if case .invoiceVoided = event.payload { document.lifecycle = .voided } else { document.lifecycle = .deleted }
            return document
        case .paymentUpserted(let payment):
            var document = try await load(.payment, payment.paymentID, label: payment.paymentID)
            guard payment.revision > document.revision else { return nil }
            // The payment's own checkbox changed on the platform: that is the newest choice.
            if let flag = payment.sync, flag != document.syncFlag { document.manualChoice = nil }
            document.revision = payment.revision
            document.lifecycle = .active
            document.setContent(value, payload: event.payload)
            document.date = payment.date
            document.label = payment.reference.map { "\($0) (\(payment.paymentID))" } ?? payment.paymentID
            document.accountID = payment.accountID
            return document
        case .paymentDeleted(let deletion):
            var document = try await load(.payment, deletion.paymentID, label: deletion.paymentID)
            guard deletion.revision > document.revision else { return nil }
            document.revision = deletion.revision
            document.lifecycle = .deleted
            return document
        case .paymentRefunded(let refund):
            // Refunds are kept by their own id: one arriving before (or after a newer revision
            // of) its payment is never lost to the payment's revision order.
            let document = try await load(.payment, refund.paymentID, label: refund.paymentID)
            let stored = StoredRefund(refundID: refund.refundID, amount: refund.amount, date: refund.date, revision: refund.revision)
            guard try await DocumentStore.saveRefund(stored, firmID: event.firmID, paymentID: refund.paymentID, on: connection) else {
                return nil
            }
            return document
        case .accountUpserted, .accountSyncRequested, .accountUnsyncRequested, .invoiceSyncRequested, .paymentSyncRequested,
            .paymentUnsyncRequested:
            return nil
        }
    }
}

extension IngressEvent.Payload {
    /// Invoice and payment events, as opposed to account events.
    var isDocument: Bool {
        switch self {
        case .invoiceUpserted, .invoiceVoided, .invoiceDeleted, .paymentUpserted, .paymentDeleted, .paymentRefunded: true
        case .invoiceSyncRequested, .paymentSyncRequested, .paymentUnsyncRequested: true
        case .accountUpserted, .accountSyncRequested, .accountUnsyncRequested: false
        }
    }

    /// The stored document an event reads, when it reads one.
    func document(firmID: String) -> LockedDocuments.Key? {
        switch self {
        case .invoiceUpserted(let invoice): LockedDocuments.Key(firmID: firmID, kind: .invoice, documentID: invoice.invoiceID)
        case .invoiceVoided(let removal), .invoiceDeleted(let removal):
            LockedDocuments.Key(firmID: firmID, kind: .invoice, documentID: removal.invoiceID)
        case .paymentUpserted(let payment): LockedDocuments.Key(firmID: firmID, kind: .payment, documentID: payment.paymentID)
        case .paymentDeleted(let deletion): LockedDocuments.Key(firmID: firmID, kind: .payment, documentID: deletion.paymentID)
        case .paymentRefunded(let refund): LockedDocuments.Key(firmID: firmID, kind: .payment, documentID: refund.paymentID)
        case .invoiceSyncRequested(let toggle): LockedDocuments.Key(firmID: toggle.firmID, kind: .invoice, documentID: toggle.documentID)
        case .paymentSyncRequested(let toggle), .paymentUnsyncRequested(let toggle):
            LockedDocuments.Key(firmID: toggle.firmID, kind: .payment, documentID: toggle.documentID)
        case .accountUpserted, .accountSyncRequested, .accountUnsyncRequested: nil
        }
    }

    /// A sync or unsync of one invoice or payment by hand: its kind, the request, and which.
    var documentToggle: (DocumentKind, DocumentToggleRequested, DocumentToggleRules.Request)? {
        switch self {
        case .invoiceSyncRequested(let toggle): (.invoice, toggle, .sync)
        case .paymentSyncRequested(let toggle): (.payment, toggle, .sync)
        case .paymentUnsyncRequested(let toggle): (.payment, toggle, .unsync)
        default: nil
        }
    }
}

extension MessageOrigin {
    /// The consumer of this partition writes the account's documents to QuickBooks.
    var ownerPartition: String { "\(topic)/\(partition)" }
}

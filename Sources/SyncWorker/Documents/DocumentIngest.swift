import Foundation
import Postgres
import SyncCore

/// Records an invoice or payment event in the consumer's transaction: the newest revision wins
/// (an older or equal one is a no-op), the document's column is published, and its account's
/// queue is made due when it can be written now.
struct DocumentIngest: Sendable {
    let review: DocumentReview

    /// - Parameters:
    ///   - value: the message value as received; kept, so the document can be written (again) later.
    ///   - account: the account as this event left it (nil when unknown).
    /// - Returns: whether the account's queue is due with no worker on it: the caller wakes the
    ///   pusher once its transaction has committed (woken earlier, it would not see the queue).
    @discardableResult
    func apply(_ event: IngressEvent, value: [UInt8], origin: MessageOrigin, firm: FirmRecord?, account: AccountSyncState?,
               on connection: PostgresConnection) async throws -> Bool {
        guard var document = try await updated(event, value: value, on: connection) else { return false }
        document.lastEventID = event.id
        document.changeSeq = nil  // to the back of the account's queue
        document.clearFailure()
        document.awaiting = []
        document.awaitingLabels = []
        document.parkedDetail = nil
        let verdict = try await review.review(&document, around: .init(firm: firm, account: account), causedBy: event.id, on: connection)
        return try await DocumentQueueStore.touch(firmID: document.firmID, accountID: document.accountID,
                                                  ownerPartition: origin.ownerPartition, due: verdict.next == .push, on: connection)
    }

    /// The document with `event` applied, or nil when the event changes nothing (not newer).
    private func updated(_ event: IngressEvent, value: [UInt8], on connection: PostgresConnection) async throws -> StoredDocument? {
        func load(_ kind: DocumentKind, _ id: String, label: String) async throws -> StoredDocument {
            try await DocumentStore.lock(firmID: event.firmID, kind: kind, documentID: id, on: connection)
                ?? StoredDocument(firmID: event.firmID, kind: kind, documentID: id, accountID: event.accountID, label: label, lastEventID: event.id)
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
            guard try await DocumentStore.saveRefund(stored, firmID: event.firmID, paymentID: refund.paymentID, on: connection) else { return nil }
            return document
        case .accountUpserted, .accountSyncRequested, .accountUnsyncRequested:
            return nil
        }
    }
}

extension IngressEvent.Payload {
    /// Invoice and payment events, as opposed to account events.
    var isDocument: Bool {
        switch self {
        case .invoiceUpserted, .invoiceVoided, .invoiceDeleted, .paymentUpserted, .paymentDeleted, .paymentRefunded: true
        case .accountUpserted, .accountSyncRequested, .accountUnsyncRequested: false
        }
    }
}

extension MessageOrigin {
    /// The consumer of this partition writes the account's documents to QuickBooks.
    var ownerPartition: String { "\(topic)/\(partition)" }
}

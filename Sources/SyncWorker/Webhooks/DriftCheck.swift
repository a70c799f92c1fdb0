import Foundation
import Postgres
import QuickBooks
import SyncCore

/// Reads what QuickBooks holds of something qbsync wrote and compares it with what qbsync wrote
/// (``Reconciliation``): for the reconciler, and for `qbsync reconcile`.
struct DriftCheck: Sendable {
    let database: PostgresClient
    let gateway: QuickBooksGateway

    /// A component of a document as qbsync recorded it.
    struct Written: Sendable {
        var firmID: String
        var kind: DocumentKind
        var documentID: String
        var role: String
        var qboID: String
        var syncToken: String?
        var state: String
    }

    /// Reads the object and compares it with what qbsync wrote; nil while the document has a newer
    /// revision still to write (that write will replace what QuickBooks holds).
    func document(_ written: Written, seenSyncToken: String?) async throws -> Reconciliation.Drift? {
        // Change-data-capture says which version it saw: qbsync's own needs no read.
        if let seenSyncToken, seenSyncToken == written.syncToken { return nil }
        guard let stored = try await storedDocument(written), !stored.pending else { return nil }
        let id = written.qboID
        do {
            switch stored.payload {
            case .invoiceUpserted(let invoice)?:
                let now = try await gateway.perform(firmID: written.firmID, "read Invoice") { client, access throws(QuickBooksError) in
                    try await client.invoice(id: id, access: access)
                }
                // QuickBooks keeps a voided invoice, at zero, its note starting "Voided".
                if now.totalAmt?.value == .zero, now.privateNote?.hasPrefix("Voided") == true, invoice.total != .zero { return .voided }
                return Reconciliation.drift(
                    writtenSyncToken: written.syncToken,
                    written: .init(
                        total: invoice.total, date: invoice.issueDate.description, dueDate: invoice.dueDate?.description,
                        lineAmounts: invoice.lines.map(\.amount)),
                    nowSyncToken: now.syncToken,
                    now: .init(
                        total: now.totalAmt?.value, date: now.txnDate?.description, dueDate: now.dueDate?.description,
                        lineAmounts: (now.lines ?? []).filter(\.isSalesItem).compactMap { $0.amount?.value }))
            case .paymentUpserted(let payment)? where written.kind == .payment:
                let now = try await gateway.perform(firmID: written.firmID, "read Payment") { client, access throws(QuickBooksError) in
                    try await client.read(Payment.entityName, id: id, as: Payment.self, access: access)
                }
                if now.totalAmt?.value == .zero, now.privateNote?.hasPrefix("Voided") == true, payment.amount != .zero { return .voided }
                return Reconciliation.drift(
                    writtenSyncToken: written.syncToken, written: .init(total: payment.amount, date: payment.date.description),
                    nowSyncToken: now.syncToken, now: .init(total: now.totalAmt?.value, date: now.txnDate?.description))
            default:
                return nil
            }
        } catch let problem as QuickBooksProblem where problem.code == QuickBooksError.Code.objectNotFound {
            return .deleted
        }
    }

    private func storedDocument(_ written: Written) async throws -> StoredDocument? {
        try await database.withConnection { connection in
            try await DocumentStore.load(
                firmID: written.firmID, kind: written.kind, documentID: written.documentID, forUpdate: false, on: connection)
        }
    }

    /// What became of a linked customer in QuickBooks; nil while it is active.
    enum CustomerChange: Sendable, Equatable {
        case inactive(name: String)
        case deleted
    }

    func customer(firmID: String, customerID: String) async throws -> CustomerChange? {
        do {
            let customer = try await gateway.perform(firmID: firmID, "read Customer") { client, access throws(QuickBooksError) in
                try await client.read(Customer.entityName, id: customerID, as: Customer.self, access: access)
            }
            return customer.isActive ? nil : .inactive(name: customer.displayName)
        } catch let problem as QuickBooksProblem where problem.code == QuickBooksError.Code.objectNotFound {
            return .deleted
        }
    }
}

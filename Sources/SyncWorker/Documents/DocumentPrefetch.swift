import Postgres
import SyncCore
import Synchronization

/// The documents a consumer batch changes, read and locked together before its events apply one
/// by one: one statement for the documents and one for their QuickBooks objects, instead of two
/// for every event.
///
/// Only ``DocumentIngest`` writes documents in the consumer's transaction, and it hands back what
/// it saved (``saved(_:)``), so a second event on a document in the batch sees the first's
/// result. Whatever else changes documents in the transaction (an account's column moving its
/// documents' columns) calls ``forgetAll()``: from then on every document is read again.
///
/// It also remembers which account queues the batch has touched, so an account with several
/// documents in the batch has its queue touched once (``needsTouch(firmID:accountID:ownerPartition:due:)``).
final class DocumentPrefetch: Sendable {
    /// A document as this transaction left it (nil: it does not exist yet) and its QuickBooks objects.
    struct Entry: Sendable {
        var document: StoredDocument?
        var components: [AppliedComponent]
    }

    private let entries: Mutex<[DocumentStore.Key: Entry]>
    /// Queues touched in this transaction, and whether one of those touches made them due.
    private let touched = Mutex<[[String]: Bool]>([:])

    private init(_ entries: [DocumentStore.Key: Entry]) {
        self.entries = Mutex(entries)
    }

    /// Reads and locks the documents of `events` (those that name one).
    static func load(for events: [IngressEvent], on connection: PostgresConnection) async throws -> DocumentPrefetch {
        let keys = Set(events.compactMap(\.documentKey))
        let documents = try await DocumentStore.lock(keys, on: connection)
        let components = try await DocumentStore.components(of: Set(documents.keys), on: connection)
        var entries: [DocumentStore.Key: Entry] = [:]
        for key in keys { entries[key] = Entry(document: documents[key], components: components[key] ?? []) }
        return DocumentPrefetch(entries)
    }

    /// What the batch knows of the document; nil when it must be read from the database.
    func entry(_ key: DocumentStore.Key) -> Entry? {
        entries.withLock { $0[key] }
    }

    /// The ingest saved `document`: later events of the batch start from it.
    func saved(_ document: StoredDocument) {
        let key = DocumentStore.Key(firmID: document.firmID, kind: document.kind, documentID: document.documentID)
        entries.withLock { $0[key]?.document = document }
    }

    /// Whether the account's queue must be touched (``DocumentQueueStore/touch(firmID:accountID:ownerPartition:due:on:)``)
    /// for a document: not when this transaction touched it already for the same partition,
    /// making it due then or not needing that now. The queue's row stays locked from the first
    /// touch to the commit, so a second touch would change nothing and report nothing new.
    func needsTouch(firmID: String, accountID: String, ownerPartition: String, due: Bool) -> Bool {
        touched.withLock { touched in
            let key = [firmID, accountID, ownerPartition]
            if let madeDue = touched[key], madeDue || !due { return false }
            touched[key] = due
            return true
        }
    }

    /// Something besides the ingest changed documents: none of what was read may be trusted.
    func forgetAll() {
        entries.withLock { $0.removeAll() }
    }
}

extension IngressEvent {
    /// The document an invoice or payment event changes (nil for account events).
    var documentKey: DocumentStore.Key? {
        if let (kind, toggle, _) = payload.documentToggle {
            return DocumentStore.Key(firmID: toggle.firmID, kind: kind, documentID: toggle.documentID)
        }
        switch payload {
        case .invoiceUpserted(let invoice): return DocumentStore.Key(firmID: firmID, kind: .invoice, documentID: invoice.invoiceID)
        case .invoiceVoided(let removal), .invoiceDeleted(let removal):
            return DocumentStore.Key(firmID: firmID, kind: .invoice, documentID: removal.invoiceID)
        case .paymentUpserted(let payment): return DocumentStore.Key(firmID: firmID, kind: .payment, documentID: payment.paymentID)
        case .paymentDeleted(let deletion): return DocumentStore.Key(firmID: firmID, kind: .payment, documentID: deletion.paymentID)
        case .paymentRefunded(let refund): return DocumentStore.Key(firmID: firmID, kind: .payment, documentID: refund.paymentID)
        case .accountUpserted, .accountSyncRequested, .accountUnsyncRequested, .invoiceSyncRequested, .paymentSyncRequested,
            .paymentUnsyncRequested:
            return nil
        }
    }
}

import Postgres
import SyncCore
import Synchronization

/// Documents a transaction locked and read up front in one statement (the consumer's batch):
/// the events after it find them here instead of reading each again. A document saved since it
/// was read is read again from the database (its saved form is what counts), as is any document
/// not read up front.
///
/// Bound to the transaction's work with ``DocumentStore/withLocked(_:on:_:)``; the store's
/// `lock` and `save` consult it.
final class LockedDocuments: Sendable {
    @TaskLocal static var current: LockedDocuments?

    struct Key: Hashable, Sendable {
        var firmID: String
        var kind: DocumentKind
        var documentID: String
    }

    /// Each key read up front: the document, or nil when none is stored.
    private let documents: Mutex<[Key: StoredDocument?]>

    init(_ documents: [Key: StoredDocument?]) {
        self.documents = Mutex(documents)
    }

    /// `.some(nil)`: read up front, and not stored; nil: not known here.
    func document(_ key: Key) -> StoredDocument?? {
        documents.withLock { $0[key] }
    }

    func forget(_ document: StoredDocument) {
        let key = Key(firmID: document.firmID, kind: document.kind, documentID: document.documentID)
        _ = documents.withLock { $0.removeValue(forKey: key) }
    }
}

extension DocumentStore {
    /// Locks the documents of `keys` in one statement (in key order, the same for every caller)
    /// and runs `body` with them at hand: ``lock(firmID:kind:documentID:on:)`` answers them
    /// without a statement until they are saved.
    static func withLocked<T>(_ keys: Set<LockedDocuments.Key>, on connection: PostgresConnection, _ body: () async throws -> T)
        async throws -> T
    {
        guard !keys.isEmpty else { return try await body() }
        let sorted = keys.sorted { ($0.firmID, $0.kind.rawValue, $0.documentID) < ($1.firmID, $1.kind.rawValue, $1.documentID) }
        let rows = try await connection.query(
            """
            select \(columns) from documents
            where (firm_id, kind, document_id) in (select * from unnest($1::text[], $2::text[], $3::text[]))
            order by firm_id, kind, document_id for update
            """,
            [.textArray(sorted.map(\.firmID)), .textArray(sorted.map(\.kind.rawValue)), .textArray(sorted.map(\.documentID))])
        var found: [LockedDocuments.Key: StoredDocument?] = Dictionary(uniqueKeysWithValues: sorted.map { ($0, nil) })
        for row in rows {
            let document = try decode(row)
            found[LockedDocuments.Key(firmID: document.firmID, kind: document.kind, documentID: document.documentID)] = document
        }
        return try await LockedDocuments.$current.withValue(LockedDocuments(found)) { try await body() }
    }
}

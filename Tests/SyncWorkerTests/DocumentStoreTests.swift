import Foundation
import Postgres
import SyncCore
import Testing

@testable import SyncWorker

/// The stored document as the pusher reads it back when it records a write.
@Suite("Documents read again")
struct DocumentStoreTests {
    @Test("a document locked again keeps its decoded event while the stored bytes are the same, and reads them anew once they changed")
    func lockAgain() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            let first = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme", invoice: "i1", revision: 1)
            let event = try IngressEvent.decode(value: first.value, key: Array(first.key.utf8))
            var document = StoredDocument(
                firmID: "f1", kind: .invoice, documentID: "i1", accountID: "a1", label: "INV-1", lastEventID: event.id)
            document.revision = 1
            document.setContent(first.value, payload: event.payload)
            try await env.database.withTransaction { try await DocumentStore.save(document, on: $0) }

            let again = try await env.database.withTransaction { try await DocumentStore.lock(document, on: $0) }
            #expect(again?.payload == event.payload)
            #expect(again?.content == first.value)

            // Another writer stores a newer revision: the document read before must not lend its event.
            let second = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme Ltd", invoice: "i1", revision: 2)
            let newer = try IngressEvent.decode(value: second.value, key: Array(second.key.utf8))
            try await env.database.withConnection { connection in
                try await connection.execute(
                    "update documents set content = $1, revision = 2 where firm_id = 'f1' and document_id = 'i1'", [.bytea(second.value)])
            }
            let reread = try await env.database.withTransaction { try await DocumentStore.lock(document, on: $0) }
            #expect(reread?.payload == newer.payload)
            #expect(reread?.payload != event.payload)
        }
    }
}

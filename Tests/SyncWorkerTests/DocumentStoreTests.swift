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

            let again = try await env.database.withTransaction {
                try await DocumentStore.load(firmID: "f1", kind: .invoice, documentID: "i1", forUpdate: true, known: document, on: $0)
            }
            #expect(again?.payload == event.payload)
            #expect(again?.content == first.value)

            // Another writer stores a newer revision: the document read before must not lend its event.
            let second = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme Ltd", invoice: "i1", revision: 2)
            let newer = try IngressEvent.decode(value: second.value, key: Array(second.key.utf8))
            try await env.database.withConnection { connection in
                try await connection.execute(
                    "update documents set content = $1, revision = 2 where firm_id = 'f1' and document_id = 'i1'", [.bytea(second.value)])
            }
            let reread = try await env.database.withTransaction {
                try await DocumentStore.load(firmID: "f1", kind: .invoice, documentID: "i1", forUpdate: true, known: document, on: $0)
            }
            #expect(reread?.payload == newer.payload)
            #expect(reread?.payload != event.payload)
        }
    }

    @Test("documents saved together go out as one statement: the last save of each wins, and the write order follows the saves")
    func savesTogether() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            func document(_ id: String, label: String, awaiting: [String] = []) -> StoredDocument {
                var document = StoredDocument(
                    firmID: "f1", kind: .invoice, documentID: id, accountID: "a1", label: label, lastEventID: "e-\(id)")
                document.awaiting = awaiting
                document.awaitingLabels = awaiting.map { "label \($0)" }
                return document
            }
            let statements = env.database.statistics.statements
            try await env.database.withTransaction { connection in
                try await DocumentStore.save(document("i1", label: "first"), on: connection)
                try await DocumentStore.save(
                    document("i2", label: "second", awaiting: ["x", "quo\"te", "back\\slash", "comma,brace}"]), on: connection)
                try await DocumentStore.save(document("i1", label: "first, saved again"), on: connection)
            }
            // BEGIN, one insert, COMMIT.
            #expect(env.database.statistics.statements - statements == 3)
            let rows = try await env.database.withConnection { connection in
                try await connection.query("select document_id, label, awaiting, awaiting_labels from documents order by change_seq")
            }
            #expect(try rows.map { try $0.decode(String.self, "document_id") } == ["i2", "i1"])
            #expect(try rows.map { try $0.decode(String.self, "label") } == ["second", "first, saved again"])
            #expect(try rows[0].decode([String].self, "awaiting") == ["x", "quo\"te", "back\\slash", "comma,brace}"])
            #expect(try rows[0].decode([String].self, "awaiting_labels").count == 4)
            #expect(try rows[1].decode([String].self, "awaiting") == [])
        }
    }

    @Test("documents locked up front are answered without a statement until they are saved; then they are read again")
    func lockedUpFront() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            var stored = StoredDocument(firmID: "f1", kind: .invoice, documentID: "i1", accountID: "a1", label: "INV-1", lastEventID: "e1")
            stored.revision = 1
            try await env.database.withTransaction { try await DocumentStore.save(stored, on: $0) }
            let keys: Set<LockedDocuments.Key> = [
                .init(firmID: "f1", kind: .invoice, documentID: "i1"), .init(firmID: "f1", kind: .invoice, documentID: "unknown"),
            ]
            try await env.database.withTransaction { connection in
                try await DocumentStore.withLocked(keys, on: connection) {
                    let statements = env.database.statistics.statements
                    let known = try await DocumentStore.lock(firmID: "f1", kind: .invoice, documentID: "i1", on: connection)
                    let unknown = try await DocumentStore.lock(firmID: "f1", kind: .invoice, documentID: "unknown", on: connection)
                    #expect(known?.revision == 1)
                    #expect(unknown == nil)
                    #expect(env.database.statistics.statements == statements)

                    var changed = try #require(known)
                    changed.revision = 2
                    try await DocumentStore.save(changed, on: connection)
                    let again = try await DocumentStore.lock(firmID: "f1", kind: .invoice, documentID: "i1", on: connection)
                    #expect(again?.revision == 2)
                    #expect(again?.changeSeq == known?.changeSeq)
                    #expect(env.database.statistics.statements > statements)
                }
            }
            // The rows stayed locked for the transaction: another transaction could not take them meanwhile.
            let locked = try await env.database.withTransaction { connection in
                try await DocumentStore.withLocked(keys, on: connection) {
                    try await env.database.withConnection { other in
                        try await other.query(
                            "select 1 as n from documents where firm_id = 'f1' and document_id = 'i1' for update skip locked")
                    }
                }
            }
            #expect(locked.isEmpty)
        }
    }

    @Test("queue touches of one transaction go out as one statement; touches of one queue fold, due when any of them was")
    func touchesTogether() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            let statements = env.database.statistics.statements
            try await env.database.withTransaction { connection in
                try await DocumentQueueStore.touch(firmID: "f1", accountID: "a2", ownerPartition: "t/0", due: false, on: connection)
                try await DocumentQueueStore.touch(firmID: "f1", accountID: "a1", ownerPartition: "t/0", due: true, on: connection)
                try await DocumentQueueStore.touch(firmID: "f1", accountID: "a1", ownerPartition: "t/1", due: false, on: connection)
            }
            #expect(env.database.statistics.statements - statements == 3)
            let rows = try await env.database.withConnection { connection in
                try await connection.query(
                    "select account_id, owner_partition, next_attempt_at is not null as due from document_queues order by account_id")
            }
            #expect(try rows.map { try $0.decode(String.self, "account_id") } == ["a1", "a2"])
            #expect(try rows.map { try $0.decode(String.self, "owner_partition") } == ["t/1", "t/0"])
            #expect(try rows.map { try $0.decode(Bool.self, "due") } == [true, false])
        }
    }

    @Test("the pusher reads an account's head document and its QuickBooks objects in one round trip")
    func headWithComponents() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            func document(_ id: String, pending: Bool) -> StoredDocument {
                var document = StoredDocument(
                    firmID: "f1", kind: .invoice, documentID: id, accountID: "a1", label: id, lastEventID: "e-\(id)")
                document.pending = pending
                return document
            }
            try await env.database.withTransaction { connection in
                try await DocumentStore.save(document("done", pending: false), on: connection)
                try await DocumentStore.save(document("first", pending: true), on: connection)
                try await DocumentStore.save(document("second", pending: true), on: connection)
            }
            let main = AppliedComponent(role: .main, type: .invoice, qboID: "77", syncToken: "0", appliedRevision: 1, state: .live)
            try await env.database.withTransaction { connection in
                try await DocumentStore.saveComponent(main, of: document("first", pending: true), on: connection)
            }
            let (head, trips) = try await env.database.withTransaction { connection in
                let trips = env.database.statistics.roundTrips
                let head = try await DocumentStore.pendingHeadWithComponents(firmID: "f1", accountID: "a1", on: connection)
                return (head, env.database.statistics.roundTrips - trips)
            }
            #expect(head?.0.documentID == "first")
            #expect(head?.1 == [main])
            #expect(trips == 1)

            // A head with no QuickBooks objects yet, then none at all.
            try await env.database.withTransaction { try await DocumentStore.save(document("first", pending: false), on: $0) }
            let next = try await env.database.withTransaction {
                try await DocumentStore.pendingHeadWithComponents(firmID: "f1", accountID: "a1", on: $0)
            }
            #expect(next?.0.documentID == "second")
            #expect(next?.1 == [])
            try await env.database.withTransaction { try await DocumentStore.save(document("second", pending: false), on: $0) }
            let none = try await env.database.withTransaction {
                try await DocumentStore.pendingHeadWithComponents(firmID: "f1", accountID: "a1", on: $0)
            }
            #expect(none == nil)
        }
    }

    @Test("the heads of several accounts and their QuickBooks objects are read in two statements and one round trip, each account's own")
    func headsOfSeveralAccounts() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            func document(_ id: String, account: String) -> StoredDocument {
                var document = StoredDocument(
                    firmID: "f1", kind: .invoice, documentID: id, accountID: account, label: id, lastEventID: "e-\(id)")
                document.pending = true
                return document
            }
            try await env.database.withTransaction { connection in
                for (id, account) in [("a1-first", "a1"), ("a2-first", "a2"), ("a1-second", "a1")] {
                    try await DocumentStore.save(document(id, account: account), on: connection)
                }
            }
            let main = AppliedComponent(role: .main, type: .invoice, qboID: "8", syncToken: "1", appliedRevision: 1, state: .live)
            try await env.database.withTransaction {
                try await DocumentStore.saveComponent(main, of: document("a2-first", account: "a2"), on: $0)
            }
            let (heads, trips, statements) = try await env.database.withTransaction { connection in
                let (trips, statements) = (env.database.statistics.roundTrips, env.database.statistics.statements)
                let heads = try await DocumentStore.pendingHeadsWithComponents(
                    of: [("f1", "a2"), ("f1", "a3"), ("f1", "a1")], on: connection)
                return (heads, env.database.statistics.roundTrips - trips, env.database.statistics.statements - statements)
            }
            #expect(trips == 1)
            #expect(statements == 3, "BEGIN, then two statements for the three accounts")
            #expect(heads.map { $0?.0.documentID } == ["a2-first", nil, "a1-first"])
            #expect(heads.map { $0?.1 } == [[main], nil, []])
        }
    }

    @Test("QuickBooks objects saved together go out as one statement; an object saved twice keeps its last save")
    func componentsTogether() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            let documents = ["i1", "i2"].map { id in
                StoredDocument(firmID: "f1", kind: .invoice, documentID: id, accountID: "a1", label: id, lastEventID: "e-\(id)")
            }
            try await env.database.withTransaction { connection in
                for document in documents { try await DocumentStore.save(document, on: connection) }
            }
            let attempt = AppliedComponent(role: .main, type: .invoice, attemptRevision: 3, attemptGeneration: 1)
            let created = AppliedComponent(
                role: .main, type: .invoice, qboID: "41", syncToken: "0", appliedRevision: 3, attemptRevision: 3, attemptGeneration: 1)
            let other = AppliedComponent(role: .main, type: .invoice, qboID: "42", syncToken: "2", appliedRevision: 1, state: .voided)
            let statements = env.database.statistics.statements
            try await env.database.withTransaction { connection in
                try await DocumentStore.saveComponent(attempt, of: documents[0], on: connection)
                try await DocumentStore.saveComponent(other, of: documents[1], on: connection)
                try await DocumentStore.saveComponent(created, of: documents[0], on: connection)
            }
            #expect(env.database.statistics.statements - statements == 3, "BEGIN, one insert, COMMIT")
            let saved = try await env.database.withTransaction { connection in
                var saved: [[AppliedComponent]] = []
                for document in documents { saved.append(try await DocumentStore.components(of: document, on: connection)) }
                return saved
            }
            #expect(saved == [[created], [other]])
        }
    }

    @Test(
        "lease changes go out as one statement; a lease extended then given up ends given up with its attempts afresh; a change by a worker that does not hold the lease matches nothing"
    )
    func leaseChangesTogether() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            try await env.database.withConnection { connection in
                _ = try await connection.execute(
                    """
                    insert into document_queues (firm_id, account_id, owner_partition, next_attempt_at, attempts, lease_owner, lease_expires_at)
                    values ('f1', 'a1', 't/0', now(), 3, 'w1', now()), ('f1', 'a2', 't/0', now(), 2, 'w1', now()),
                           ('f1', 'a3', 't/0', now(), 1, 'w2', now()), ('f1', 'a4', 't/0', now(), 4, 'w1', now())
                    """)
            }
            let until = Date(timeIntervalSince1970: 2_000_000_000)
            let later = Date(timeIntervalSince1970: 2_100_000_000)
            let statements = env.database.statistics.statements
            try await env.database.withTransaction { connection in
                try await DocumentQueueStore.extendLease(firmID: "f1", accountID: "a1", worker: "w1", until: until, on: connection)
                try await DocumentQueueStore.release(firmID: "f1", accountID: "a1", worker: "w1", nextAttempt: nil, on: connection)
                try await DocumentQueueStore.extendLease(firmID: "f1", accountID: "a2", worker: "w1", until: until, on: connection)
                try await DocumentQueueStore.release(firmID: "f1", accountID: "a3", worker: "w1", nextAttempt: later, on: connection)
                try await DocumentQueueStore.release(
                    firmID: "f1", accountID: "a4", worker: "w1", nextAttempt: later, attempts: 5, on: connection)
                try await DocumentQueueStore.extendLease(firmID: "f1", accountID: "a4", worker: "w1", until: until, on: connection)
            }
            #expect(env.database.statistics.statements - statements == 3, "BEGIN, one update, COMMIT")
            let rows = try await env.database.withConnection { connection in
                try await connection.query(
                    "select account_id, attempts, lease_owner, lease_expires_at, next_attempt_at from document_queues order by account_id")
            }
            struct Queue: Equatable {
                var attempts: Int
                var owner: String?
                var expires: Date?
                var next: Date?
            }
            let queues = try rows.map { row in
                Queue(
                    attempts: try row.decode(Int.self, "attempts"), owner: try row.decode(String?.self, "lease_owner"),
                    expires: try row.decode(Date?.self, "lease_expires_at"), next: try row.decode(Date?.self, "next_attempt_at"))
            }
            // a1: extended, then given up: its attempts start afresh, and it waits to be woken.
            #expect(queues[0] == Queue(attempts: 0, owner: nil, expires: nil, next: nil))
            // a2: extended.
            #expect(queues[1].attempts == 0 && queues[1].owner == "w1" && queues[1].expires == until)
            // a3: w2's lease, untouched.
            #expect(queues[2].attempts == 1 && queues[2].owner == "w2" && queues[2].next != later)
            // a4: given up with five attempts, then an extension that no longer matches.
            #expect(queues[3] == Queue(attempts: 5, owner: nil, expires: nil, next: later))
        }
    }
}

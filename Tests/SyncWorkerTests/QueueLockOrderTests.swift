import Foundation
import Postgres
import SyncCore
import Testing

@testable import SyncWorker

/// Every transaction that wakes an account's document queue locks the queue before the account's
/// documents, as the consumer and the pusher do: two of them never wait on each other in a cycle.
@Suite("Queues locked before documents", .timeLimit(.minutes(2)))
struct QueueLockOrderTests {
    private actor Flag {
        private(set) var isSet = false
        func set() { isSet = true }
    }

    /// Runs `operation` in a transaction while another transaction holds `account`'s queue, and
    /// checks that, while it waits for the queue (or once it is done), a third transaction can
    /// take each of `documents` at once: the operation holds none of them before the queue.
    private static func waitsForQueueFirst(
        _ env: TestEnvironment, queue account: String, documents: [String],
        _ operation: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws {
        let (release, releaser) = AsyncStream<Void>.makeStream()
        defer { releaser.finish() }
        let done = Flag()
        let running = try await env.database.withTransaction { holder in
            _ = try await holder.query(
                "select 1 from document_queues where firm_id = 'f1' and account_id = $1 for update", [.text(account)])
            let running = Task {
                try await env.database.withTransaction { connection in
                    try await operation(connection)
                    await done.set()
                    for await _ in release { break }  // its locks are kept until the checks are made
                }
            }
            try await env.eventually("the operation waits for the queue, or is done") {
                if await done.isSet { return true }
                return try await env.backendsWaitingForLocks() == 1
            }
            for id in documents {
                // Had the operation locked it before the queue, this lock would fail at once (55P03).
                try await env.database.withTransaction { other in
                    let rows = try await other.query(
                        "select 1 from documents where firm_id = 'f1' and document_id = $1 for update nowait", [.text(id)])
                    #expect(rows.count == 1, "\(id) is free")
                }
            }
            return running
        }
        releaser.finish()
        try await running.value
    }

    private static func save(_ id: String, kind: DocumentKind, account: String, awaiting: [String] = [], on env: TestEnvironment)
        async throws -> StoredDocument
    {
        var document = StoredDocument(firmID: "f1", kind: kind, documentID: id, accountID: account, label: id, lastEventID: "e-\(id)")
        document.revision = 1
        document.pending = awaiting.isEmpty
        document.awaiting = awaiting
        document.awaitingLabels = awaiting
        document.status = DocumentStatus(status: .syncing)  // held back or on its way: what a settings change reviews
        let saved = document
        try await env.database.withTransaction { connection in
            try await DocumentStore.save(saved, on: connection)
            try await DocumentQueueStore.touch(firmID: "f1", accountID: account, ownerPartition: "t/0", due: false, on: connection)
        }
        return document
    }

    @Test("a write that created an invoice locks the queues of the payments waiting for it before the payments")
    func paymentsWaitingForAnInvoice() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            let invoice = try await Self.save("i1", kind: .invoice, account: "a1", on: env)
            _ = try await Self.save("p1", kind: .payment, account: "a2", awaiting: ["i1"], on: env)
            try await env.database.withConnection { connection in
                _ = try await connection.execute(
                    """
                    update document_queues set lease_owner = 'w1', lease_expires_at = now() + interval '1 minute'
                    where firm_id = 'f1' and account_id = 'a1'
                    """)
            }
            try await Self.waitsForQueueFirst(env, queue: "a2", documents: ["p1"]) { connection in
                let reads = try await DocumentPusher.QueueReads.read(
                    .init(firmID: "f1", accountID: "a1", written: invoice, createdInvoice: true), worker: "w1", on: connection)
                #expect(reads.lease != nil, "the round's own queue is its lease")
                #expect(reads.awaitingPayments.map(\.documentID) == ["p1"])
            }
        }
    }

    @Test("an account's change locks its queue before its documents")
    func accountChanged() async throws {
        try await TestEnvironment.with { env in
            try await env.connectFirm("f1")
            _ = try await Self.save("i1", kind: .invoice, account: "a1", on: env)
            let firm = try await env.database.withConnection { try await FirmStore.load(firmID: "f1", on: $0) }
            try await Self.waitsForQueueFirst(env, queue: "a1", documents: ["i1"]) { connection in
                try await DocumentReview(statusTopic: "status", invoiceWait: .seconds(60)).accountChanged(
                    firmID: "f1", accountID: "a1", account: AccountSyncState(name: "Client", status: .synced, qboCustomerID: "1"),
                    firm: firm, causedBy: "test", on: connection)
            }
        }
    }

    @Test("a firm's settings change locks the firm's queues before its documents")
    func firmSettingsChanged() async throws {
        try await TestEnvironment.with { env in
            try await env.connectFirm("f1")
            _ = try await Self.save("i1", kind: .invoice, account: "a1", on: env)
            _ = try await Self.save("i2", kind: .invoice, account: "a2", on: env)
            let firm = try #require(try await env.database.withConnection { try await FirmStore.load(firmID: "f1", on: $0) })
            try await Self.waitsForQueueFirst(env, queue: "a2", documents: ["i1", "i2"]) { connection in
                try await DocumentReview(statusTopic: "status", invoiceWait: .seconds(60)).firmSettingsChanged(
                    firm, causedBy: "test", on: connection)
            }
        }
    }
}

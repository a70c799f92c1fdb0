import Foundation
import Postgres
import SyncCore

/// SQL for account rows, the processed-event ledger and the toggle audit.
/// Every function runs on the caller's connection, inside the caller's transaction.
enum AccountStore {
    static let columns = """
        firm_id, account_id, name, status, qbo_customer_id, detail, error_code, sequence, has_activity,
        pending_link_mode, pending_link_customer_id, pending_link_event_id, attempts, next_attempt_at,
        lease_owner, lease_expires_at
        """

    /// Locks the account for this transaction and returns its row, or nil when it is unknown.
    ///
    /// `for update` alone locks nothing while the row does not exist, so two first events of a
    /// new account (arriving on different topics, at different workers) would both insert and
    /// the later would overwrite the earlier. A transaction-scoped advisory lock on the
    /// account's key serialises them whether or not the row exists yet.
    static func lock(firmID: String, accountID: String, on connection: PostgresConnection) async throws -> StoredAccount? {
        _ = try await connection.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [.text("\(firmID)\u{1F}\(accountID)")])
        let rows = try await connection.query(
            "select \(columns) from accounts where firm_id = $1 and account_id = $2 for update",
            [.text(firmID), .text(accountID)])
        return try rows.first.map(decode)
    }

    struct Key: Hashable, Sendable {
        var firmID: String
        var accountID: String
        /// What the account's transaction-scoped advisory lock is taken on.
        var lockName: String { "\(firmID)\u{1F}\(accountID)" }
    }

    /// ``lock(firmID:accountID:on:)`` for many accounts in two statements: the advisory locks in
    /// the order given (callers give one order, so two batches never wait on each other in a
    /// cycle), then the rows that exist.
    static func lock(_ keys: [Key], on connection: PostgresConnection) async throws -> [Key: StoredAccount] {
        guard !keys.isEmpty else { return [:] }
        _ = try await connection.query(
            """
            select pg_advisory_xact_lock(hashtextextended(name, 0)) from unnest($1::text[]) with ordinality as k(name, position) order by position
            """, [.textArray(keys.map(\.lockName))])
        let rows = try await connection.query(
            """
            select \(columns) from accounts
            where (firm_id, account_id) in (select * from unnest($1::text[], $2::text[])) for update
            """, [.textArray(keys.map(\.firmID)), .textArray(keys.map(\.accountID))])
        var accounts: [Key: StoredAccount] = [:]
        for row in rows {
            let account = try decode(row)
            accounts[Key(firmID: account.firmID, accountID: account.accountID)] = account
        }
        return accounts
    }

    /// The advisory locks of `keys`, each taken only if no other transaction holds it: whether it was, in the order given.
    static func tryLock(_ keys: [Key], on connection: PostgresConnection) async throws -> [Bool] {
        guard !keys.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            select pg_try_advisory_xact_lock(hashtextextended(name, 0)) as locked
            from unnest($1::text[]) with ordinality as k(name, position) order by position
            """, [.textArray(keys.map(\.lockName))])
        return try rows.map { try $0.decode(Bool.self, "locked") }
    }

    /// ``columns``, each qualified by `prefix` (a table alias and its dot), for a statement that joins other tables.
    static func columns(prefix: String) -> String {
        columns.split(separator: ",").map { prefix + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
    }

    /// The account as committed, without locking it (a reader that must not wait for its lane).
    static func read(firmID: String, accountID: String, on connection: PostgresConnection) async throws -> StoredAccount? {
        let (sql, parameters) = read(firmID: firmID, accountID: accountID)
        return try await connection.query(sql, parameters).first.map(decode)
    }

    /// The statement of ``read(firmID:accountID:on:)``, to send along with others; its row decodes with ``decode(_:)``.
    static func read(firmID: String, accountID: String) -> (String, [PostgresValue]) {
        ("select \(columns) from accounts where firm_id = $1 and account_id = $2", [.text(firmID), .text(accountID)])
    }

    static func load(firmID: String, on connection: PostgresConnection) async throws -> [StoredAccount] {
        try await connection.query("select \(columns) from accounts where firm_id = $1 order by name, account_id", [.text(firmID)]).map(
            decode)
    }

    static func save(_ account: StoredAccount, on connection: PostgresConnection) async throws {
        let s = account.state
        try await connection.executeDeferred(
            """
            insert into accounts (\(columns), updated_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
            on conflict (firm_id, account_id) do update set
                name = excluded.name, status = excluded.status, qbo_customer_id = excluded.qbo_customer_id,
                detail = excluded.detail, error_code = excluded.error_code, sequence = excluded.sequence,
                has_activity = excluded.has_activity, pending_link_mode = excluded.pending_link_mode,
                pending_link_customer_id = excluded.pending_link_customer_id,
                pending_link_event_id = excluded.pending_link_event_id, attempts = excluded.attempts,
                next_attempt_at = excluded.next_attempt_at, lease_owner = excluded.lease_owner,
                lease_expires_at = excluded.lease_expires_at, updated_at = now()
            """,
            [
                .text(account.firmID), .text(account.accountID), .text(s.name), .text(s.status.rawValue),
                optional(s.qboCustomerID), optional(s.detail), optional(s.errorCode), .int64(s.sequence), .bool(s.hasActivity),
                optional(s.pendingLink?.name), optional(s.pendingLink?.customerID), optional(account.pendingEventID),
                .int(account.attempts), account.nextAttemptAt.map { .timestamptz($0) } ?? .null,
                optional(account.leaseOwner), account.leaseExpiresAt.map { .timestamptz($0) } ?? .null,
            ])
    }

    /// Whether the event was applied before (the ledger makes redelivery a no-op).
    static func isProcessed(eventID: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.query("select 1 from processed_events where event_id = $1", [.text(eventID)]).isEmpty
    }

    /// Moves the lease of an account this worker holds (and the moment the sweeper would take
    /// its link over) to `until`; false when the worker no longer holds it.
    @discardableResult
    static func renewLease(firmID: String, accountID: String, worker: String, until: Date, on connection: PostgresConnection) async throws
        -> Bool
    {
        try await connection.execute(
            """
            update accounts set lease_expires_at = $4, next_attempt_at = $4
            where firm_id = $1 and account_id = $2 and lease_owner = $3 and status = 'syncing'
            """, [.text(firmID), .text(accountID), .text(worker), .timestamptz(until)]) == 1
    }

    /// Which of `eventIDs` were applied before, in one statement.
    /// Makes the links that wait for their firm's connection due (and those backing off, afresh),
    /// for each of these firms that is connected; returns how many. The sweeper resumes them.
    ///
    /// Run after a commit: a firm's reconnect cannot see a link its consumer is parking in a
    /// transaction not yet committed, so both the reconnect and that consumer run it once their
    /// own transaction has committed (whichever comes second finds the other's work).
    @discardableResult
    static func resumeLinks(ofConnectedFirms firmIDs: [String], on connection: PostgresConnection) async throws -> Int {
        guard !firmIDs.isEmpty else { return 0 }
        return try await connection.execute(
            """
            update accounts a set next_attempt_at = now(), attempts = 0
            from firms f
            where f.firm_id = any($1) and f.connection_status = 'synced' and a.firm_id = f.firm_id and a.status = 'syncing'
              and (a.next_attempt_at is null or a.next_attempt_at > now()) and a.lease_owner is null
            """, [.textArray(firmIDs.sorted())])
    }

    static func processed(eventIDs: [String], on connection: PostgresConnection) async throws -> Set<String> {
        guard !eventIDs.isEmpty else { return [] }
        let rows = try await connection.query(
            "select event_id from processed_events where event_id = any($1::text[])", [.textArray(eventIDs)])
        return Set(try rows.map { try $0.decode(String.self, 0) })
    }

    static func markProcessed(_ event: IngressEvent, origin: MessageOrigin, workerID: String, on connection: PostgresConnection)
        async throws
    {
        try await connection.executeDeferred(
            """
            insert into processed_events (event_id, firm_id, event_type, topic, kafka_partition, kafka_offset, worker_id)
            values ($1, $2, $3, $4, $5, $6, $7) on conflict (event_id) do nothing
            """,
            [
                .text(event.id), .text(event.firmID), .text(event.type), .text(origin.topic), .int(Int(origin.partition)),
                .int64(origin.offset), .text(workerID),
            ])
    }

    /// ``markProcessed(_:origin:workerID:on:)`` for many events in one statement.
    static func markProcessed(_ events: [(IngressEvent, MessageOrigin)], workerID: String, on connection: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        try await connection.executeDeferred(
            """
            insert into processed_events (event_id, firm_id, event_type, topic, kafka_partition, kafka_offset, worker_id)
            select id, firm, type, topic, kafka_partition, kafka_offset, $7
            from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
                as e(id, firm, type, topic, kafka_partition, kafka_offset)
            on conflict (event_id) do nothing
            """,
            [
                .textArray(events.map(\.0.id)), .textArray(events.map(\.0.firmID)), .textArray(events.map(\.0.type)),
                .textArray(events.map(\.1.topic)), .int64Array(events.map { Int64($0.1.partition) }), .int64Array(events.map(\.1.offset)),
                .text(workerID),
            ])
    }

    /// Records an event as applied by a retry that finished its pending link.
    static func markProcessed(eventID: String, firmID: String, workerID: String, on connection: PostgresConnection) async throws {
        try await connection.executeDeferred(
            """
            insert into processed_events (event_id, firm_id, event_type, worker_id) values ($1, $2, 'account.link', $3)
            on conflict (event_id) do nothing
            """, [.text(eventID), .text(firmID), .text(workerID)])
    }

    /// Keeps a refused sync or unsync request of an account, invoice or payment.
    static func audit(
        _ rejected: RejectedToggle, event: IngressEvent, entity: EntityKind, entityID: String, on connection: PostgresConnection
    ) async throws {
        try await connection.executeDeferred(
            """
            insert into rejected_toggles (event_id, firm_id, account_id, entity, entity_id, action, actor_user_id, actor_role, reason)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """,
            [
                .text(event.id), .text(event.firmID), .text(event.accountID), .text(entity.rawValue), .text(entityID),
                .text(rejected.action.rawValue), .text(rejected.actor.userID), .text(rejected.actor.role), .text(rejected.reason),
            ])
    }

    private static func optional(_ text: String?) -> PostgresValue { text.map { .text($0) } ?? .null }

    static func decode(_ row: PostgresRow) throws -> StoredAccount {
        let statusText = try row.decode(String.self, "status")
        guard let status = SyncStatus(rawValue: statusText) else {
            throw StoredDataError("unknown account status '\(statusText)' in the database")
        }
        let modeName = try row.decode(String?.self, "pending_link_mode")
        let linkCustomerID = try row.decode(String?.self, "pending_link_customer_id")
        let state = AccountSyncState(
            name: try row.decode(String.self, "name"), status: status,
            qboCustomerID: try row.decode(String?.self, "qbo_customer_id"),
            detail: try row.decode(String?.self, "detail"), errorCode: try row.decode(String?.self, "error_code"),
            sequence: try row.decode(Int64.self, "sequence"), hasActivity: try row.decode(Bool.self, "has_activity"),
            pendingLink: modeName.flatMap { LinkMode(name: $0, customerID: linkCustomerID) })
        var account = StoredAccount(
            firmID: try row.decode(String.self, "firm_id"), accountID: try row.decode(String.self, "account_id"), state: state)
        account.pendingEventID = try row.decode(String?.self, "pending_link_event_id")
        account.attempts = try row.decode(Int.self, "attempts")
        account.nextAttemptAt = try row.decode(Date?.self, "next_attempt_at")
        account.leaseOwner = try row.decode(String?.self, "lease_owner")
        account.leaseExpiresAt = try row.decode(Date?.self, "lease_expires_at")
        return account
    }
}

/// Where a message came from, kept in the ledger and the dead-letter headers.
struct MessageOrigin: Sendable, Hashable {
    var topic: String
    var partition: Int32
    var offset: Int64
}

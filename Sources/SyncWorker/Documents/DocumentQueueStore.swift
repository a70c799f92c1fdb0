import Foundation
import Postgres

/// SQL for the per-account document queues: when an account's documents are next written to
/// QuickBooks and which worker writes them. Every function runs on the caller's connection.
///
/// `next_attempt_at` is set while the queue may have work (now, or later after transient
/// QuickBooks errors: the whole account waits, so its documents keep their order) and null
/// while it has none or waits for something else (its account, the firm's connection).
enum DocumentQueueStore {
    /// Locks the existing queues of `accounts` (in key order) before a transaction locks any of
    /// their documents: the pusher locks a queue and then its documents, so a writer that took a
    /// document first and the queue at its touch would wait on the pusher in a cycle. A queue not
    /// yet created locks nothing; no pusher can hold it either.
    static func lock(_ accounts: [AccountStore.Key], on connection: PostgresConnection) async throws {
        guard !accounts.isEmpty else { return }
        let sorted = Set(accounts).sorted { ($0.firmID, $0.accountID) < ($1.firmID, $1.accountID) }
        _ = try await connection.query(
            """
            select 1 from document_queues
            where (firm_id, account_id) in (select * from unnest($1::text[], $2::text[]))
            order by firm_id, account_id for update
            """, [.textArray(sorted.map(\.firmID)), .textArray(sorted.map(\.accountID))])
    }

    /// Records that the account's documents arrive on `ownerPartition`, and makes the queue due
    /// unless it is already due or waiting out a backoff. It goes out with the transaction's next
    /// statement, in one statement with the touches just before it (``Touch``): nothing waits for it.
    static func touch(firmID: String, accountID: String, ownerPartition: String, due: Bool, on connection: PostgresConnection) async throws
    {
        try await connection.executeDeferred(row: Touch(firmID: firmID, accountID: accountID, ownerPartition: ownerPartition, due: due))
    }

    /// One queue's touch, written together with the touches beside it.
    struct Touch: PostgresBatchableWrite {
        var firmID: String
        var accountID: String
        var ownerPartition: String
        var due: Bool

        /// Touches of one queue fold into one (the last partition; due when any was), as if made
        /// one after another; the queues are written in key order, the same in every transaction.
        static func statement(for rows: [Touch]) -> (String, [PostgresValue]) {
            var folded: [[String]: Touch] = [:]
            for row in rows {
                let key = [row.firmID, row.accountID]
                let due = row.due || (folded[key]?.due ?? false)
                folded[key] = Touch(firmID: row.firmID, accountID: row.accountID, ownerPartition: row.ownerPartition, due: due)
            }
            let queues = folded.values.sorted { ($0.firmID, $0.accountID) < ($1.firmID, $1.accountID) }
            return (
                """
                insert into document_queues (firm_id, account_id, owner_partition, next_attempt_at)
                select firm_id, account_id, owner_partition, case when due then now() end
                from unnest($1::text[], $2::text[], $3::text[], $4::boolean[])
                    with ordinality as t(firm_id, account_id, owner_partition, due, position)
                order by position
                on conflict (firm_id, account_id) do update set
                    owner_partition = excluded.owner_partition,
                    next_attempt_at = case when excluded.next_attempt_at is not null
                                           then coalesce(document_queues.next_attempt_at, now()) else document_queues.next_attempt_at end
                """,
                [
                    .array(queues.map { .text($0.firmID) }, of: .text), .array(queues.map { .text($0.accountID) }, of: .text),
                    .array(queues.map { .text($0.ownerPartition) }, of: .text), .array(queues.map { .bool($0.due) }, of: .bool),
                ]
            )
        }
    }

    /// Makes an existing queue due (its account was synced, a payment's invoice arrived) unless
    /// it is already due or waiting out a backoff.
    static func wake(firmID: String, accountID: String, on connection: PostgresConnection) async throws {
        try await connection.executeDeferred(
            """
            update document_queues set next_attempt_at = coalesce(next_attempt_at, now()) where firm_id = $1 and account_id = $2
            """, [.text(firmID), .text(accountID)])
    }

    /// Locks every queue of the firm, in key order: before the firm's documents, by whatever
    /// reviews them all (a settings change).
    static func lockFirm(_ firmID: String, on connection: PostgresConnection) async throws {
        _ = try await connection.query(
            "select 1 from document_queues where firm_id = $1 order by account_id for update", [.text(firmID)])
    }

    /// Makes every queue of the firm due (it reconnected QuickBooks), locking them in key order;
    /// returns how many.
    @discardableResult
    static func wakeFirm(_ firmID: String, on connection: PostgresConnection) async throws -> Int {
        try await connection.execute(
            """
            update document_queues q set next_attempt_at = now(), attempts = 0
            from (select account_id from document_queues
                  where firm_id = $1 and (next_attempt_at is null or next_attempt_at > now())
                  order by account_id for update) due
            where q.firm_id = $1 and q.account_id = due.account_id
            """, [.text(firmID)])
    }

    /// Leases up to `limit` due queues whose partition this worker consumes.
    static func claim(ownerPartitions: [String], worker: String, leaseUntil: Date, limit: Int, on connection: PostgresConnection)
        async throws -> [(firmID: String, accountID: String)]
    {
        guard !ownerPartitions.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            update document_queues q set lease_owner = $2, lease_expires_at = $3
            from (
                select firm_id, account_id from document_queues
                where next_attempt_at <= now() and owner_partition = any($1) and (lease_expires_at is null or lease_expires_at < now())
                order by next_attempt_at limit $4 for update skip locked
            ) due
            where q.firm_id = due.firm_id and q.account_id = due.account_id
            returning q.firm_id, q.account_id
            """, [.textArray(ownerPartitions), .text(worker), .timestamptz(leaseUntil), .int(limit)])
        return try rows.map { (try $0.decode(String.self, "firm_id"), try $0.decode(String.self, "account_id")) }
    }

    struct Lease: Sendable {
        var attempts: Int
        var ownerPartition: String
    }

    /// Moves the lease on and starts the count of attempts afresh, while `worker` holds it (a
    /// write is planned). It goes out with the transaction's next statement (``LeaseChange``).
    static func extendLease(firmID: String, accountID: String, worker: String, until: Date, on connection: PostgresConnection) async throws
    {
        try await connection.executeDeferred(
            row: LeaseChange(firmID: firmID, accountID: accountID, worker: worker, change: .extend(until: until)))
    }

    /// Extends the leases `worker` holds on these accounts' queues, in one statement that locks
    /// them in key order (as every transaction does); a lease another worker holds now is left
    /// alone. Returns how many were extended.
    @discardableResult
    static func renewLeases(_ accounts: [AccountStore.Key], worker: String, until: Date, on connection: PostgresConnection) async throws
        -> Int
    {
        guard !accounts.isEmpty else { return 0 }
        return try await connection.execute(
            """
            update document_queues q set lease_expires_at = $4
            from (select firm_id, account_id from document_queues
                  where (firm_id, account_id) in (select * from unnest($1::text[], $2::text[])) and lease_owner = $3
                  order by firm_id, account_id for update) held
            where q.firm_id = held.firm_id and q.account_id = held.account_id
            """,
            [.textArray(accounts.map(\.firmID)), .textArray(accounts.map(\.accountID)), .text(worker), .timestamptz(until)])
    }

    /// Gives the queue up: due again at `nextAttempt` (nil: until something wakes it). It goes out
    /// with the transaction's next statement (``LeaseChange``).
    static func release(
        firmID: String, accountID: String, worker: String, nextAttempt: Date?, attempts: Int? = nil, on connection: PostgresConnection
    ) async throws {
        try await connection.executeDeferred(
            row: LeaseChange(
                firmID: firmID, accountID: accountID, worker: worker, change: .release(nextAttempt: nextAttempt, attempts: attempts)))
    }

    /// A lease extended or given up by the worker that holds it, written together with the lease
    /// changes deferred beside it (the records of many accounts' writes share a transaction).
    struct LeaseChange: PostgresBatchableWrite {
        enum Change: Sendable, Equatable {
            /// The lease runs until `until`; the count of attempts starts afresh.
            case extend(until: Date)
            /// The lease ends; the queue is due at `nextAttempt` (nil: when woken), with `attempts`
            /// (nil: as counted).
            case release(nextAttempt: Date?, attempts: Int?)
        }

        var firmID: String
        var accountID: String
        var worker: String
        var change: Change

        /// Changes of one queue fold into one, as if made one after another: a change by a worker
        /// that gave the lease up (or never held it) matches nothing.
        static func statement(for rows: [LeaseChange]) -> (String, [PostgresValue]) {
            var folded: [[String]: LeaseChange] = [:]
            var order: [[String]] = []
            for row in rows {
                let key = [row.firmID, row.accountID]
                guard let earlier = folded[key] else {
                    folded[key] = row
                    order.append(key)
                    continue
                }
                switch (earlier.change, row.change) {
                case (.release, _):
                    continue  // the lease is given up: what follows matches nothing
                case (.extend, _) where earlier.worker != row.worker:
                    continue  // the lease is the earlier worker's (one transaction is one worker's)
                case (.extend, .extend):
                    folded[key] = row
                case (.extend, .release(let next, let attempts)):
                    folded[key] = LeaseChange(
                        firmID: row.firmID, accountID: row.accountID, worker: row.worker,
                        change: .release(nextAttempt: next, attempts: attempts ?? 0))
                }
            }
            let changes = order.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.compactMap { folded[$0] }
            func value(_ change: LeaseChange) -> (release: Bool, until: Date?, next: Date?, attempts: Int?) {
                switch change.change {
                case .extend(let until): (false, until, nil, 0)
                case .release(let next, let attempts): (true, nil, next, attempts)
                }
            }
            let values = changes.map(value)
            return (
                """
                update document_queues q set
                    lease_owner = case when c.release then null else q.lease_owner end,
                    lease_expires_at = c.until,
                    next_attempt_at = case when c.release then c.next_attempt else q.next_attempt_at end,
                    attempts = coalesce(c.attempts, q.attempts)
                from unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[], $6::timestamptz[], $7::bigint[])
                    as c(firm_id, account_id, worker, release, until, next_attempt, attempts)
                where q.firm_id = c.firm_id and q.account_id = c.account_id and q.lease_owner = c.worker
                """,
                [
                    .array(changes.map { .text($0.firmID) }, of: .text), .array(changes.map { .text($0.accountID) }, of: .text),
                    .array(changes.map { .text($0.worker) }, of: .text), .array(values.map { .bool($0.release) }, of: .bool),
                    .array(values.map { $0.until.map { .timestamptz($0) } ?? .null }, of: .timestamptz),
                    .array(values.map { $0.next.map { .timestamptz($0) } ?? .null }, of: .timestamptz),
                    .array(values.map { $0.attempts.map { .int($0) } ?? .null }, of: .int8),
                ]
            )
        }
    }
}

extension DocumentQueueStore.Lease {
    init(_ row: PostgresRow) throws {
        self.init(attempts: try row.decode(Int.self, "attempts"), ownerPartition: try row.decode(String.self, "owner_partition"))
    }
}

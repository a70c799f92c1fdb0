import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Finishes links that are waiting: parked after transient QuickBooks errors, released by a
/// firm's reconnect, or left behind by a worker that died mid-call (its lease ran out).
///
/// Any worker may sweep any firm: the claim takes the row lock with `skip locked` and sets a
/// lease, so an account is worked on by one worker at a time and the consumer lane of that
/// account waits for the lease.
struct RetrySweeper: Service {
    let database: PostgresClient
    let processor: EventProcessor
    let workerID: String
    let interval: Duration
    let leaseDuration: Duration
    let batchSize: Int
    let metrics: WorkerMetrics
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let claimed = try await claim()
                if !claimed.isEmpty {
                    logger.info("resuming waiting links", metadata: ["count": "\(claimed.count)"])
                    await withTaskGroup(of: Void.self) { group in
                        for account in claimed {
                            group.addTask {
                                do { try await processor.resume(account) } catch {
                                    logger.warning(
                                        "resuming a link failed; it stays waiting",
                                        metadata: [
                                            "firm_id": "\(account.firmID)", "account_id": "\(account.accountID)", "error": "\(error)",
                                        ])
                                }
                            }
                        }
                    }
                    if claimed.count == batchSize { continue }
                }
            } catch {
                logger.warning("retry sweep failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    func claim() async throws -> [StoredAccount] {
        try await Self.claim(limit: batchSize, worker: workerID, lease: leaseDuration, in: database)
    }

    /// Up to `limit` links that are due, leased to `worker` for `lease`.
    static func claim(limit batchSize: Int, worker workerID: String, lease leaseDuration: Duration, in database: PostgresClient)
        async throws -> [StoredAccount]
    {
        try await database.withTransaction { connection in
            let rows = try await connection.query(
                """
                select \(AccountStore.columns(prefix: "a.")) from accounts a join firms f using (firm_id)
                where a.status = 'syncing' and a.next_attempt_at <= now() and f.connection_status = 'synced'
                order by a.next_attempt_at limit $1 for update of a skip locked
                """, [.int(batchSize)])
            let due = try rows.map(AccountStore.decode)
            // The row first, its account's advisory lock second: the reverse of the consumer's
            // order, so an account whose advisory lock is held (an event being applied) is
            // skipped, as its locked row would be, instead of waited for in a cycle.
            let free = try await AccountStore.tryLock(
                due.map { AccountStore.Key(firmID: $0.firmID, accountID: $0.accountID) }, on: connection)
            var claimed: [StoredAccount] = []
            let leaseEnd = Date().addingTimeInterval(leaseDuration.timeInterval)
            for (var account, locked) in zip(due, free) where locked {
                account.leaseOwner = workerID
                account.leaseExpiresAt = leaseEnd
                account.nextAttemptAt = leaseEnd
                try await AccountStore.save(account, on: connection)
                claimed.append(account)
            }
            return claimed
        }
    }
}

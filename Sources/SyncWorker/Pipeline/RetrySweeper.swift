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
        try await database.withTransaction { connection in
            let rows = try await connection.query(
                """
                select a.firm_id, a.account_id from accounts a join firms f using (firm_id)
                where a.status = 'syncing' and a.next_attempt_at <= now() and f.connection_status = 'synced'
                order by a.next_attempt_at limit $1 for update of a skip locked
                """, [.int(batchSize)])
            var claimed: [StoredAccount] = []
            let leaseEnd = Date().addingTimeInterval(leaseDuration.timeInterval)
            for row in rows {
                guard
                    var account = try await AccountStore.lock(
                        firmID: try row.decode(String.self, "firm_id"),
                        accountID: try row.decode(String.self, "account_id"), on: connection)
                else { continue }
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

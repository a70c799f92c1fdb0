import Foundation
import Postgres
import Testing

@testable import SyncWorker

/// The sweeper claims waiting links with their rows locked first; an account whose events are
/// being applied (its advisory lock held, as the consumer takes it before the row) is passed over.
@Suite("Retry sweeper claims", .timeLimit(.minutes(1)))
struct RetrySweeperTests {
    @Test("a due link whose account an event is being applied to is skipped, not waited for; it is claimed once free")
    func skipsAnAccountInUse() async throws {
        try await TestEnvironment.with { env in
            _ = try await env.connectFirm("f1")
            try await env.database.withConnection { connection in
                for account in ["a1", "a2"] {
                    _ = try await connection.execute(
                        """
                        insert into accounts (firm_id, account_id, name, status, pending_link_mode, next_attempt_at)
                        values ('f1', $1, $1, 'syncing', 'auto', now() - interval '1 second')
                        """, [.text(account)])
                }
            }
            let inUse = AccountStore.Key(firmID: "f1", accountID: "a1")
            let claimed = try await env.database.withTransaction { holder in
                _ = try await holder.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [.text(inUse.lockName)])
                // Waiting for the lock above would hold this claim until the time limit.
                return try await RetrySweeper.claim(limit: 10, worker: "w1", lease: .seconds(30), in: env.database)
            }
            #expect(claimed.map(\.accountID) == ["a2"])
            let leased = try await env.database.withConnection { connection in
                try await connection.query("select account_id from accounts where lease_owner = 'w1' order by account_id")
            }.map { try $0.decode(String.self, "account_id") }
            #expect(leased == ["a2"], "the skipped account is not leased")

            let later = try await RetrySweeper.claim(limit: 10, worker: "w2", lease: .seconds(30), in: env.database)
            #expect(later.map(\.accountID) == ["a1"])
        }
    }
}

import Foundation
import Logging
import Postgres
import QuickBooks
import SyncCore

/// Live access tokens per firm, refreshed under the firm's row lock.
///
/// Two workers refreshing the same realm at once is the classic cause of `invalid_grant`:
/// refresh tokens roll, so the loser presents a token that was just used. Here a refresh
/// happens only while holding `select … for update` on the firm row, and a worker that gets
/// the lock second finds the fresh access token already stored and uses it.
actor FirmSessions {
    private let database: PostgresClient
    private let client: QuickBooksClient
    private let cipher: TokenCipher
    private let logger: Logger
    private var cache: [String: (access: RealmAccess, expiresAt: Date)] = [:]
    private var refreshing: [String: Task<(RealmAccess, Date), any Error>] = [:]
    /// Refresh this long before expiry, so a call never starts with a token about to die.
    private let renewBefore: TimeInterval = 120

    init(database: PostgresClient, client: QuickBooksClient, cipher: TokenCipher, logger: Logger) {
        self.database = database
        self.client = client
        self.cipher = cipher
        self.logger = logger
    }

    /// A usable access token for the firm's realm.
    /// - Parameter rejected: a token QuickBooks just refused (401); it is never returned again.
    /// - Throws: ``QuickBooksProblem`` when the firm is not connected or QuickBooks refuses the refresh.
    func access(for firmID: String, rejected: String? = nil) async throws -> RealmAccess {
        if let cached = cache[firmID], cached.access.accessToken != rejected, cached.expiresAt.timeIntervalSinceNow > renewBefore {
            return cached.access
        }
        if let pending = refreshing[firmID] {
            return try await pending.value.0
        }
        let task = Task { try await self.loadOrRefresh(firmID: firmID, rejected: rejected) }
        refreshing[firmID] = task
        defer { refreshing[firmID] = nil }
        let (access, expiresAt) = try await task.value
        cache[firmID] = (access, expiresAt)
        return access
    }

    /// Forgets cached tokens, e.g. after the firm reconnected.
    func forget(_ firmID: String) {
        cache[firmID] = nil
    }

    /// Opens a sealed token; one this worker's key cannot open is a problem of the firm's
    /// connection (reported once, on the firm), not a QuickBooks outage retried per account.
    private nonisolated func open(_ sealed: [UInt8], firmID: String) throws -> String {
        do { return try cipher.open(sealed, firmID: firmID) } catch {
            logger.error("cannot decrypt a firm's QuickBooks tokens with this worker's key", metadata: ["firm_id": "\(firmID)"])
            throw QuickBooksProblem(
                kind: .authentication, code: QuickBooksProblem.tokenKeyCode,
                message: "this worker cannot read the firm's QuickBooks tokens: the token key differs from the one that sealed them")
        }
    }

    private nonisolated func loadOrRefresh(firmID: String, rejected: String?) async throws -> (RealmAccess, Date) {
        try await database.withTransaction { connection in
            let rows = try await connection.query(
                """
                select realm_id, refresh_token, access_token, access_token_expires_at, connection_status, connection_error_code, connection_detail
                from firms where firm_id = $1 for update
                """, [.text(firmID)])
            guard let row = rows.first else {
                throw QuickBooksProblem(
                    kind: .authentication, code: "not_connected", message: "QuickBooks is not connected for firm \(firmID)")
            }
            guard try row.decode(String.self, "connection_status") == SyncStatus.synced.rawValue else {
                throw QuickBooksProblem(
                    kind: .authentication, code: try row.decode(String?.self, "connection_error_code") ?? "invalid_grant",
                    message: try row.decode(String?.self, "connection_detail") ?? "the firm must reconnect QuickBooks")
            }
            let realmID = try row.decode(String.self, "realm_id")
            if let sealed = try row.decode([UInt8]?.self, "access_token"),
                let expiresAt = try row.decode(Date?.self, "access_token_expires_at"),
                expiresAt.timeIntervalSinceNow > renewBefore
            {
                let token = try open(sealed, firmID: firmID)
                if token != rejected { return (RealmAccess(realmID: realmID, accessToken: token), expiresAt) }
            }
            let refreshToken = try open(try row.decode([UInt8].self, "refresh_token"), firmID: firmID)
            let tokens: OAuthTokens
            do throws(QuickBooksError) {
                tokens = try await client.refreshTokens(refreshToken)
            } catch {
                logger.warning("QuickBooks token refresh failed", metadata: ["firm_id": "\(firmID)", "error": "\(error)"])
                throw error.problem
            }
            let expiresAt = Date().addingTimeInterval(TimeInterval(tokens.expiresIn))
            // Store the rolled refresh token before anything else can fail: the old one is spent.
            try await connection.execute(
                """
                update firms set refresh_token = $2, access_token = $3, access_token_expires_at = $4, updated_at = now() where firm_id = $1
                """,
                [
                    .text(firmID), .bytea(try cipher.seal(tokens.refreshToken, firmID: firmID)),
                    .bytea(try cipher.seal(tokens.accessToken, firmID: firmID)), .timestamptz(expiresAt),
                ])
            logger.info("refreshed QuickBooks access token", metadata: ["firm_id": "\(firmID)", "realm_id": "\(realmID)"])
            return (RealmAccess(realmID: realmID, accessToken: tokens.accessToken), expiresAt)
        }
    }
}

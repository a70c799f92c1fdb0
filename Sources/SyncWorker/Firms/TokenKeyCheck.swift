import Postgres

/// Tells whether this worker's token key is the one the firms' tokens were sealed with.
///
/// A worker started with a valid but different `QBSYNC_TOKEN_KEY` could read no firm's tokens,
/// and would report every firm it touches as disconnected. The first worker seals a known value
/// in `token_key_check`; every later one must open it. On a database that predates the check, a
/// firm's stored refresh token stands in for it.
enum TokenKeyCheck {
    enum Verdict: Sendable, Equatable {
        case matches
        case differs
    }

    static let subject = "qbsync-token-key-check"
    static let differsDetail =
        "this worker cannot read the firms' QuickBooks tokens: its QBSYNC_TOKEN_KEY differs from the one that sealed them; start it with the same key as the other workers"

    static func verify(_ cipher: TokenCipher, database: PostgresClient) async throws -> Verdict {
        try await database.withTransaction { connection in
            // One worker at a time decides what the canary is.
            _ = try await connection.query("select pg_advisory_xact_lock($1)", [.int64(0x71_62_6B_65_79)])
            if let row = try await connection.query("select sealed from token_key_check where id = 1").first {
                return (try? cipher.open(try row.decode([UInt8].self, "sealed"), firmID: subject)) == nil ? .differs : .matches
            }
            let firms = try await connection.query("select firm_id, refresh_token from firms order by connected_at desc limit 20")
            if !firms.isEmpty {
                let opens = try firms.contains { row in
                    (try? cipher.open(try row.decode([UInt8].self, "refresh_token"), firmID: try row.decode(String.self, "firm_id"))) != nil
                }
                guard opens else { return .differs }
            }
            try await connection.execute(
                "insert into token_key_check (id, sealed) values (1, $1)",
                [.bytea(try cipher.seal(subject, firmID: subject))])
            return .matches
        }
    }
}

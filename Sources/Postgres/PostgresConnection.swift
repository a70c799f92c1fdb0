/// A pooled connection, valid only inside the `withConnection` or
/// `withTransaction` block that received it.
///
/// Statements run one at a time (await each call). Values are always bound
/// parameters (`$1`, `$2`, …); there is deliberately no way to splice a value
/// into SQL text.
public struct PostgresConnection: Sendable {
    let lease: ConnectionLease

    /// Runs a statement and returns its rows.
    ///
    /// ```swift
    /// let rows = try await connection.query(
    ///     "select name, synced_at from accounts where firm_id = $1 and id = any($2)",
    ///     [.uuid(firmID), .textArray(accountIDs)]
    /// )
    /// let name = try rows.first?.decode(String.self, "name")
    /// ```
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> [PostgresRow] {
        let result = try await lease.run(sql) { connection, begin in
            try connection.execute(sql, parameters, after: begin)
        }
        guard result.rowCount > 0 else { return [] }
        return (0..<result.rowCount).map { PostgresRow(result: result, index: $0) }
    }

    /// Runs a statement and returns the number of rows it inserted, updated or
    /// deleted (0 for statements that do not report a count).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> Int {
        try await lease.run(sql) { connection, begin in
            try connection.execute(sql, parameters, after: begin).affectedRows
        }
    }

    /// Runs SQL text without parameters, possibly several statements separated by
    /// semicolons (migrations, DDL). Never build this text from data; use `execute`.
    public func executeScript(_ sql: String) async throws {
        _ = try await lease.run(sql) { connection, begin in
            if let begin { _ = try connection.executeScript(begin) }
            _ = try connection.executeScript(sql)
        }
    }
}

extension PostgresConnection {
    func beginTransaction(_ level: PostgresIsolationLevel) {
        lease.deferBegin(level.beginStatement)
    }

    func commitTransaction() async throws {
        guard !lease.cancelPendingBegin() else { return }  // nothing ran, nothing to commit
        let tag = try await lease.run("COMMIT") { connection, _ in
            try connection.executeScript("COMMIT").commandTag
        }
        // COMMIT of an aborted transaction "succeeds" with the tag ROLLBACK.
        if tag != "ROLLBACK" { lease.client.statistics.transactionCommitted() }
        if tag == "ROLLBACK" {
            throw PostgresError(
                kind: .transactionRolledBack,
                message:
                    "the transaction was rolled back, not committed: a statement inside it failed and its error was caught inside the transaction block. Let the error propagate, or use a savepoint",
                statement: "COMMIT"
            )
        }
    }

    /// Best effort: the block's error is what the caller needs to see. If the
    /// rollback itself fails, the pool discards the connection on release.
    func rollback(after error: any Error) async {
        guard !lease.cancelPendingBegin(), !lease.hasLostConnection else { return }
        do {
            _ = try await lease.run("ROLLBACK") { connection, _ in
                try connection.executeScript("ROLLBACK")
            }
        } catch let rollbackError {
            lease.client.logger.warning(
                "ROLLBACK failed after a transaction block threw; the connection will be discarded",
                metadata: ["error": "\(rollbackError)", "cause": "\(error)"]
            )
        }
    }
}

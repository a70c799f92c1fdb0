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
        let statement = try LibPQConnection.Statement(sql, parameters)
        let result = try await lease.run(sql) { connection, prefix in
            try connection.execute(statement, after: prefix)
        }
        guard result.rowCount > 0 else { return [] }
        return (0..<result.rowCount).map { PostgresRow(result: result, index: $0) }
    }

    /// Runs statements that do not depend on each other in one round trip (a libpq pipeline), in
    /// order, and returns each one's rows. The first that fails throws; the server skips the
    /// ones after it.
    ///
    /// ```swift
    /// let (firm, account) = try await connection.query(
    ///     ("select … from firms where firm_id = $1", [.text(firmID)]),
    ///     ("select … from accounts where firm_id = $1 and account_id = $2", [.text(firmID), .text(accountID)]))
    /// ```
    public func query(_ first: (String, [PostgresValue]), _ second: (String, [PostgresValue])) async throws -> (
        [PostgresRow], [PostgresRow]
    ) {
        let rows = try await query(batch: [first, second])
        return (rows[0], rows[1])
    }

    /// ``query(_:_:)`` for three statements.
    public func query(_ first: (String, [PostgresValue]), _ second: (String, [PostgresValue]), _ third: (String, [PostgresValue]))
        async throws -> ([PostgresRow], [PostgresRow], [PostgresRow])
    {
        let rows = try await query(batch: [first, second, third])
        return (rows[0], rows[1], rows[2])
    }

    /// ``query(_:_:)`` for any number of statements (at least one): their rows, in order.
    public func query(batch: [(String, [PostgresValue])]) async throws -> [[PostgresRow]] {
        guard !batch.isEmpty else { throw PostgresError.misuse("query(batch:) needs at least one statement") }
        let statements = try batch.map { sql, parameters throws(PostgresError) in try LibPQConnection.Statement(sql, parameters) }
        let results = try await lease.run(batch[0].0, count: statements.count) { connection, prefix in
            Array(try connection.execute(pipeline: prefix + statements).suffix(statements.count))
        }
        return results.map { result in (0..<result.rowCount).map { PostgresRow(result: result, index: $0) } }
    }

    /// Runs a statement and returns the number of rows it inserted, updated or
    /// deleted (0 for statements that do not report a count).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> Int {
        let statement = try LibPQConnection.Statement(sql, parameters)
        return try await lease.run(sql) { connection, prefix in
            try connection.execute(statement, after: prefix).affectedRows
        }
    }

    /// Runs a write whose result the caller does not need, sending it with the transaction's next
    /// statement (or its `COMMIT`) in one round trip instead of on its own.
    ///
    /// Statements still run in the order they were called, so every later statement of the
    /// transaction sees the write. What changes is where a failure shows: a refused parameter
    /// throws here, but an error of the server (a constraint, a lost connection) is thrown by
    /// that next statement or by the commit, and the transaction is rolled back as usual. Use
    /// `execute` for a write whose failure the caller handles on its own. Outside a transaction
    /// the write runs at once.
    public func executeDeferred(_ sql: String, _ parameters: [PostgresValue] = []) async throws {
        let statement = try LibPQConnection.Statement(sql, parameters)
        guard try lease.defer(statement) else {
            _ = try await lease.run(sql) { connection, prefix in try connection.execute(statement, after: prefix) }
            return
        }
    }

    /// Runs SQL text without parameters, possibly several statements separated by
    /// semicolons (migrations, DDL). Never build this text from data; use `execute`.
    public func executeScript(_ sql: String) async throws {
        _ = try await lease.run(sql) { connection, prefix in
            if let last = prefix.last { _ = try connection.execute(last, after: Array(prefix.dropLast())) }
            _ = try connection.executeScript(sql)
        }
    }
}

extension PostgresConnection {
    func beginTransaction(_ level: PostgresIsolationLevel) {
        lease.deferBegin(level.beginStatement)
    }

    func commitTransaction() async throws {
        if lease.isUntouched {
            _ = lease.cancelPendingBegin()
            return  // nothing ran, nothing to commit
        }
        let commit = try LibPQConnection.Statement("COMMIT")
        // Deferred writes (and a deferred BEGIN, when they are all the block did) go out with it.
        let tag: String
        do {
            tag = try await lease.run("COMMIT") { connection, prefix in
                try connection.execute(commit, after: prefix).commandTag
            }
        } catch {
            // A deferred write failed before the COMMIT ran: the transaction is still open (and
            // aborted); end it, so the connection goes back to the pool clean.
            if lease.slot.transactionState != .idle { await rollback(after: error) }
            throw error
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

/// A row write that can share one statement with other rows of its type: inside a transaction,
/// ``PostgresConnection/executeDeferred(row:)`` gathers the rows deferred one after another and
/// sends them as one statement (typically an `insert … select … from unnest($1, $2, …)`).
///
/// Rows of different types deferred together go out as one statement per type, in the order each
/// type first came, so the types' statements must not depend on one another (different tables,
/// no triggers or foreign keys between them). Any other statement, deferred or not, sends the
/// rows gathered before it first: later statements see them.
public protocol PostgresBatchableWrite: Sendable {
    /// One statement with the effect of writing `rows` one after another, in order. `rows` is
    /// never empty.
    static func statement(for rows: [Self]) -> (String, [PostgresValue])
}

extension PostgresConnection {
    /// Defers a row write like ``executeDeferred(_:_:)``, in one statement with the rows of its type
    /// deferred since the transaction's last other statement. A value the statement cannot take
    /// is reported by the transaction's next statement or its commit. Outside a transaction the
    /// row is written at once.
    public func executeDeferred<Write: PostgresBatchableWrite>(row: Write) async throws {
        guard try lease.defer(row: row) else {
            let (sql, parameters) = Write.statement(for: [row])
            try await execute(sql, parameters)
            return
        }
    }
}

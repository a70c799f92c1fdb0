extension PostgresClient {
    /// Runs `body` inside `BEGIN … COMMIT` on one pooled connection.
    ///
    /// If `body` throws, the transaction is rolled back and the error rethrown.
    /// If `COMMIT` fails (deferred constraint, serialization failure, lost
    /// connection) that error is thrown. Retry the whole call when the error's
    /// `isRetryable` is true; a `COMMIT` interrupted by connection loss may
    /// have been applied, so transactions should be idempotent.
    @discardableResult
    public func withTransaction<Value>(
        isolationLevel: PostgresIsolationLevel = .readCommitted,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        try await withConnection(isolation: isolation) { connection in
            connection.beginTransaction(isolationLevel)
            let value: Value
            do {
                value = try await body(connection)
            } catch {
                await connection.rollback(after: error)
                throw error
            }
            try await connection.commitTransaction()
            return value
        }
    }
}

extension PostgresClient {
    /// Listens on `channel` for the duration of `body`, on a dedicated connection
    /// and thread outside the pool.
    ///
    /// `LISTEN` has completed before `body` starts, so anything notified after
    /// that is delivered. The channel name is used verbatim (case-sensitive, like
    /// `pg_notify(channel, payload)`).
    ///
    /// ```swift
    /// try await client.withNotifications(on: "firm_settings") { notifications in
    ///     for try await notification in notifications { reload(notification.payload) }
    /// }
    /// ```
    @discardableResult
    public func withNotifications<Value>(
        on channel: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresNotifications) async throws -> Value
    ) async throws -> Value {
        let listener = try await NotificationListener.start(channel: channel, parameters: connectParameters, logger: logger)
        let outcome: Result<Value, any Error>
        do {
            outcome = .success(try await body(listener.notifications))
        } catch {
            outcome = .failure(error)
        }
        await listener.stop()
        return try outcome.get()
    }
}

extension PostgresConnection {
    /// Sends a notification (`pg_notify`), delivered to listeners when the
    /// surrounding transaction commits (immediately outside a transaction).
    public func notify(channel: String, payload: String = "") async throws {
        _ = try await query("select pg_notify($1, $2)", [.text(channel), .text(payload)])
    }
}

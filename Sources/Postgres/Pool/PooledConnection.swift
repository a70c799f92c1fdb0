import Logging

/// One slot of the pool: its thread and at most one live `LibPQConnection`.
///
/// Only the lease holder touches `connection`, and only on `thread`; handing
/// the slot from lease to lease goes through the pool's lock, which orders
/// those accesses.
final class PooledConnection: @unchecked Sendable {
    let id: Int
    let thread = ConnectionThread()
    private var connection: LibPQConnection?

    init(id: Int) {
        self.id = id
    }

    var isConnected: Bool { connection != nil }

    /// The live connection, opening or replacing it when needed. Blocking.
    ///
    /// `verify` probes an existing connection first; done at the start of each
    /// lease so that a connection the server dropped while it sat idle (restart,
    /// idle timeout) is replaced before anything is sent on it.
    func acquire(parameters: [(keyword: String, value: String)], verify: Bool, logger: Logger) throws(PostgresError) -> LibPQConnection {
        if let connection {
            if !verify || connection.isHealthy() {
                return connection
            }
            logger.notice(
                "PostgreSQL connection was closed by the server while idle; reconnecting", metadata: ["postgres.connection": "\(id)"])
            discard()
        }
        let fresh = try LibPQConnection.connect(parameters: parameters, logger: logger)
        logger.debug("opened PostgreSQL connection", metadata: ["postgres.connection": "\(id)"])
        connection = fresh
        return fresh
    }

    var transactionState: LibPQConnection.TransactionState {
        connection?.transactionState ?? .idle
    }

    /// Closes the connection, if any; the next `acquire` opens a new one. Blocking.
    func discard() {
        connection?.finish()
        connection = nil
    }
}

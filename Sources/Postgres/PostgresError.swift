/// An error from PostgreSQL, from libpq, or from misuse of this client.
///
/// Server errors carry the SQLSTATE and the server's message, detail and hint.
/// Use the `is…` helpers to decide what to do; `description` is written for
/// the operator reading the log. Bound parameter values never appear in it.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case server, connectionLost, connectFailed, clientShutdown, misuse, invalidConfiguration,
                unsupported, transactionRolledBack
        }

        private let base: Base

        /// The server rejected the statement; see `sqlState`.
        public static let server = Kind(base: .server)
        /// The connection broke while a call was running or had broken before it.
        /// The statement may or may not have been applied (for a `COMMIT`: the
        /// transaction may or may not be committed). The pool reconnects on the next checkout.
        public static let connectionLost = Kind(base: .connectionLost)
        /// A new connection could not be opened (server down, unreachable, or refusing us).
        public static let connectFailed = Kind(base: .connectFailed)
        /// The client was shut down; no new work is accepted.
        public static let clientShutdown = Kind(base: .clientShutdown)
        /// The API was used in a way that cannot work (e.g. a connection used after its block ended).
        public static let misuse = Kind(base: .misuse)
        /// The configuration is invalid.
        public static let invalidConfiguration = Kind(base: .invalidConfiguration)
        /// The statement needs a protocol feature this client does not offer (e.g. `COPY`).
        public static let unsupported = Kind(base: .unsupported)
        /// `COMMIT` found the transaction already aborted by an earlier failed statement
        /// (whose error was caught inside the transaction block), so nothing was committed.
        public static let transactionRolledBack = Kind(base: .transactionRolledBack)

        public var description: String {
            switch base {
            case .server: "server error"
            case .connectionLost: "connection lost"
            case .connectFailed: "connect failed"
            case .clientShutdown: "client shut down"
            case .misuse: "misuse"
            case .invalidConfiguration: "invalid configuration"
            case .unsupported: "unsupported"
            case .transactionRolledBack: "transaction rolled back"
            }
        }
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The five-character SQLSTATE (e.g. `23505`) when the server sent one.
    public var sqlState: String?
    /// The primary message, from the server or from libpq.
    public var message: String
    /// The server's optional detail (e.g. which key value was duplicated).
    public var detail: String?
    /// The server's optional hint on how to fix it.
    public var hint: String?
    /// Severity as sent by the server (`ERROR`, `FATAL`, `PANIC`), not localized.
    public var severity: String?
    /// Schema, table, column and constraint the error is about, when the server names them.
    public var schemaName: String?
    public var tableName: String?
    public var columnName: String?
    public var constraintName: String?
    /// The SQL text that failed (shortened), to tell statements apart in the log.
    public var statement: String?

    /// Creates an error; mostly useful for tests of code that handles these errors.
    public init(
        kind: Kind,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        statement: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.statement = statement.map(Self.shorten)
    }

    /// The two-character SQLSTATE class (`23` integrity, `40` transaction rollback, `08` connection…).
    public var sqlStateClass: String? { sqlState.map { String($0.prefix(2)) } }

    /// A `UNIQUE` or primary-key constraint rejected the row (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// A foreign key rejected the row (SQLSTATE 23503).
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// A serializable or repeatable-read transaction lost a conflict (SQLSTATE 40001); retry it.
    public var isSerializationFailure: Bool { sqlState == "40001" }
    /// The server broke a deadlock by aborting this transaction (SQLSTATE 40P01); retry it.
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// The statement was cancelled, e.g. by `statement_timeout` (SQLSTATE 57014).
    public var isQueryCanceled: Bool { sqlState == "57014" }

    /// The database could not be reached or the connection broke. The pool
    /// replaces the connection on the next checkout; retry the whole transaction
    /// with backoff. True for both `.connectionLost` and `.connectFailed`.
    public var isConnectionLoss: Bool {
        kind == .connectionLost || kind == .connectFailed
    }

    /// Retrying the whole transaction from the start is the right reaction:
    /// serialization failure, deadlock, or connection loss.
    public var isRetryable: Bool {
        isSerializationFailure || isDeadlock || isConnectionLoss
    }

    public var description: String {
        var text: String
        switch kind {
        case .server:
            text = "PostgreSQL rejected the statement"
            if let sqlState { text += " (SQLSTATE \(sqlState))" }
            text += ": \(message)"
        case .connectionLost:
            text = "lost the connection to PostgreSQL: \(message)"
        case .connectFailed:
            text = "could not connect to PostgreSQL: \(message)"
        default:
            text = message
        }
        if let detail { text += " — detail: \(detail)" }
        if let hint { text += " — hint: \(hint)" }
        if let constraintName { text += " — constraint: \(constraintName)" }
        if let statement { text += " — statement: \(statement)" }
        switch kind {
        case .connectionLost:
            text +=
                ". The connection was discarded and will be replaced on the next checkout; "
                + "retry the transaction (an interrupted COMMIT may or may not have been applied)."
        case .connectFailed:
            text +=
                ". Check that the server is running and that the database URL, credentials "
                + "and sslmode are right; the pool retries on the next checkout."
        default:
            break
        }
        return text
    }

    static func shorten(_ sql: String) -> String {
        let collapsed = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return collapsed.count <= 200 ? collapsed : String(collapsed.prefix(200)) + "…"
    }

    static func misuse(_ message: String) -> PostgresError {
        PostgresError(kind: .misuse, message: message)
    }

    static let clientShutdown = PostgresError(
        kind: .clientShutdown,
        message: "the PostgreSQL client has been shut down and accepts no new work; this is expected only while the process is stopping"
    )
}

internal import CLibPQ
import Logging

/// Owns one `PGconn` and frees it exactly once (`finish()` or deinit).
///
/// Every method blocks on the network and must run on a pool thread, never on
/// Swift's cooperative executor. The class is not thread-safe: the pool's lease
/// guarantees a single caller at a time, which is why it is `@unchecked Sendable`.
final class LibPQConnection: @unchecked Sendable {
    private var pointer: OpaquePointer?
    /// Receives server notices; must outlive `pointer`, which holds an unretained reference to it.
    private let noticeSink: NoticeSink

    private init(pointer: OpaquePointer, logger: Logger) {
        self.pointer = pointer
        self.noticeSink = NoticeSink(logger: logger)
        PQsetNoticeReceiver(
            pointer,
            { context, result in
                guard let context, let result else { return }
                Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue().receive(result)
            }, Unmanaged.passUnretained(noticeSink).toOpaque())
    }

    deinit {
        finish()
    }

    /// Opens a connection (blocking, bounded by `connect_timeout`).
    static func connect(parameters: [(keyword: String, value: String)], logger: Logger) throws(PostgresError) -> LibPQConnection {
        let raw = withCStringArray(parameters.map(\.keyword)) { keywords in
            withCStringArray(parameters.map(\.value)) { values in
                // expand_dbname = 1: the first `dbname` may be a full URL or key=value string;
                // keywords after it override what it contains.
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let raw else {
            throw PostgresError(kind: .connectFailed, message: "libpq could not allocate a connection (out of memory)")
        }
        guard PQstatus(raw) == CONNECTION_OK else {
            let message = clean(String(cString: PQerrorMessage(raw)))
            PQfinish(raw)
            throw PostgresError(kind: .connectFailed, message: message.isEmpty ? "unknown libpq error" : message)
        }
        return LibPQConnection(pointer: raw, logger: logger)
    }

    /// Statements prepared on this connection, by text and parameter types: the server parses and
    /// plans each once per connection instead of on every call.
    private var prepared: [PreparedKey: String] = [:]
    private struct PreparedKey: Hashable {
        let sql: String
        /// `.null` parameters leave their type to the server, so a call with a NULL in another
        /// place is a statement of its own.
        let types: [UInt32]
    }
    /// Beyond this many, further statements run unprepared (ad-hoc SQL must not grow it forever).
    static let preparedLimit = 256

    /// The name of `sql` prepared for these parameter types, preparing it on first use; nil when
    /// the cache is full.
    private func preparedName(_ sql: String, _ bound: LibPQParameters, on pointer: OpaquePointer) throws(PostgresError) -> String? {
        let key = PreparedKey(sql: sql, types: bound.types)
        if let name = prepared[key] { return name }
        guard prepared.count < Self.preparedLimit else { return nil }
        let name = "qbsync_\(prepared.count + 1)"
        let raw = bound.types.withUnsafeBufferPointer { types in
            PQprepare(pointer, name, sql, Int32(bound.count), types.baseAddress)
        }
        _ = try check(raw, sql: sql)
        prepared[key] = name
        return name
    }

    /// A statement ready to send: its text and its parameters laid out for libpq. Building it is
    /// where a parameter is refused, before anything goes to the server.
    struct Statement: Sendable {
        let sql: String
        let bound: LibPQParameters

        init(_ sql: String, _ parameters: [PostgresValue] = []) throws(PostgresError) {
            self.sql = sql
            self.bound = try LibPQParameters(parameters)
        }
    }

    /// Runs one statement with bound parameters; results come back in binary format.
    func execute(_ sql: String, _ parameters: [PostgresValue]) throws(PostgresError) -> LibPQResult {
        try execute(try Statement(sql, parameters))
    }

    func execute(_ statement: Statement) throws(PostgresError) -> LibPQResult {
        let pointer = try livePointer(statement.sql)
        let bound = statement.bound
        let name = try preparedName(statement.sql, bound, on: pointer)
        let raw = bound.withUnsafeArrays { types, values, lengths, formats in
            if let name {
                PQexecPrepared(pointer, name, Int32(bound.count), values, lengths, formats, 1)
            } else {
                PQexecParams(pointer, statement.sql, Int32(bound.count), types, values, lengths, formats, 1)
            }
        }
        return try check(raw, sql: statement.sql)
    }

    /// Runs the statements of `prefix` (a deferred `BEGIN`, writes whose results nobody waits
    /// for) and then `statement`, in order, in one libpq pipeline: all of them go out together in
    /// one network round trip. Returns `statement`'s result. The first one that fails throws its
    /// error, and the server skips the ones after it.
    func execute(_ statement: Statement, after prefix: [Statement]) throws(PostgresError) -> LibPQResult {
        guard !prefix.isEmpty else { return try execute(statement) }
        let results = try execute(pipeline: prefix + [statement])
        return results[results.count - 1]
    }

    /// Runs `statements` in order in one libpq pipeline (one network round trip) and returns
    /// their results. The first one that fails throws its error, and the server skips the ones
    /// after it.
    func execute(pipeline statements: [Statement]) throws(PostgresError) -> [LibPQResult] {
        guard let statement = statements.last else { return [] }
        guard statements.count > 1 else { return [try execute(statement)] }
        let pointer = try livePointer(statement.sql)
        // Preparing is a round trip of its own, before the pipeline. Statements without
        // parameters (BEGIN, COMMIT) go as they are.
        var names: [String?] = []
        names.reserveCapacity(statements.count)
        for statement in statements {
            names.append(statement.bound.count == 0 ? nil : try preparedName(statement.sql, statement.bound, on: pointer))
        }
        guard PQenterPipelineMode(pointer) == 1 else {
            var results: [LibPQResult] = []
            for statement in statements { results.append(try execute(statement)) }
            return results
        }
        var sent = true
        for (statement, name) in zip(statements, names) where sent {
            let bound = statement.bound
            // libpq copies the parameters into its output buffer here, so they need not outlive the call.
            sent = bound.withUnsafeArrays { types, values, lengths, formats in
                if let name {
                    PQsendQueryPrepared(pointer, name, Int32(bound.count), values, lengths, formats, 1) == 1
                } else {
                    PQsendQueryParams(pointer, statement.sql, Int32(bound.count), types, values, lengths, formats, 1) == 1
                }
            }
        }
        guard sent, PQpipelineSync(pointer) == 1 else {
            // Sending only fails when the connection is unusable; never reuse a half-sent pipeline.
            let error = connectionLostError(statement: statement.sql, result: nil)
            finish()
            throw error
        }

        // Per statement: its result, then NULL; finally the sync marker. A statement after a
        // failed one comes back as PGRES_PIPELINE_ABORTED.
        var results: [LibPQResult] = []
        var endsSeen = 0
        while endsSeen <= statements.count {
            guard let raw = PQgetResult(pointer) else {
                endsSeen += 1
                if PQstatus(pointer) != CONNECTION_OK { break }
                continue
            }
            let result = LibPQResult(taking: raw)
            if result.status == PGRES_PIPELINE_SYNC { break }
            results.append(result)
        }
        guard PQstatus(pointer) == CONNECTION_OK, PQexitPipelineMode(pointer) == 1 else {
            let error = connectionLostError(statement: statement.sql, result: results.last)
            finish()
            throw error
        }
        guard results.count == statements.count else {
            let error = PostgresError(
                kind: .connectionLost,
                message:
                    "unexpected pipeline response (\(results.count) results for \(statements.count) statements); the connection was closed",
                statement: statement.sql
            )
            finish()
            throw error
        }
        for (sent, result) in zip(statements, results) { _ = try classify(result, sql: sent.sql) }
        return results
    }

    /// Runs a parameterless script, possibly several statements (simple query protocol).
    func executeScript(_ sql: String) throws(PostgresError) -> LibPQResult {
        let pointer = try livePointer(sql)
        return try check(PQexec(pointer, sql), sql: sql)
    }

    /// Whether the connection still looks usable, without blocking.
    ///
    /// A server that restarted or killed the session has sent an error and closed
    /// the socket; reading what is pending lets libpq notice. A quiet socket is
    /// assumed healthy: a silently dead peer is only found by the next query.
    func isHealthy() -> Bool {
        guard let pointer, PQstatus(pointer) == CONNECTION_OK else { return false }
        let socket = PQsocket(pointer)
        guard socket >= 0 else { return false }
        // Bounded: pending data is at most an error message, notifications, and EOF.
        for _ in 0..<8 {
            switch clibpq_socket_has_input(socket) {
            case 0:
                return PQstatus(pointer) == CONNECTION_OK
            case 1:
                guard PQconsumeInput(pointer) == 1 else { return false }
                discardNotifications(pointer)
                guard PQstatus(pointer) == CONNECTION_OK else { return false }
            default:
                return false
            }
        }
        return PQstatus(pointer) == CONNECTION_OK
    }

    enum TransactionState {
        case idle, active, inTransaction, failedTransaction, unknown
    }

    var transactionState: TransactionState {
        guard let pointer else { return .unknown }
        switch PQtransactionStatus(pointer) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failedTransaction
        default: return .unknown
        }
    }

    var socket: Int32 {
        guard let pointer else { return -1 }
        return PQsocket(pointer)
    }

    /// Reads whatever the server sent (non-blocking) and returns pending notifications.
    /// Throws `connectionLost` when the server has gone away.
    func consumeNotifications() throws(PostgresError) -> [PostgresNotification] {
        let pointer = try livePointer(nil)
        guard PQconsumeInput(pointer) == 1 else { throw connectionLostError(statement: nil, result: nil) }
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(pointer) {
            notifications.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: String(cString: notify.pointee.extra),
                    processID: notify.pointee.be_pid
                )
            )
            PQfreemem(notify)
        }
        guard PQstatus(pointer) == CONNECTION_OK else { throw connectionLostError(statement: nil, result: nil) }
        return notifications
    }

    /// Quotes an identifier (e.g. a LISTEN channel) as libpq's `PQescapeIdentifier` does.
    func quoteIdentifier(_ identifier: String) throws(PostgresError) -> String {
        let pointer = try livePointer(nil)
        let utf8Count = identifier.utf8.count
        guard let quoted = PQescapeIdentifier(pointer, identifier, utf8Count) else {
            throw PostgresError.misuse("invalid identifier \"\(identifier)\": \(Self.clean(String(cString: PQerrorMessage(pointer))))")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    /// Closes the connection; later calls fail with `connectionLost`.
    func finish() {
        if let pointer {
            PQfinish(pointer)
            self.pointer = nil
        }
    }

    private func livePointer(_ sql: String?) throws(PostgresError) -> OpaquePointer {
        guard let pointer else {
            throw PostgresError(kind: .connectionLost, message: "the connection was already closed", statement: sql)
        }
        return pointer
    }

    private func discardNotifications(_ pointer: OpaquePointer) {
        while let notify = PQnotifies(pointer) {
            PQfreemem(notify)
        }
    }

    private func check(_ raw: OpaquePointer?, sql: String) throws(PostgresError) -> LibPQResult {
        guard let raw else {
            // No result at all: libpq could not even send the query.
            throw connectionLostError(statement: sql, result: nil)
        }
        return try classify(LibPQResult(taking: raw), sql: sql)
    }

    private func classify(_ result: LibPQResult, sql: String) throws(PostgresError) -> LibPQResult {
        switch result.status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            // The session now waits for COPY data we will never send; it cannot be reused.
            finish()
            throw PostgresError(
                kind: .unsupported,
                message: "COPY is not supported by this client; the connection was closed",
                statement: sql
            )
        default:
            if let pointer, PQstatus(pointer) != CONNECTION_OK {
                throw connectionLostError(statement: sql, result: result)
            }
            let error = result.makeError(kind: .server, statement: sql)
            if Self.connectionClassStates(error.sqlState) {
                throw connectionLostError(statement: sql, result: result)
            }
            throw error
        }
    }

    /// SQLSTATEs after which the session is gone even if libpq has not noticed yet.
    private static func connectionClassStates(_ sqlState: String?) -> Bool {
        guard let sqlState else { return false }
        // 08: connection exception; 57P01/57P02/57P03: admin shutdown, crash shutdown, cannot connect now.
        return sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    private func connectionLostError(statement: String?, result: LibPQResult?) -> PostgresError {
        if let result {
            var error = result.makeError(kind: .connectionLost, statement: statement)
            if error.message.isEmpty, let pointer {
                error.message = Self.clean(String(cString: PQerrorMessage(pointer)))
            }
            return error
        }
        let message = pointer.map { Self.clean(String(cString: PQerrorMessage($0))) } ?? ""
        return PostgresError(
            kind: .connectionLost,
            message: message.isEmpty ? "the server closed the connection" : message,
            statement: statement
        )
    }

    /// libpq messages end in newlines and may span lines; logs want one line.
    static func clean(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline)
            .map { line in
                var trimmed = line.drop(while: \.isWhitespace)
                while trimmed.last?.isWhitespace == true { trimmed = trimmed.dropLast() }
                return String(trimmed)
            }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

/// Forwards server notices (`NOTICE`, `WARNING`) to the logger instead of stderr.
private final class NoticeSink {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func receive(_ result: OpaquePointer) {
        let field = { (code: Int) -> String? in
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        let severity = field(CLIBPQ_DIAG_SEVERITY) ?? "NOTICE"
        let message = field(CLIBPQ_DIAG_MESSAGE_PRIMARY) ?? LibPQConnection.clean(String(cString: PQresultErrorMessage(result)))
        var metadata: Logger.Metadata = ["postgres.severity": "\(severity)"]
        if let sqlState = field(CLIBPQ_DIAG_SQLSTATE) { metadata["postgres.sqlstate"] = "\(sqlState)" }
        if let detail = field(CLIBPQ_DIAG_MESSAGE_DETAIL) { metadata["postgres.detail"] = "\(detail)" }
        let level: Logger.Level = severity == "WARNING" || severity == "FATAL" || severity == "ERROR" ? .warning : .debug
        logger.log(level: level, "PostgreSQL notice: \(message)", metadata: metadata)
    }
}

/// NUL-terminated C strings for `body`, followed by a terminating NULL entry.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>] = strings.map { string in
        let utf8 = string.utf8CString
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
        utf8.withUnsafeBufferPointer { copy.initialize(from: $0.baseAddress!, count: utf8.count) }
        return copy
    }
    defer { copies.forEach { $0.deallocate() } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

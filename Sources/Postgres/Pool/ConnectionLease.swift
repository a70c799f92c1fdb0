import NIOConcurrencyHelpers

/// One checkout of a pool slot, shared by the `PostgresConnection` handed to a block.
///
/// Enforces what libpq needs: one statement at a time, no use after the block
/// ends, and no silent reconnect in the middle of a block (which would lose a
/// transaction without anyone noticing).
final class ConnectionLease: Sendable {
    let slot: PooledConnection
    let client: PostgresClient
    private let state = NIOLockedValueBox(State())

    private struct State {
        var ended = false
        var busy = false
        /// The block ended while a statement from an escaped handle was still running.
        var endWaiter: CheckedContinuation<Void, Never>?
        var verified = false
        var lost: PostgresError?
        /// `BEGIN …` not sent yet: it rides along with the first statement.
        var pendingBegin: String?
        /// Inside `withTransaction`: writes may wait for the next statement (``defer(_:)``).
        var inTransaction = false
        /// Writes not sent yet, in order: they go out with the next statement or the commit.
        var deferred: [DeferredWrite] = []
    }

    /// A write waiting for the next statement: one statement, or rows that go out as one.
    enum DeferredWrite: Sendable {
        case statement(LibPQConnection.Statement)
        case rows(any DeferredRows)

        func statement() throws(PostgresError) -> LibPQConnection.Statement {
            switch self {
            case .statement(let statement): statement
            case .rows(let rows): try rows.statement()
            }
        }
    }

    /// Rows of one ``PostgresBatchableWrite`` type, written by one statement when they are sent.
    protocol DeferredRows: AnyObject, Sendable {
        func statement() throws(PostgresError) -> LibPQConnection.Statement
    }

    /// A reference, so a row joins its group without copying the rows before it; changed only
    /// under the lease's lock, before the group is sent.
    final class TypedRows<Write: PostgresBatchableWrite>: DeferredRows, @unchecked Sendable {
        private var rows: [Write]

        init(_ first: Write) { rows = [first] }

        func append(_ row: Write) { rows.append(row) }

        func statement() throws(PostgresError) -> LibPQConnection.Statement {
            let (sql, parameters) = Write.statement(for: rows)
            return try LibPQConnection.Statement(sql, parameters)
        }
    }

    init(slot: PooledConnection, client: PostgresClient) {
        self.slot = slot
        self.client = client
    }

    /// Runs `operation` with the live connection on the slot's thread.
    ///
    /// `operation` receives what must go out before its own statements (`count` of them), in
    /// order: the deferred `BEGIN` (if any) and the deferred writes. It sends them in the same
    /// round trip.
    func run<T: Sendable>(
        _ sql: String,
        count: Int = 1,
        _ operation: @escaping @Sendable (LibPQConnection, _ prefix: [LibPQConnection.Statement]) throws -> T
    ) async throws -> T {
        let (verify, begin, deferred) = try state.withLockedValue { state in
            if state.ended {
                throw PostgresError.misuse(
                    "a connection was used after its withConnection/withTransaction block returned; keep all work inside the block"
                )
            }
            if state.busy {
                throw PostgresError.misuse(
                    "two statements ran at once on one connection; await each call before the next, or use separate withConnection blocks"
                )
            }
            if let lost = state.lost {
                throw PostgresError(
                    kind: .connectionLost,
                    message: "this block already lost its connection (\(lost.message)); start the work again in a new block",
                    statement: sql
                )
            }
            // Built before anything changes: rows a statement cannot be built for stay pending,
            // and the error ends the transaction.
            let deferred = try state.deferred.map { write throws(PostgresError) in try write.statement() }
            state.busy = true
            let verify = !state.verified
            state.verified = true
            let begin = state.pendingBegin
            state.pendingBegin = nil
            let pending = state.deferred
            state.deferred = []
            return (verify, begin, (deferred, pending))
        }
        let (deferredStatements, deferredWrites) = deferred
        let prefix = try (begin.map { [try LibPQConnection.Statement($0)] } ?? []) + deferredStatements
        client.statistics.sent(statements: prefix.count + count)
        let slot = self.slot
        let parameters = client.connectParameters
        let logger = client.logger
        let work: @Sendable () throws -> T = { [self] in
            let connection = try slot.acquire(parameters: parameters, verify: verify, logger: logger)
            do {
                return try operation(connection, prefix)
            } catch {
                // If BEGIN never took effect (preparing a statement failed before the pipeline
                // went out), nothing was sent: keep it and the deferred writes pending, so the
                // next statement neither runs in autocommit nor loses them.
                if let begin, connection.transactionState == .idle {
                    state.withLockedValue { state in
                        state.pendingBegin = begin
                        state.deferred = deferredWrites + state.deferred
                    }
                }
                throw error
            }
        }
        do {
            // Inside the block we normally already run on the slot's thread (it is the
            // preferred task executor), so the blocking call is made right here.
            let value = slot.thread.isCurrent ? try work() : try await slot.thread.run(work)
            finishStatement(lost: nil)
            return value
        } catch let error as PostgresError where error.isConnectionLoss {
            finishStatement(lost: error)
            throw error
        } catch {
            finishStatement(lost: nil)
            throw error
        }
    }

    private func finishStatement(lost: PostgresError?) {
        let waiter = state.withLockedValue { state in
            state.busy = false
            if let lost { state.lost = lost }
            defer { state.endWaiter = nil }
            return state.endWaiter
        }
        waiter?.resume()
    }

    /// Defers `BEGIN` to the first statement, which sends both in one round trip.
    func deferBegin(_ statement: String) {
        state.withLockedValue { state in
            state.pendingBegin = statement
            state.inTransaction = true
        }
    }

    /// Keeps a write of the open transaction to send with the next statement (or the commit);
    /// false outside a transaction, where the caller runs it at once.
    func `defer`(_ statement: LibPQConnection.Statement) throws -> Bool {
        try state.withLockedValue { state in
            try Self.checkOpen(state)
            guard state.inTransaction else { return false }
            state.deferred.append(.statement(statement))
            return true
        }
    }

    /// Keeps a row write of the open transaction like ``defer(_:)``, in one statement with the
    /// rows of its type deferred since the last deferred statement; false outside a transaction.
    func `defer`<Write: PostgresBatchableWrite>(row: Write) throws -> Bool {
        try state.withLockedValue { state in
            try Self.checkOpen(state)
            guard state.inTransaction else { return false }
            // Rows join their type's group unless a single statement came after it: those
            // stay in order with everything around them.
            for index in state.deferred.indices.reversed() {
                guard case .rows(let group) = state.deferred[index] else { break }
                if let group = group as? TypedRows<Write> {
                    group.append(row)
                    return true
                }
            }
            state.deferred.append(.rows(TypedRows(row)))
            return true
        }
    }

    private static func checkOpen(_ state: State) throws {
        if state.ended {
            throw PostgresError.misuse(
                "a connection was used after its withConnection/withTransaction block returned; keep all work inside the block"
            )
        }
    }

    /// Whether the transaction has nothing to commit: no statement went out and none waits.
    var isUntouched: Bool {
        state.withLockedValue { $0.pendingBegin != nil && $0.deferred.isEmpty }
    }

    /// Takes back a deferred `BEGIN` that was never sent (the block ran no statement) and any
    /// deferred writes (the transaction is rolled back); returns whether `BEGIN` was still pending.
    func cancelPendingBegin() -> Bool {
        state.withLockedValue { state in
            defer {
                state.pendingBegin = nil
                state.deferred = []
            }
            return state.pendingBegin != nil
        }
    }

    var hasLostConnection: Bool {
        state.withLockedValue { $0.lost != nil }
    }

    /// Marks the lease finished, waiting for a statement still running from an
    /// escaped handle; returns whether the connection was lost during the lease.
    func end() async -> Bool {
        let mustWait = state.withLockedValue { state in
            state.ended = true
            return state.busy
        }
        if mustWait {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let stillBusy = state.withLockedValue { state in
                    if state.busy { state.endWaiter = continuation }
                    return state.busy
                }
                if !stillBusy { continuation.resume() }
            }
        }
        return state.withLockedValue { $0.lost != nil }
    }
}

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
    }

    init(slot: PooledConnection, client: PostgresClient) {
        self.slot = slot
        self.client = client
    }

    /// Runs `operation` with the live connection on the slot's thread.
    ///
    /// `operation` receives the deferred `BEGIN` (if any) and must send it
    /// before its own statement.
    func run<T: Sendable>(
        _ sql: String,
        _ operation: @escaping @Sendable (LibPQConnection, _ pendingBegin: String?) throws -> T
    ) async throws -> T {
        let (verify, begin) = try state.withLockedValue { state in
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
            state.busy = true
            let verify = !state.verified
            state.verified = true
            let begin = state.pendingBegin
            state.pendingBegin = nil
            return (verify, begin)
        }
        client.statistics.statementSent(count: begin == nil ? 1 : 2)
        let slot = self.slot
        let parameters = client.connectParameters
        let logger = client.logger
        let work: @Sendable () throws -> T = { [self] in
            let connection = try slot.acquire(parameters: parameters, verify: verify, logger: logger)
            do {
                return try operation(connection, begin)
            } catch {
                // If BEGIN never took effect (e.g. a parameter was rejected before anything
                // was sent), keep it pending: the next statement must not run in autocommit.
                if let begin, connection.transactionState == .idle {
                    state.withLockedValue { $0.pendingBegin = begin }
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
        state.withLockedValue { $0.pendingBegin = statement }
    }

    /// Takes back a deferred `BEGIN` that was never sent (the block ran no statement).
    func cancelPendingBegin() -> Bool {
        state.withLockedValue { state in
            defer { state.pendingBegin = nil }
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

import Logging
import NIOConcurrencyHelpers

/// A pool of PostgreSQL connections.
///
/// ```swift
/// let client = try PostgresClient(configuration: configuration, logger: logger)
/// let count = try await client.withTransaction { tx in
///     try await tx.execute("update accounts set status = $1 where id = $2", [.text("synced"), .uuid(id)])
/// }
/// await client.shutdown()
/// ```
///
/// Connections open lazily, up to `poolSize`. libpq calls run on a dedicated
/// thread per connection, never on Swift's cooperative pool. A connection that
/// broke (server restart, network) is replaced on its next checkout; the call
/// that found it broken throws an error whose `isConnectionLoss` is true.
/// Call `shutdown()` before the last reference goes away.
public final class PostgresClient: Sendable {
    /// The configuration the pool was built with.
    public let configuration: PostgresConfiguration
    let logger: Logger
    /// Statements and transactions this client has run.
    public let statistics = PostgresStatistics()
    let connectParameters: [(keyword: String, value: String)]
    private let pool: NIOLockedValueBox<ConnectionPoolStateMachine>
    /// Every slot, leased or not; each owns one thread.
    private let slots: [PooledConnection]

    /// Creates the pool (no connection is opened until first use).
    /// Throws `invalidConfiguration` when the configuration is invalid.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "qbsync.postgres")) throws(PostgresError) {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        self.connectParameters = configuration.libpqParameters
        let slots = (0..<configuration.poolSize).map { PooledConnection(id: $0) }
        self.slots = slots
        self.pool = NIOLockedValueBox(ConnectionPoolStateMachine(slots: slots))
    }

    deinit {
        if !pool.withLockedValue(\.isClosed) {
            logger.warning("PostgresClient deinitialized without shutdown(); closing its connections without draining")
            slots.forEach { $0.thread.shutdownWithoutWaiting() }
        }
    }

    /// Runs `body` with a connection from the pool, waiting while all are busy
    /// (the wait, but not a running statement, ends early if the task is cancelled).
    ///
    /// Statements outside a transaction autocommit. If the block leaves a
    /// transaction open, the connection is closed rather than reused.
    ///
    /// Nonisolated code in `body` runs on the connection's own thread, which
    /// makes each statement a direct call. Child tasks started inside inherit
    /// that thread, so do not start parallel CPU-heavy work inside the block.
    @discardableResult
    public func withConnection<Value>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        let slot = try await checkout()
        let lease = ConnectionLease(slot: slot, client: self)
        let outcome: Result<Value, any Error>
        let connection = PostgresConnection(lease: lease)
        do {
            if #available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *) {
                outcome = .success(
                    try await withTaskExecutorPreference(slot.thread, isolation: isolation) {
                        try await body(connection)
                    }
                )
            } else {
                outcome = .success(try await body(connection))
            }
        } catch {
            outcome = .failure(error)
        }
        await checkin(lease)
        return try outcome.get()
    }

    /// Stops accepting work, waits for connections in use to come back, then
    /// closes every connection and the pool's threads. Safe to call more than once.
    public func shutdown() async {
        let action = pool.withLockedValue { $0.shutdown() }
        switch action {
        case .alreadyClosed:
            return
        case .closeNow(let slots, let waiters):
            waiters.forEach { $0.resume(throwing: PostgresError.clientShutdown) }
            await close(slots)
        case .waitForLeases(let waiters):
            waiters.forEach { $0.resume(throwing: PostgresError.clientShutdown) }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if !pool.withLockedValue({ $0.addDrainWaiter(continuation) }) {
                    continuation.resume()
                }
            }
            let slots = pool.withLockedValue { $0.takeIdleSlots() }
            await close(slots)
        }
    }

    private func close(_ idleSlots: [PooledConnection]) async {
        for slot in idleSlots where slot.isConnected {
            do {
                try await slot.thread.run { slot.discard() }
            } catch {
                slot.discard()  // its thread is gone; closing only writes a terminate message
            }
        }
        for slot in slots {
            await slot.thread.shutdown()
        }
        logger.debug("PostgreSQL pool shut down")
    }

    private func checkout() async throws -> PooledConnection {
        let immediate = pool.withLockedValue { $0.checkout(waiter: nil) }
        switch immediate {
        case .lease(let slot): return slot
        case .fail(let error): throw error
        case .wait: break
        }
        let id = pool.withLockedValue { $0.makeWaiterID() }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<PooledConnection, any Error>) in
                let action = pool.withLockedValue { pool -> ConnectionPoolStateMachine.CheckoutAction? in
                    // Checked under the lock: a cancellation either sees the waiter queued
                    // (and removes it) or happened before, and is seen here.
                    if Task.isCancelled { return nil }
                    return pool.checkout(waiter: (id, continuation))
                }
                switch action {
                case nil: continuation.resume(throwing: CancellationError())
                case .lease(let slot): continuation.resume(returning: slot)
                case .fail(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            pool.withLockedValue { $0.cancelWaiter(id: id) }?.resume(throwing: CancellationError())
        }
    }

    private func checkin(_ lease: ConnectionLease) async {
        let lost = await lease.end()
        let slot = lease.slot
        let state = slot.transactionState
        if lost || state != .idle {
            if !lost {
                logger.warning(
                    "a connection came back with an open transaction; closing it instead of reusing it",
                    metadata: ["postgres.connection": "\(slot.id)", "postgres.transaction": "\(state)"]
                )
            }
            do {
                try await slot.thread.run { slot.discard() }
            } catch {
                // The pool threads are gone (shutdown); closing here only writes a terminate message.
                slot.discard()
            }
        }
        switch pool.withLockedValue({ $0.release(slot) }) {
        case .none:
            break
        case .handOver(let waiter, let slot):
            waiter.resume(returning: slot)
        case .drained(let waiters):
            waiters.forEach { $0.resume() }
        }
    }
}

import NIOCore

/// The pool's bookkeeping: which slots are idle, who waits for one, and the
/// shutdown phase. Pure value type; callers run the returned actions
/// (resuming continuations, closing connections) outside the lock.
struct ConnectionPoolStateMachine {
    typealias Waiter = UnsafeContinuation<PooledConnection, any Error>

    private enum Phase {
        case running
        case draining
        case closed
    }

    private var phase = Phase.running
    /// Idle slots, most recently used last, so warm connections are reused first
    /// and rarely used ones are the ones that go stale.
    private var idle: [PooledConnection]
    private var waiters = CircularBuffer<(id: UInt64, continuation: Waiter)>()
    private var leasedCount = 0
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []
    private var nextWaiterID: UInt64 = 0

    init(slots: [PooledConnection]) {
        idle = slots.reversed()
    }

    enum CheckoutAction {
        case lease(PooledConnection)
        case wait
        case fail(PostgresError)
    }

    mutating func makeWaiterID() -> UInt64 {
        nextWaiterID &+= 1
        return nextWaiterID
    }

    /// Leases an idle slot; otherwise queues `waiter` (when given) in arrival order.
    mutating func checkout(waiter: (id: UInt64, continuation: Waiter)?) -> CheckoutAction {
        guard case .running = phase else { return .fail(.clientShutdown) }
        if let slot = idle.popLast() {
            leasedCount += 1
            return .lease(slot)
        }
        if let waiter {
            waiters.append(waiter)
        }
        return .wait
    }

    /// Removes a waiter whose task was cancelled; `nil` if it was already served.
    mutating func cancelWaiter(id: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).continuation
    }

    enum ReleaseAction {
        case none
        case handOver(Waiter, PooledConnection)
        case drained([CheckedContinuation<Void, Never>])
    }

    mutating func release(_ slot: PooledConnection) -> ReleaseAction {
        if let waiter = waiters.popFirst() {
            return .handOver(waiter.continuation, slot)
        }
        leasedCount -= 1
        idle.append(slot)
        if case .draining = phase, leasedCount == 0 {
            phase = .closed
            let waiting = drainWaiters
            drainWaiters = []
            return .drained(waiting)
        }
        return .none
    }

    enum ShutdownAction {
        /// Nothing is leased: close these slots now.
        case closeNow([PooledConnection], failWaiters: [Waiter])
        /// Wait for leased slots to come back (`addDrainWaiter`), then close.
        case waitForLeases(failWaiters: [Waiter])
        case alreadyClosed
    }

    mutating func shutdown() -> ShutdownAction {
        switch phase {
        case .running:
            let failed = waiters.map(\.continuation)
            waiters.removeAll()
            if leasedCount == 0 {
                phase = .closed
                let slots = idle
                idle = []
                return .closeNow(slots, failWaiters: failed)
            }
            phase = .draining
            return .waitForLeases(failWaiters: failed)
        case .draining:
            return .waitForLeases(failWaiters: [])
        case .closed:
            return .alreadyClosed
        }
    }

    /// Registers interest in the end of draining; `false` when it has already ended.
    mutating func addDrainWaiter(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        guard case .draining = phase else { return false }
        drainWaiters.append(continuation)
        return true
    }

    /// After draining: the slots to close.
    mutating func takeIdleSlots() -> [PooledConnection] {
        let slots = idle
        idle = []
        return slots
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }
}

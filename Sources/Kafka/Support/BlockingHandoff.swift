import DequeModule
import Foundation

/// The bounded hand-off between a poll thread (which may block) and async readers (which must
/// not): ``send(_:)`` waits while the buffer is full, ``next()`` suspends while it is empty.
/// Elements leave in the order they were sent; none is dropped while the hand-off is open.
final class BlockingHandoff<Element: Sendable>: @unchecked Sendable {
    private typealias Waiter = CheckedContinuation<Result<Element?, KafkaError>, Never>

    private enum State {
        case open
        /// No more elements; readers drain nothing further and then see `failure` once (if any).
        case finished(failure: KafkaError?)
    }

    private let condition = NSCondition()
    private let capacity: Int
    private var buffer: Deque<Element> = []
    private var waiters: Deque<(id: UInt64, continuation: Waiter)> = []
    private var nextWaiterID: UInt64 = 0
    private var state: State = .open

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Hands `element` to a waiting reader or buffers it, blocking the calling thread while the
    /// buffer is full. Returns `false`, without delivering, once the hand-off is finished.
    func send(_ element: Element) -> Bool {
        self.condition.lock()
        while true {
            guard case .open = self.state else {
                self.condition.unlock()
                return false
            }
            if let waiter = self.waiters.popFirst() {
                self.condition.unlock()
                waiter.continuation.resume(returning: .success(element))
                return true
            }
            if self.buffer.count < self.capacity {
                self.buffer.append(element)
                self.condition.unlock()
                return true
            }
            self.condition.wait()
        }
    }

    /// Ends the sequence. Buffered elements are discarded: the consumer is shutting down and
    /// records whose offsets were not stored are delivered again to the partitions' next owner.
    /// Readers get `failure` once if one is given, then `nil`.
    func finish(failure: KafkaError? = nil) {
        self.condition.lock()
        guard case .open = self.state else {
            self.condition.unlock()
            return
        }
        self.buffer.removeAll()
        let waiters = self.waiters
        self.waiters.removeAll()
        // A waiting reader takes the failure; otherwise the next reader will.
        if let failure, let first = waiters.first {
            self.state = .finished(failure: nil)
            self.condition.broadcast()
            self.condition.unlock()
            first.continuation.resume(returning: .failure(failure))
            for waiter in waiters.dropFirst() { waiter.continuation.resume(returning: .success(nil)) }
            return
        }
        self.state = .finished(failure: failure)
        self.condition.broadcast()
        self.condition.unlock()
        for waiter in waiters { waiter.continuation.resume(returning: .success(nil)) }
    }

    var isFinished: Bool {
        self.condition.lock()
        defer { self.condition.unlock() }
        if case .finished = self.state { return true }
        return false
    }

    /// The next element, or `nil` once finished (or when the calling task is cancelled).
    func next() async throws(KafkaError) -> Element? {
        if let ready = self.takeReady() { return try ready.get() }
        let id = self.condition.withLock {
            self.nextWaiterID &+= 1
            return self.nextWaiterID
        }
        let result: Result<Element?, KafkaError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Waiter) in
                self.condition.lock()
                // Anything may have happened since takeReady(): check again under the lock.
                if let element = self.buffer.popFirst() {
                    self.condition.signal()
                    self.condition.unlock()
                    continuation.resume(returning: .success(element))
                } else if case .finished(let failure) = self.state {
                    self.state = .finished(failure: nil)
                    self.condition.unlock()
                    continuation.resume(returning: failure.map { .failure($0) } ?? .success(nil))
                } else if Task.isCancelled {
                    self.condition.unlock()
                    continuation.resume(returning: .success(nil))
                } else {
                    self.waiters.append((id, continuation))
                    self.condition.unlock()
                }
            }
        } onCancel: {
            self.condition.lock()
            let index = self.waiters.firstIndex { $0.id == id }
            let waiter = index.map { self.waiters.remove(at: $0) }
            self.condition.unlock()
            waiter?.continuation.resume(returning: .success(nil))
        }
        return try result.get()
    }

    private func takeReady() -> Result<Element?, KafkaError>? {
        self.condition.lock()
        defer { self.condition.unlock() }
        if let element = self.buffer.popFirst() {
            self.condition.signal()
            return .success(element)
        }
        if case .finished(let failure) = self.state {
            self.state = .finished(failure: nil)
            return failure.map { .failure($0) } ?? .success(nil)
        }
        return nil
    }
}

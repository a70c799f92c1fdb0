import Foundation

/// One revocation, shared by the poll thread and the application's ``RevocationCompletion``.
///
/// The poll thread blocks in ``wait(timeout:)`` until the application completes (or abandons)
/// the revocation, or until the consumer closes; then it commits and publishes the commit's
/// outcome with ``commitFinished(_:)``, which the application may await with ``commitOutcome()``.
final class RevocationSignal: @unchecked Sendable {
    enum Outcome {
        case completed
        case abandoned
        case timedOut
    }

    private let condition = NSCondition()
    private var outcome: Outcome?
    private var commitResult: Result<Void, KafkaError>?
    private var commitWaiters: [CheckedContinuation<Result<Void, KafkaError>, Never>] = []

    func complete(_ outcome: Outcome) {
        self.condition.lock()
        if self.outcome == nil {
            self.outcome = outcome
            self.condition.broadcast()
        }
        self.condition.unlock()
    }

    /// Blocks the calling (poll) thread until completed or `timeout` passes.
    func wait(timeout: Duration) -> Outcome {
        let deadline = Date(timeIntervalSinceNow: Double(timeout.clampedMilliseconds) / 1_000)
        self.condition.lock()
        defer { self.condition.unlock() }
        while self.outcome == nil {
            if !self.condition.wait(until: deadline) { break }
        }
        return self.outcome ?? .timedOut
    }

    /// Records how the commit made for this revocation ended and wakes everyone awaiting it.
    /// Only the first call counts.
    func commitFinished(_ result: Result<Void, KafkaError>) {
        self.condition.lock()
        guard self.commitResult == nil else {
            self.condition.unlock()
            return
        }
        self.commitResult = result
        let waiters = self.commitWaiters
        self.commitWaiters = []
        self.condition.unlock()
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// The outcome of the commit made for this revocation, once the poll thread has made it.
    func commitOutcome() async -> Result<Void, KafkaError> {
        await withCheckedContinuation { continuation in
            self.condition.lock()
            if let result = self.commitResult {
                self.condition.unlock()
                continuation.resume(returning: result)
            } else {
                self.commitWaiters.append(continuation)
                self.condition.unlock()
            }
        }
    }
}

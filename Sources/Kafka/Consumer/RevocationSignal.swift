import Foundation

/// The poll thread's side of a revocation: it blocks in ``wait(timeout:)`` until the application
/// completes (or abandons) the revocation, or until the consumer closes.
final class RevocationSignal: @unchecked Sendable {
    enum Outcome {
        case completed
        case abandoned
        case timedOut
    }

    private let condition = NSCondition()
    private var outcome: Outcome?

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
}

import Foundation

/// How an operation that can fail transiently is retried: how many attempts, how long to wait
/// between them, how much those waits are spread, and how long the whole may take.
///
/// One policy type serves every retry in the worker (processing a message, a QuickBooks call,
/// committing offsets, waiting for PostgreSQL at start) and the delay of a retry scheduled for
/// later (an account or document parked until QuickBooks returns).
public struct RetryPolicy: Sendable, Hashable {
    /// How each wait is drawn from its exponential step.
    public enum Jitter: Sendable, Hashable {
        /// Exactly the step: for one caller retrying alone (a commit on the poll thread).
        case none
        /// Half to all of the step, at random: many callers that failed together (accounts of a
        /// QuickBooks that went away) come back spread out, and each still waits at least half.
        case equal
    }

    /// Attempts in all, the first included; nil retries until the operation succeeds, the
    /// budget is spent or the task is cancelled.
    public var maxAttempts: Int?
    /// The wait after the first failure; each further failure doubles it, up to `maxDelay`.
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var jitter: Jitter
    /// How long, from the first attempt, retrying may go on: a wait that would end past it is
    /// shortened to end there, and none is started once it has passed. Nil: no limit.
    public var budget: Duration?

    public init(maxAttempts: Int? = nil, baseDelay: Duration, maxDelay: Duration, jitter: Jitter = .equal, budget: Duration? = nil) {
        precondition(maxAttempts.map { $0 >= 1 } ?? true, "a retry policy makes at least one attempt")
        precondition(baseDelay >= .zero && maxDelay >= baseDelay, "a retry policy's delays must satisfy 0 ≤ base ≤ max")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.budget = budget
    }

    /// The wait before retry number `retry` (1 after the first failure): the base doubled for
    /// each retry before it, capped at `maxDelay`, then jittered.
    public func delay(beforeRetry retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let step = min(baseDelay * (1 << exponent), maxDelay)
        switch jitter {
        case .none: return step
        case .equal: return step * Double.random(in: 0.5...1.0)
        }
    }

    /// Runs `operation` (given its attempt number, from 1) until it returns, or throws an error
    /// that is not `transient`, or the attempts or the budget run out, or the task is cancelled;
    /// then rethrows the last error. `willRetry` sees each failure that is retried, with the
    /// wait before the next attempt.
    public func run<Value, Failure: Error>(
        transient: (Failure) -> Bool = { _ in true },
        willRetry: (_ error: Failure, _ attempt: Int, _ delay: Duration) -> Void = { _, _, _ in },
        _ operation: (_ attempt: Int) async throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        let started = ContinuousClock.now
        var attempt = 1
        while true {
            do {
                return try await operation(attempt)
            } catch {
                guard let delay = nextDelay(after: error, attempt: attempt, started: started, transient: transient),
                    !Task.isCancelled
                else { throw error }
                willRetry(error, attempt, delay)
                let failure = error
                do { try await Task.sleep(for: delay) } catch { throw failure }  // cancelled while waiting
                attempt += 1
            }
        }
    }

    /// ``run(transient:willRetry:_:)`` for a synchronous operation on a thread of its own (the
    /// Kafka poll thread): the waits block the thread.
    public func runBlocking<Value, Failure: Error>(
        transient: (Failure) -> Bool = { _ in true },
        willRetry: (_ error: Failure, _ attempt: Int, _ delay: Duration) -> Void = { _, _, _ in },
        _ operation: (_ attempt: Int) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        let started = ContinuousClock.now
        var attempt = 1
        while true {
            do {
                return try operation(attempt)
            } catch {
                guard let delay = nextDelay(after: error, attempt: attempt, started: started, transient: transient) else { throw error }
                willRetry(error, attempt, delay)
                Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                attempt += 1
            }
        }
    }

    /// The wait before the next attempt, or nil when `error` ends the retrying.
    private func nextDelay<Failure>(
        after error: Failure, attempt: Int, started: ContinuousClock.Instant,
        transient: (Failure) -> Bool
    ) -> Duration? {
        guard transient(error), maxAttempts.map({ attempt < $0 }) ?? true else { return nil }
        let delay = self.delay(beforeRetry: attempt)
        guard let budget else { return delay }
        let left = started + budget - ContinuousClock.now
        guard left > .zero else { return nil }
        return min(delay, left)
    }
}

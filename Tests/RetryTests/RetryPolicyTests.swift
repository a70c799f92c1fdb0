import Retry
import Testing

@Suite("One retry policy: attempts, backoff, jitter, transient errors, budget, cancellation")
struct RetryPolicyTests {
    struct Failure: Error, Equatable {
        var attempt: Int
        var transient = true
    }

    private let quick = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(4))

    @Test("without jitter each wait doubles the one before, up to the cap")
    func exponentialSteps() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(1), jitter: .none)
        #expect(
            (1...6).map(policy.delay(beforeRetry:)) == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400),
                .milliseconds(800), .seconds(1), .seconds(1),
            ])
        #expect(policy.delay(beforeRetry: 10_000) == .seconds(1))
    }

    @Test("equal jitter draws from half to all of each step")
    func equalJitter() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(5), jitter: .equal)
        for retry in 1...6 {
            let step = min(Duration.milliseconds(100) * (1 << (retry - 1)), .seconds(5))
            let draws = (0..<200).map { _ in policy.delay(beforeRetry: retry) }
            #expect(draws.allSatisfy { $0 >= step / 2 && $0 <= step })
            #expect(Set(draws).count > 1)
        }
    }

    @Test("transient failures are retried until the operation succeeds, each one reported with its wait")
    func retriesUntilSuccess() async throws {
        var reported: [Int] = []
        let value = try await quick.run(willRetry: { (error: Failure, attempt, delay) in
            #expect(error.attempt == attempt)
            #expect(delay <= .milliseconds(4))
            reported.append(attempt)
        }) { (attempt) throws(Failure) -> String in
            guard attempt == 3 else { throw Failure(attempt: attempt) }
            return "done on \(attempt)"
        }
        #expect(value == "done on 3")
        #expect(reported == [1, 2])
    }

    @Test("the last error is rethrown, typed, once the attempts run out")
    func attemptsRunOut() async {
        var attempts = 0
        await #expect(throws: Failure(attempt: 4)) {
            try await quick.run { (attempt) throws(Failure) in
                attempts += 1
                throw Failure(attempt: attempt)
            }
        }
        #expect(attempts == 4)
    }

    @Test("an error that is not transient ends the retrying at once")
    func permanentError() async {
        var attempts = 0
        await #expect(throws: Failure(attempt: 2, transient: false)) {
            try await quick.run(transient: { (error: Failure) in error.transient }) { (attempt) throws(Failure) in
                attempts += 1
                throw Failure(attempt: attempt, transient: attempt < 2)
            }
        }
        #expect(attempts == 2)
    }

    @Test("a budget ends the retrying: the last wait is cut to end at the budget, and none starts after it")
    func budget() async {
        let policy = RetryPolicy(baseDelay: .milliseconds(20), maxDelay: .seconds(10), jitter: .none, budget: .milliseconds(100))
        var waits: [Duration] = []
        let started = ContinuousClock.now
        await #expect(throws: Failure.self) {
            try await policy.run(willRetry: { (_: Failure, _, delay) in waits.append(delay) }) { (attempt) throws(Failure) in
                throw Failure(attempt: attempt)
            }
        }
        // It gives up only once the budget has passed, and its waits never add up to more than
        // the budget: the last one (whichever it is on a loaded machine) is cut to fit.
        #expect(ContinuousClock.now - started >= .milliseconds(100))
        #expect(waits.first == .milliseconds(20))
        #expect(waits.reduce(.zero, +) <= .milliseconds(100))
        for (index, wait) in waits.enumerated() { #expect(wait <= policy.delay(beforeRetry: index + 1)) }
    }

    @Test("cancelling the task during a wait ends the retrying with the last error")
    func cancellation() async {
        let policy = RetryPolicy(baseDelay: .seconds(3600), maxDelay: .seconds(3600))
        let (waiting, signal) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            try await policy.run(willRetry: { (_: Failure, _, _) in signal.yield() }) { (attempt) throws(Failure) -> Int in
                throw Failure(attempt: attempt)
            }
        }
        for await _ in waiting { break }
        task.cancel()
        await #expect(throws: Failure(attempt: 1)) { try await task.value }
    }

    @Test("the blocking form retries the same way on its own thread")
    func blocking() throws {
        var attempts = 0
        #expect(throws: Failure(attempt: 4)) {
            try quick.runBlocking { (attempt) throws(Failure) in
                attempts += 1
                throw Failure(attempt: attempt)
            }
        }
        #expect(attempts == 4)
        let value = try quick.runBlocking { (attempt) throws(Failure) -> Int in
            guard attempt > 1 else { throw Failure(attempt: attempt) }
            return attempt
        }
        #expect(value == 2)
    }
}

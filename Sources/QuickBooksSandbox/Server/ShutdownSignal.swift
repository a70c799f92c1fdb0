import NIOConcurrencyHelpers

/// Lets requests that are being held (injected latency, "timeouts") end as soon as the sandbox
/// shuts down, so a graceful shutdown never waits out a 60-second hold.
final class ShutdownSignal: Sendable {
    private let triggered = NIOLockedValueBox(false)

    var isTriggered: Bool { triggered.withLockedValue { $0 } }

    func trigger() {
        triggered.withLockedValue { $0 = true }
    }

    /// Waits for the duration, or less if the sandbox shuts down, the task is cancelled or
    /// `stillWanted` turns false.
    func hold(
        for duration: Duration, clock: ContinuousClock = ContinuousClock(), while stillWanted: () -> Bool = { true }
    ) async {
        let deadline = clock.now + duration
        while !isTriggered, stillWanted() {
            let remaining = deadline - clock.now
            guard remaining > .zero else { return }
            do {
                // Short naps so a shutdown is noticed quickly.
                try await Task.sleep(for: min(remaining, .milliseconds(50)))
            } catch {
                return  // cancelled: the client went away or the server is stopping
            }
        }
    }
}

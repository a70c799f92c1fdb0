import NIOConcurrencyHelpers

/// QuickBooks' per-realm limits (requests and batch requests per window, requests in flight)
/// and the realm's counters.
///
/// The window is a fixed window that opens with the first request after the previous one
/// closed, so a burst of exactly `requestsPerWindow` requests always fits and the next one is
/// refused until the window ends.
final class RealmTraffic: Sendable {
    struct Limits: Sendable {
        let window: Duration
        let requestsPerWindow: Int
        let batchRequestsPerWindow: Int
        let maxInFlight: Int
    }

    enum Refusal: Sendable, Equatable {
        case window
        case batchWindow
        case concurrency
        case forced
    }

    private struct State {
        var counters = SandboxCounters()
        var windowStart: ContinuousClock.Instant?
        var windowRequests = 0
        var windowBatches = 0
        var inFlight = 0
    }

    private let state = NIOLockedValueBox(State())
    let limits: Limits

    init(limits: Limits) {
        self.limits = limits
    }

    /// Counts the request and admits it, or says why it gets a 429. An admitted request must be
    /// ended with ``finish()``.
    func admit(isBatch: Bool, forced: Bool, now: ContinuousClock.Instant) -> Refusal? {
        state.withLockedValue { state in
            state.counters.requests += 1
            if isBatch { state.counters.batchRequests += 1 }
            if let start = state.windowStart, now - start < limits.window {
                // still inside the current window
            } else {
                state.windowStart = now
                state.windowRequests = 0
                state.windowBatches = 0
            }
            let refusal: Refusal?
            if forced {
                refusal = .forced
            } else if state.inFlight >= limits.maxInFlight {
                refusal = .concurrency
            } else if state.windowRequests >= limits.requestsPerWindow {
                refusal = .window
            } else if isBatch, state.windowBatches >= limits.batchRequestsPerWindow {
                refusal = .batchWindow
            } else {
                refusal = nil
            }
            guard let refusal else {
                state.windowRequests += 1
                if isBatch { state.windowBatches += 1 }
                state.inFlight += 1
                state.counters.inFlight = state.inFlight
                state.counters.peakInFlight = max(state.counters.peakInFlight, state.inFlight)
                return nil
            }
            state.counters.throttled += 1
            switch refusal {
            case .window: state.counters.throttledByWindow += 1
            case .batchWindow: state.counters.throttledByBatchWindow += 1
            case .concurrency: state.counters.throttledByConcurrency += 1
            case .forced: state.counters.forced429s += 1
            }
            return refusal
        }
    }

    /// Counts a request that never reached the limiter (refused before, e.g. for its token).
    func countUnadmitted(_ update: (inout SandboxCounters) -> Void) {
        state.withLockedValue { state in
            state.counters.requests += 1
            update(&state.counters)
        }
    }

    func finish() {
        state.withLockedValue { state in
            state.inFlight -= 1
            state.counters.inFlight = state.inFlight
        }
    }

    func record(_ update: (inout SandboxCounters) -> Void) {
        state.withLockedValue { update(&$0.counters) }
    }

    var counters: SandboxCounters {
        state.withLockedValue { $0.counters }
    }

    /// Zeroes the counters; requests in flight stay counted as in flight.
    func resetCounters() {
        state.withLockedValue { state in
            state.counters = SandboxCounters()
            state.counters.inFlight = state.inFlight
        }
    }
}

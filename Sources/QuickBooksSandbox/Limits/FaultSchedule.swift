import NIOConcurrencyHelpers

/// Fault-injection settings in force (for all realms, or one realm's override), with the
/// outage window pinned to clock time and the forced-429 budget being spent.
final class FaultSchedule: Sendable {
    /// What to do to one request.
    struct Plan: Sendable {
        var latency: Duration = .zero
        var forced429 = false
        var outage = false
        var serverError = false
        /// Hold the request this long, then answer 504.
        var timeout: Duration?
        var timeoutAfterWrite = true
        var throttleBodyFormat: SandboxFaults.ThrottleBodyFormat = .json
        /// Which settings decided this plan; holds end when the settings change.
        var generation = 0
    }

    private struct State {
        var faults: SandboxFaults
        var outage: Range<ContinuousClock.Instant>?
        var forcedRemaining: Int
        var generation = 0
    }

    private let state: NIOLockedValueBox<State>

    init(_ faults: SandboxFaults, now: ContinuousClock.Instant) {
        state = NIOLockedValueBox(Self.pinned(faults, now: now))
    }

    func replace(with faults: SandboxFaults, now: ContinuousClock.Instant) {
        state.withLockedValue { state in
            let generation = state.generation + 1
            state = Self.pinned(faults, now: now)
            state.generation = generation
        }
    }

    /// Changes with every ``replace(with:now:)``.
    var generation: Int {
        state.withLockedValue { $0.generation }
    }

    /// The settings as they stand now: a remaining outage relative to now, the forced 429s left.
    func current(now: ContinuousClock.Instant) -> SandboxFaults {
        state.withLockedValue { state in
            var faults = state.faults
            faults.forced429Count = state.forcedRemaining
            if let outage = state.outage, outage.upperBound > now {
                faults.outage = .init(
                    startsAfter: max(.zero, outage.lowerBound - now),
                    duration: outage.upperBound - max(outage.lowerBound, now))
            } else {
                faults.outage = nil
            }
            return faults
        }
    }

    /// Decides the fate of one request, spending one forced 429 if any are left.
    func plan(now: ContinuousClock.Instant) -> Plan {
        state.withLockedValue { state in
            let faults = state.faults
            var plan = Plan()
            plan.throttleBodyFormat = faults.throttleBodyFormat
            plan.generation = state.generation
            if state.forcedRemaining > 0 {
                state.forcedRemaining -= 1
                plan.forced429 = true
                return plan
            }
            if let outage = state.outage, outage.contains(now) {
                plan.outage = true
                return plan
            }
            var random = SystemRandomNumberGenerator()
            if faults.serverErrorRate > 0, Double.random(in: 0..<1, using: &random) < faults.serverErrorRate {
                plan.serverError = true
                return plan
            }
            switch faults.latency {
            case .none: break
            case .fixed(let delay): plan.latency = delay
            case .uniform(let low, let high):
                let span = Double((high - low).components.seconds) + Double((high - low).components.attoseconds) / 1e18
                plan.latency = low + .seconds(Double.random(in: 0...max(0, span), using: &random))
            }
            if faults.timeoutRate > 0, Double.random(in: 0..<1, using: &random) < faults.timeoutRate {
                plan.timeout = faults.timeoutHold
                plan.timeoutAfterWrite = faults.timeoutAfterWrite
            }
            return plan
        }
    }

    private static func pinned(_ faults: SandboxFaults, now: ContinuousClock.Instant) -> State {
        let outage = faults.outage.map {
            ($0.startsAfter > .zero ? now + $0.startsAfter : now)..<(now + $0.startsAfter + $0.duration)
        }
        return State(faults: faults, outage: outage, forcedRemaining: faults.forced429Count)
    }
}

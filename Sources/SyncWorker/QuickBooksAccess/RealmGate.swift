import DequeModule
import QuickBooks

/// Keeps each QuickBooks company (realm) inside its limits from this worker's side, so the
/// worker drains a backlog at QuickBooks' pace instead of collecting 429s.
///
/// Because the Kafka key is the firm, one worker owns a realm at a time and can hold the realm's
/// budget locally: at most `maxInFlight` concurrent calls, at most `requestsPerWindow` calls in any
/// sliding `window`, and after a 429 the whole realm waits, not just the request that got it.
actor RealmGate {
    struct Limits: Sendable {
        var maxInFlight = 10
        var requestsPerWindow = 500
        var window: Duration = .seconds(60)
        /// Added to the window so arrival-time jitter at QuickBooks cannot push a call into the
        /// previous window.
        var margin: Duration = .milliseconds(500)
    }

    private struct Realm {
        var inFlight = 0
        var waiting: Deque<(id: Int, continuation: CheckedContinuation<Void, Never>)> = []
        var recent: Deque<ContinuousClock.Instant> = []
        var pausedUntil: ContinuousClock.Instant?
    }

    private let limits: Limits
    private let clock = ContinuousClock()
    private var realms: [String: Realm] = [:]
    private var nextWaiter = 0

    init(limits: Limits) {
        self.limits = limits
    }

    /// Waits until a call to `realm` is allowed, then counts it. Pair with ``release(_:)``.
    func acquire(_ realm: String) async throws {
        while true {
            let now = clock.now
            var state = realms[realm, default: Realm()]
            if let until = state.pausedUntil, until > now {
                try await clock.sleep(until: until)
                continue
            }
            let horizon = now - limits.window - limits.margin
            while let first = state.recent.first, first <= horizon { state.recent.removeFirst() }
            if state.recent.count >= limits.requestsPerWindow, let oldest = state.recent.first {
                realms[realm] = state
                try await clock.sleep(until: oldest + limits.window + limits.margin)
                continue
            }
            if state.inFlight >= limits.maxInFlight {
                realms[realm] = state
                try await waitForSlot(realm)
                continue
            }
            state.inFlight += 1
            state.recent.append(now)
            realms[realm] = state
            return
        }
    }

    func release(_ realm: String) {
        guard var state = realms[realm] else { return }
        state.inFlight -= 1
        let next = state.waiting.popFirst()
        realms[realm] = state
        next?.continuation.resume()
    }

    /// Waits for a release; a cancelled caller stops waiting (shutdown must not hang on a busy realm).
    private func waitForSlot(_ realm: String) async throws {
        nextWaiter += 1
        let id = nextWaiter
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { continuation.resume() } else { realms[realm, default: Realm()].waiting.append((id, continuation)) }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id, realm: realm) }
        }
        try Task.checkCancellation()
    }

    private func cancelWaiter(_ id: Int, realm: String) {
        guard let index = realms[realm]?.waiting.firstIndex(where: { $0.id == id }) else { return }
        realms[realm]?.waiting.remove(at: index).continuation.resume()
    }

    /// Calls waiting for an in-flight slot (for tests and metrics).
    func waitingCount(_ realm: String) -> Int {
        realms[realm]?.waiting.count ?? 0
    }

    /// How much of their budgets this worker's realms use now, for metrics. Realms with nothing
    /// recent, in flight, waiting or paused are forgotten on the way (their state is empty).
    func usage() -> RealmUsage {
        let now = clock.now
        let horizon = now - limits.window - limits.margin
        var usage = RealmUsage()
        for (realm, var state) in realms {
            while let first = state.recent.first, first <= horizon { state.recent.removeFirst() }
            let paused = state.pausedUntil.map { $0 > now } ?? false
            if state.recent.isEmpty && state.inFlight == 0 && state.waiting.isEmpty && !paused {
                realms[realm] = nil
                continue
            }
            realms[realm] = state
            usage.busiestWindowRatio = max(usage.busiestWindowRatio, Double(state.recent.count) / Double(limits.requestsPerWindow))
            if paused || state.recent.count >= limits.requestsPerWindow { usage.realmsAtLimit += 1 }
            usage.callsWaiting += state.waiting.count
            usage.realmsActive += 1
        }
        return usage
    }

    /// QuickBooks said 429: nobody calls this realm until the pause is over.
    func pause(_ realm: String, for duration: Duration) {
        let until = clock.now + duration
        if let current = realms[realm]?.pausedUntil, current >= until { return }
        realms[realm, default: Realm()].pausedUntil = until
    }
}

/// What ``RealmGate/usage()`` reports.
struct RealmUsage: Sendable, Equatable {
    /// Requests in the current window over the limit, for the busiest realm (0–1).
    var busiestWindowRatio = 0.0
    /// Realms at their request limit or resting after a 429.
    var realmsAtLimit = 0
    /// Calls waiting for one of the realm's in-flight slots.
    var callsWaiting = 0
    /// Realms with any recent call.
    var realmsActive = 0
}

extension RealmGate: RequestLimiter {
    func acquire(realmID: String) async throws { try await acquire(realmID) }
    func release(realmID: String) async { release(realmID) }
}

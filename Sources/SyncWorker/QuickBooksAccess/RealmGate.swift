import DequeModule
import QuickBooks

/// Keeps each QuickBooks company (realm) inside its limits, so workers drain a backlog at
/// QuickBooks' pace instead of collecting 429s: at most `maxInFlight` concurrent calls, at most
/// `requestsPerWindow` calls in any sliding `window` (of which at most `batchesPerWindow` batch
/// requests), and after a 429 the whole realm waits, not just the request that got it. Single
/// requests leave room in the window for the batch requests still allowed, so a realm whose
/// single budget is spent can still drain its backlog 30 writes a request.
///
/// With ``RealmLeases`` (as workers run) the budget is the consumer group's, not this worker's:
/// it calls a realm only while it holds the realm's lease, starting from the window the previous
/// holder recorded, and lets the lease go when it is idle or another worker asks for it.
actor RealmGate {
    struct Limits: Sendable {
        var maxInFlight = 10
        var requestsPerWindow = 500
        var window: Duration = .seconds(60)
        /// Batch requests among `requestsPerWindow`; 0 when the worker does not batch.
        var batchesPerWindow = 0
        /// Added to the window so arrival-time jitter at QuickBooks cannot push a call into the
        /// previous window.
        var margin: Duration = .milliseconds(500)
    }

    fileprivate struct Realm {
        var inFlight = 0
        var waiting: Deque<Waiter> = []
        var recent: Deque<ContinuousClock.Instant> = []
        /// The batch requests among `recent`.
        var recentBatches: Deque<ContinuousClock.Instant> = []
        var pausedUntil: ContinuousClock.Instant?
        var lease = Lease.none
        /// Calls not yet recorded in the shared window.
        var unrecorded: [RecordedCall] = []
        var lastCall: ContinuousClock.Instant?
        /// Callers waiting for the window to free (or a 429's pause to end): the lease stays.
        var windowWaiters = 0
        /// Callers waiting while the lease is being taken or handed over.
        var leaseWaiters: Deque<Waiter> = []
    }

    fileprivate typealias Waiter = (id: Int, continuation: CheckedContinuation<Void, Never>)

    fileprivate enum Lease {
        case none
        /// A caller is taking it; the others wait for the outcome.
        case taking
        case held(since: ContinuousClock.Instant, renewAt: ContinuousClock.Instant)
        /// Another worker asked for it: no new calls; it goes once the calls in flight are done.
        case handingOver
    }

    private let limits: Limits
    private let leases: RealmLeases?
    private let clock = ContinuousClock()
    private var realms: [String: Realm] = [:]
    private var nextWaiter = 0
    /// A held lease is renewed (and the calls made recorded) this often.
    private let renewEvery: Duration = .seconds(2)
    /// A lease nobody uses or waits for for this long is let go.
    private let idleRelease: Duration = .seconds(1)

    init(limits: Limits, leases: RealmLeases? = nil) {
        self.limits = limits
        self.leases = leases
    }

    /// Waits until a call of `kind` to `realm` is allowed, then counts it. Pair with ``release(_:)``.
    func acquire(_ realm: String, kind: RequestKind = .single) async throws {
        while true {
            if let leases, try await !holdLease(realm, leases) { continue }
            let now = clock.now
            var state = realms[realm, default: Realm()]
            if let until = state.pausedUntil, until > now {
                try await waitForWindow(realm, until: until)
                continue
            }
            state.forget(before: now - limits.window - limits.margin)
            if let wait = state.windowFull(for: kind, limits) {
                realms[realm] = state
                try await waitForWindow(realm, until: wait + limits.window + limits.margin)
                continue
            }
            if state.inFlight >= limits.maxInFlight {
                realms[realm] = state
                try await waitForSlot(realm)
                continue
            }
            state.inFlight += 1
            state.recent.append(now)
            if kind == .batch { state.recentBatches.append(now) }
            if leases != nil {
                state.unrecorded.append(RecordedCall(at: now, batch: kind == .batch))
                state.lastCall = now
            }
            realms[realm] = state
            return
        }
    }

    /// Sleeps until `until`, counted as a caller of the realm (its lease is not idle meanwhile).
    private func waitForWindow(_ realm: String, until: ContinuousClock.Instant) async throws {
        realms[realm, default: Realm()].windowWaiters += 1
        defer { realms[realm, default: Realm()].windowWaiters -= 1 }
        try await clock.sleep(until: until)
    }

    /// True once this worker holds the realm's lease; false after waiting (ask again).
    private func holdLease(_ realm: String, _ leases: RealmLeases) async throws -> Bool {
        switch realms[realm, default: Realm()].lease {
        case .held:
            return true
        case .taking, .handingOver:
            try await waitForLeaseChange(realm)
            return false
        case .none:
            setLease(realm, .taking)
            let ages: RealmLeases.Window?
            do {
                ages = try await leases.take(realm)
            } catch {
                setLease(realm, .none)
                throw error
            }
            guard let window = ages else {
                setLease(realm, .none)
                try await clock.sleep(for: .milliseconds(100))  // another worker holds it and knows this one waits
                return false
            }
            let now = clock.now
            realms[realm, default: Realm()].recent = Deque(window.all.map { now - $0 }.sorted())
            realms[realm, default: Realm()].recentBatches = Deque(window.batches.map { now - $0 }.sorted())
            realms[realm, default: Realm()].unrecorded = []
            setLease(realm, .held(since: now, renewAt: now + renewEvery))
            return true
        }
    }

    /// Changes the lease's state; callers waiting for a change go on.
    private func setLease(_ realm: String, _ lease: Lease) {
        realms[realm, default: Realm()].lease = lease
        switch lease {
        case .held, .none:
            let waiters = realms[realm]?.leaseWaiters ?? []
            realms[realm]?.leaseWaiters = []
            for waiter in waiters { waiter.continuation.resume() }
        case .taking, .handingOver:
            break
        }
    }

    private func waitForLeaseChange(_ realm: String) async throws {
        try await wait(in: .leaseChange, of: realm)
    }

    /// Renews the leases in use, records their calls, hands over the ones another worker waits
    /// for and lets idle ones go. Run every few hundred milliseconds (``RealmLeaseKeeper``).
    func maintainLeases() async {
        guard let leases else { return }
        for realm in Array(realms.keys) {
            let now = clock.now
            guard let state = realms[realm] else { continue }
            switch state.lease {
            case .held(let since, let renewAt):
                let idle =
                    state.inFlight == 0 && state.waiting.isEmpty && state.windowWaiters == 0 && state.leaseWaiters.isEmpty
                    && state.lastCall.map { now - $0 >= idleRelease } ?? true
                if idle {
                    await letGo(realm, leases)
                } else if now >= renewAt {
                    let calls = takeUnrecorded(realm, at: now)
                    do {
                        let (held, wanted) = try await leases.renew(realm, calls: calls.recorded)
                        guard case .held? = realms[realm]?.lease else { continue }
                        if !held {
                            setLease(realm, .none)  // lapsed: the next call takes it again
                        } else if wanted && clock.now - since >= leases.fairShare {
                            setLease(realm, .handingOver)
                        } else {
                            setLease(realm, .held(since: since, renewAt: clock.now + renewEvery))
                        }
                    } catch {
                        realms[realm]?.unrecorded.insert(contentsOf: calls.calls, at: 0)
                    }
                }
            case .handingOver where state.inFlight == 0:
                await letGo(realm, leases)
            default:
                break
            }
        }
    }

    /// Records and releases every lease this worker holds (at shutdown).
    func releaseLeases() async {
        guard let leases else { return }
        for (realm, state) in realms {
            switch state.lease {
            case .held, .handingOver: await letGo(realm, leases)
            case .none, .taking: break
            }
        }
    }

    private func letGo(_ realm: String, _ leases: RealmLeases) async {
        let calls = takeUnrecorded(realm, at: clock.now)
        setLease(realm, .handingOver)
        do {
            try await leases.release(realm, calls: calls.recorded)
        } catch {
            // Not recorded: the lease lapses by itself; the next holder's window misses these calls.
        }
        setLease(realm, .none)
    }

    private func takeUnrecorded(_ realm: String, at now: ContinuousClock.Instant) -> (calls: [RecordedCall], recorded: RealmLeases.Window) {
        let calls = realms[realm]?.unrecorded ?? []
        realms[realm]?.unrecorded = []
        return (
            calls,
            RealmLeases.Window(singles: calls.filter { !$0.batch }.map { now - $0.at }, batches: calls.filter(\.batch).map { now - $0.at })
        )
    }

    /// What the realm's window still allows, as this worker knows it: single requests (after
    /// the room kept for the batch requests still allowed) and batch requests. Calls in flight
    /// are not counted here; ``acquire(_:kind:)`` waits for a free one.
    ///
    /// With leases it first takes the realm's lease (waiting while another worker holds it), so
    /// that the window it reads is the consumer group's.
    func budget(_ realm: String) async throws -> Budget {
        if let leases { while try await !holdLease(realm, leases) {} }
        var state = realms[realm, default: Realm()]
        if let until = state.pausedUntil, until > clock.now { return Budget(singles: 0, batches: 0, roomAt: until) }
        state.forget(before: clock.now - limits.window - limits.margin)
        realms[realm] = state
        let budget = Budget(singles: state.singlesLeft(limits), batches: state.batchesLeft(limits))
        guard budget.singles == 0, budget.batches == 0, let oldest = state.recent.first else { return budget }
        return Budget(singles: 0, batches: 0, roomAt: oldest + limits.window + limits.margin)
    }

    /// What a realm's window still allows (see ``budget(_:)``).
    struct Budget: Sendable, Equatable {
        var singles: Int
        var batches: Int
        /// When neither is left: when the window will have room again.
        var roomAt: ContinuousClock.Instant?
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
        try await wait(in: .slot, of: realm)
    }

    /// What a caller waits for: an in-flight slot, or the lease to be taken or handed over.
    private enum Queue: Sendable {
        case slot, leaseChange

        var path: WritableKeyPath<Realm, Deque<Waiter>> {
            switch self {
            case .slot: \.waiting
            case .leaseChange: \.leaseWaiters
            }
        }
    }

    /// Waits in one of the realm's queues until resumed from it, or cancelled.
    private func wait(in queue: Queue, of realm: String) async throws {
        nextWaiter += 1
        let id = nextWaiter
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    realms[realm, default: Realm()][keyPath: queue.path].append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id, in: queue, of: realm) }
        }
        try Task.checkCancellation()
    }

    private func cancelWaiter(_ id: Int, in queue: Queue, of realm: String) {
        guard let index = realms[realm]?[keyPath: queue.path].firstIndex(where: { $0.id == id }) else { return }
        realms[realm]?[keyPath: queue.path].remove(at: index).continuation.resume()
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
            state.forget(before: horizon)
            let paused = state.pausedUntil.map { $0 > now } ?? false
            var leased = false
            switch state.lease {
            case .none: break
            case .taking, .held, .handingOver: leased = true
            }
            if leased { usage.leasesHeld += 1 }
            if state.recent.isEmpty && state.inFlight == 0 && state.waiting.isEmpty && !paused && !leased {
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
    /// Realm leases this worker holds.
    var leasesHeld = 0
}

/// A call made under a realm lease, not yet recorded in the shared window.
private struct RecordedCall: Sendable {
    var at: ContinuousClock.Instant
    var batch: Bool
}

extension RealmGate.Realm {
    mutating func forget(before horizon: ContinuousClock.Instant) {
        while let first = recent.first, first <= horizon { recent.removeFirst() }
        while let first = recentBatches.first, first <= horizon { recentBatches.removeFirst() }
    }

    func batchesLeft(_ limits: RealmGate.Limits) -> Int {
        max(0, min(limits.batchesPerWindow - recentBatches.count, limits.requestsPerWindow - recent.count))
    }

    func singlesLeft(_ limits: RealmGate.Limits) -> Int {
        max(0, limits.requestsPerWindow - recent.count - max(0, limits.batchesPerWindow - recentBatches.count))
    }

    /// When the window has no room for a call of `kind`: the instant whose leaving the window
    /// makes room (the oldest call, or the oldest batch).
    func windowFull(for kind: RequestKind, _ limits: RealmGate.Limits) -> ContinuousClock.Instant? {
        switch kind {
        case .single:
            guard singlesLeft(limits) == 0 else { return nil }
            return recent.first ?? recentBatches.first
        case .batch:
            guard batchesLeft(limits) == 0 else { return nil }
            if recent.count >= limits.requestsPerWindow { return recent.first }
            return recentBatches.first
        }
    }
}

extension RealmGate: RequestLimiter {
    func acquire(realmID: String, kind: RequestKind) async throws { try await acquire(realmID, kind: kind) }
    func release(realmID: String) async { release(realmID) }
}

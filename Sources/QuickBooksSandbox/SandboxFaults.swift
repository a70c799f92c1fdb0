/// Failures and slowness the sandbox injects into API calls (`/v3/company/…`), so that a client's
/// retry, backoff and idempotency paths run against something that misbehaves like QuickBooks.
///
/// Applies to API calls only; the token endpoint and the admin API are never disturbed.
public struct SandboxFaults: Sendable, Equatable {
    /// Extra time before the sandbox starts working on a request.
    public enum Latency: Sendable, Equatable {
        case none
        case fixed(Duration)
        /// Uniformly random between the bounds.
        case uniform(min: Duration, max: Duration)
    }

    /// A period during which every API call answers 503, relative to when the faults are applied.
    public struct Outage: Sendable, Equatable {
        public var startsAfter: Duration
        public var duration: Duration

        public init(startsAfter: Duration = .zero, duration: Duration) {
            self.startsAfter = startsAfter
            self.duration = duration
        }
    }

    /// The body of a 429 answer. QuickBooks sometimes answers throttling with XML even to a client
    /// that asked for JSON; `.xml` reproduces that quirk.
    public enum ThrottleBodyFormat: String, Sendable, Equatable, Codable {
        case json
        case xml
    }

    /// Added before every API call is worked on (it counts as in flight).
    public var latency: Latency
    /// Share of API calls (0…1) that fail with HTTP 500 SystemFault 10000 before doing anything.
    public var serverErrorRate: Double
    /// Share of API calls (0…1) that get no answer for ``timeoutHold``, then a 504.
    public var timeoutRate: Double
    /// How long a "timed out" call is held. Make it longer than the client's own timeout.
    public var timeoutHold: Duration
    /// When true (default) a timed-out write is applied before the answer is withheld — the case that
    /// makes `requestid` idempotency matter. When false the call does nothing.
    public var timeoutAfterWrite: Bool
    /// Every API call answers 503 SystemFault during this window.
    public var outage: Outage?
    /// The next N API calls answer 429 whatever the limits say.
    public var forced429Count: Int
    public var throttleBodyFormat: ThrottleBodyFormat

    public init(
        latency: Latency = .none,
        serverErrorRate: Double = 0,
        timeoutRate: Double = 0,
        timeoutHold: Duration = .seconds(60),
        timeoutAfterWrite: Bool = true,
        outage: Outage? = nil,
        forced429Count: Int = 0,
        throttleBodyFormat: ThrottleBodyFormat = .json
    ) {
        self.latency = latency
        self.serverErrorRate = serverErrorRate
        self.timeoutRate = timeoutRate
        self.timeoutHold = timeoutHold
        self.timeoutAfterWrite = timeoutAfterWrite
        self.outage = outage
        self.forced429Count = forced429Count
        self.throttleBodyFormat = throttleBodyFormat
    }

    /// No injected faults and no added latency.
    public static let none = SandboxFaults()

    func validate() throws(SandboxError) {
        guard (0...1).contains(serverErrorRate) else {
            throw .invalidConfiguration("serverErrorRate must be between 0 and 1; got \(serverErrorRate)")
        }
        guard (0...1).contains(timeoutRate) else {
            throw .invalidConfiguration("timeoutRate must be between 0 and 1; got \(timeoutRate)")
        }
        guard forced429Count >= 0 else {
            throw .invalidConfiguration("forced429Count must not be negative; got \(forced429Count)")
        }
        guard timeoutHold >= .zero else {
            throw .invalidConfiguration("timeoutHold must not be negative")
        }
        switch latency {
        case .none: break
        case .fixed(let delay):
            guard delay >= .zero else { throw .invalidConfiguration("latency must not be negative") }
        case .uniform(let low, let high):
            guard low >= .zero, high >= low else {
                throw .invalidConfiguration("uniform latency needs 0 ≤ min ≤ max; got \(low)…\(high)")
            }
        }
        if let outage, outage.duration < .zero || outage.startsAfter < .zero {
            throw .invalidConfiguration("outage startsAfter and duration must not be negative")
        }
    }
}

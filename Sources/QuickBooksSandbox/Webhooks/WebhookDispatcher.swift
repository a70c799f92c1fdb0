import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Collects each realm's entity changes and delivers them as signed webhook notifications
/// (see ``SandboxWebhooks``): one POST per realm per ``SandboxWebhooks/batchDelay``, retried with
/// backoff, sometimes dropped on purpose.
///
/// ``run()`` runs beside the HTTP server while the sandbox runs and owns the batch timers; when
/// it is cancelled the timers and deliveries in progress end, and what was still pending is
/// discarded, so a shutdown never waits for an endpoint.
final class WebhookDispatcher: Sendable {
    /// What became of one delivery attempt or delivery, for the realm's counters.
    enum Outcome: Sendable {
        case delivered
        case dropped
        case failed
        case retried
    }

    private struct Batch {
        var changes: [EntityChange]
        let generation: Int
    }

    /// "Deliver the batch of this generation once its delay has passed."
    private struct Timer: Sendable {
        let realmId: String
        let generation: Int
        let delay: Duration
    }

    private struct State {
        var settings: SandboxWebhooks?
        var pending: [String: Batch] = [:]
        var nextGeneration = 0
        var deliveriesInFlight = 0
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false
    }

    private let state: NIOLockedValueBox<State>
    private let timers: AsyncStream<Timer>
    private let timerInput: AsyncStream<Timer>.Continuation
    private let shutdown: ShutdownSignal
    private let logger: Logger
    private let count: @Sendable (_ realmId: String, _ outcome: Outcome) -> Void

    init(
        settings: SandboxWebhooks?, shutdown: ShutdownSignal, logger: Logger,
        count: @escaping @Sendable (_ realmId: String, _ outcome: Outcome) -> Void
    ) {
        state = NIOLockedValueBox(State(settings: settings))
        (timers, timerInput) = AsyncStream.makeStream(of: Timer.self)
        self.shutdown = shutdown
        self.logger = logger
        self.count = count
    }

    var settings: SandboxWebhooks? {
        state.withLockedValue { $0.settings }
    }

    /// New settings apply to the next delivery, batches already pending included; nil turns
    /// notifications off and forgets what was pending.
    func replaceSettings(_ settings: SandboxWebhooks?) {
        state.withLockedValue { state in
            state.settings = settings
            if settings == nil { state.pending = [:] }
        }
    }

    /// Changes collected and not yet sent, for the admin API.
    var pendingChanges: Int {
        state.withLockedValue { $0.pending.values.reduce(0) { $0 + $1.changes.count } }
    }

    /// Queues a change of a realm's entity; the realm's first pending change starts its batch timer.
    func notify(realmId: String, _ change: EntityChange) {
        let timer: Timer? = state.withLockedValue { state in
            guard let settings = state.settings, !state.stopped else { return nil }
            if state.pending[realmId] != nil {
                state.pending[realmId]?.changes.append(change)
                return nil
            }
            state.nextGeneration += 1
            state.pending[realmId] = Batch(changes: [change], generation: state.nextGeneration)
            return Timer(realmId: realmId, generation: state.nextGeneration, delay: settings.batchDelay)
        }
        if let timer { timerInput.yield(timer) }
    }

    /// Runs the batch timers until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await timer in timers {
                group.addTask { await self.fire(timer) }
            }
        }
        let (discarded, waiters) = state.withLockedValue { state in
            state.stopped = true
            let discarded = state.pending.values.reduce(0) { $0 + $1.changes.count }
            state.pending = [:]
            defer { state.idleWaiters = [] }
            return (discarded, state.idleWaiters)
        }
        for waiter in waiters { waiter.resume() }
        if discarded > 0 {
            logger.info(
                "Webhook notifications not delivered: the sandbox stopped first",
                metadata: ["changes": "\(discarded)"])
        }
    }

    /// Delivers every pending batch now and returns once they, and the deliveries already under
    /// way, have been delivered, dropped or given up (or the sandbox shuts down).
    func flush() async {
        let (batches, settings) = state.withLockedValue { state -> ([(String, Batch)], SandboxWebhooks?) in
            guard let settings = state.settings else { return ([], nil) }
            let batches = state.pending.map { ($0.key, $0.value) }
            state.pending = [:]
            state.deliveriesInFlight += batches.count
            return (batches, settings)
        }
        if let settings {
            await withDiscardingTaskGroup { group in
                for (realmId, batch) in batches {
                    group.addTask {
                        await self.deliver(realmId: realmId, changes: batch.changes, settings: settings)
                        self.deliveryEnded()
                    }
                }
            }
        }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let idle = state.withLockedValue { state in
                guard state.deliveriesInFlight > 0, !state.stopped else { return true }
                state.idleWaiters.append(waiter)
                return false
            }
            if idle { waiter.resume() }
        }
    }

    // MARK: - Delivery

    private func fire(_ timer: Timer) async {
        do {
            try await Task.sleep(for: timer.delay)
        } catch {
            return  // the sandbox is stopping
        }
        let taken = state.withLockedValue { state -> (Batch, SandboxWebhooks)? in
            guard let batch = state.pending[timer.realmId], batch.generation == timer.generation,
                let settings = state.settings
            else { return nil }  // flushed already, or notifications were turned off
            state.pending[timer.realmId] = nil
            state.deliveriesInFlight += 1
            return (batch, settings)
        }
        guard let (batch, settings) = taken else { return }
        await deliver(realmId: timer.realmId, changes: batch.changes, settings: settings)
        deliveryEnded()
    }

    private func deliveryEnded() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.deliveriesInFlight -= 1
            guard state.deliveriesInFlight == 0 else { return [] }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func deliver(realmId: String, changes: [EntityChange], settings: SandboxWebhooks) async {
        if settings.dropRate > 0, Double.random(in: 0..<1) < settings.dropRate {
            count(realmId, .dropped)
            logger.debug("Webhook delivery dropped on purpose", metadata: ["realmId": "\(realmId)"])
            return
        }
        let payload = WebhookPayload(
            format: settings.format, realmId: realmId, changes: changes, verifierToken: settings.verifierToken)
        var backoff = settings.retryBackoff
        for attempt in 1...settings.maxAttempts {
            guard !shutdown.isTriggered, !Task.isCancelled else { return }
            let failure = await attemptDelivery(payload, settings: settings)
            guard let failure else {
                count(realmId, .delivered)
                return
            }
            guard attempt < settings.maxAttempts else {
                count(realmId, .failed)
                logger.warning(
                    "Webhook delivery failed; giving up",
                    metadata: [
                        "realmId": "\(realmId)", "attempts": "\(attempt)",
                        "url": "\(settings.url)", "reason": "\(failure)",
                    ])
                return
            }
            count(realmId, .retried)
            logger.info(
                "Webhook delivery failed; retrying",
                metadata: ["realmId": "\(realmId)", "attempt": "\(attempt)", "reason": "\(failure)"])
            await shutdown.hold(for: backoff)
            backoff *= 2
        }
    }

    /// One POST; nil when the endpoint answered 2xx, else why not.
    private func attemptDelivery(_ payload: WebhookPayload, settings: SandboxWebhooks) async -> String? {
        var request = HTTPClientRequest(url: settings.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "intuit-signature", value: payload.signature)
        request.headers.add(name: "User-Agent", value: "qbsync-sandbox-webhooks")
        request.body = .bytes(ByteBuffer(bytes: payload.body))
        let prepared = request
        let timeout = TimeAmount.nanoseconds(Self.nanoseconds(settings.timeout))
        // Raced against the sandbox's shutdown, so a flush in an admin request never holds the
        // server's graceful shutdown for a slow endpoint.
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    let response = try await HTTPClient.shared.execute(prepared, timeout: timeout)
                    _ = try? await response.body.collect(upTo: 64 * 1024)
                    let status = Int(response.status.code)
                    return (200..<300).contains(status) ? nil : "HTTP \(status)"
                } catch {
                    return "\(error)"
                }
            }
            group.addTask { [shutdown] in
                await shutdown.hold(for: settings.timeout + .seconds(1))
                return "no answer in time (or the sandbox is stopping)"
            }
            let first = await group.next() ?? "no answer"
            group.cancelAll()
            return first
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

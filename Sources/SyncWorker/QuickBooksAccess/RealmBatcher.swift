import DequeModule
import Foundation
import Logging
import QuickBooks
import SyncCore

/// Sends document writes to QuickBooks, alone or in batch requests, per realm.
///
/// QuickBooks allows a realm 500 requests a minute, of which 40 may be batch requests of up to
/// 30 writes each: 1,660 writes a minute with batches, 500 without. Writes come from many
/// accounts at once (one write per account at a time, so any two waiting here are independent:
/// a write that needs another's QuickBooks id is only planned once that one is recorded).
///
/// A write goes alone, at once, while the realm has single requests left and a free call.
/// Writes queue when the realm's calls are all in flight; when more queue than there are free
/// calls, the queue goes as one batch request. When the single requests of the window are
/// spent, the queue goes in batches only, each sent once it is full or its oldest write has
/// waited ``Settings/fillWait``.
///
/// A batch is recorded (``BatchStore``) before it is sent. A write that may have gone before
/// (its attempt is a repeat) first looks for its batch: answered, it takes its item's answer;
/// unanswered, the batch is sent again unchanged, with its requestid, and QuickBooks answers it
/// from memory if it was applied.
actor RealmBatcher {
    struct Settings: Sendable {
        /// Batch requests per realm per window; 0 sends every write alone.
        var batchesPerWindow = 40
        /// Writes in one batch request (QuickBooks: at most 30).
        var maxItems = 30
        /// How long a batch waits to fill once single requests are spent.
        var fillWait: Duration = .milliseconds(100)
        /// Calls in flight per realm (QuickBooks: 10).
        var maxInFlight = 10
    }

    private struct Waiting {
        var id: Int
        var write: QuickBooksWrite
        var access: RealmAccess
        var since: ContinuousClock.Instant
        var continuation: CheckedContinuation<Result<WrittenObject, QuickBooksError>, Never>

        func resume(_ result: Result<WrittenObject, QuickBooksError>) { continuation.resume(returning: result) }
    }

    private struct Realm {
        var waiting: Deque<Waiting> = []
        /// Requests this batcher has sent and not yet had answered.
        var inFlight = 0
        var dispatching = false
    }

    private let client: QuickBooksClient
    private let gate: RealmGate
    private let store: BatchStore
    private let settings: Settings
    private let metrics: WorkerMetrics
    private let logger: Logger
    private let clock = ContinuousClock()
    private var realms: [String: Realm] = [:]
    private var nextID = 0
    /// Batches being sent again, so that writes of one lost batch send it once.
    private var resending: [String: Task<Result<Data, QuickBooksError>, Never>] = [:]

    init(client: QuickBooksClient, gate: RealmGate, store: BatchStore, settings: Settings, metrics: WorkerMetrics, logger: Logger) {
        self.client = client
        self.gate = gate
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    /// Sends `write` (alone or in a batch) and returns what QuickBooks answered for it.
    /// - Parameter mayHaveBeenSent: the write is a repeat: it may already be in a batch.
    func write(_ write: QuickBooksWrite, access: RealmAccess, mayHaveBeenSent: Bool) async throws(QuickBooksError) -> WrittenObject {
        if mayHaveBeenSent, settings.batchesPerWindow > 0 {
            if let earlier = try await earlierAnswer(write, access: access) { return try earlier.get() }
            // It may have gone alone, applied with its answer lost: it goes alone again, with its
            // own requestid, which QuickBooks replays. Inside a batch (whose requestid is the
            // batch's) it would be written a second time.
            return try await client.send(write, access: access)
        }
        guard settings.batchesPerWindow > 0 else { return try await client.send(write, access: access) }
        nextID += 1
        let id = nextID
        let realm = access.realmID
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                realms[realm, default: Realm()].waiting.append(
                    Waiting(id: id, write: write, access: access, since: clock.now, continuation: continuation))
                dispatch(realm)
            }
        } onCancel: {
            Task { await self.withdraw(id, from: realm) }
        }
        return try result.get()
    }

    /// A cancelled writer's write leaves the queue unsent (one already sent is answered as usual).
    private func withdraw(_ id: Int, from realm: String) {
        guard let index = realms[realm]?.waiting.firstIndex(where: { $0.id == id }) else { return }
        let waiting = realms[realm]?.waiting.remove(at: index)
        waiting?.resume(
            .failure(
                QuickBooksError(
                    httpStatus: nil, faultType: nil, errors: [], operation: waiting?.write.name ?? "write",
                    transportError: "not sent: cancelled")))
    }

    // MARK: - A repeat of a write that went in a batch

    /// The answer a repeated write already has from its batch (sending the batch again when its
    /// answer was lost), or nil when it never went in one or its batch wrote nothing (it goes
    /// afresh: its own requestid was never used).
    private func earlierAnswer(_ write: QuickBooksWrite, access: RealmAccess) async throws(QuickBooksError) -> Result<
        WrittenObject, QuickBooksError
    >? {
        let membership: BatchStore.Membership?
        do {
            membership = try await store.membership(realm: access.realmID, itemRequestID: write.requestID)
        } catch {
            throw QuickBooksError(
                httpStatus: nil, faultType: nil, errors: [], operation: write.name,
                transportError: "not sent: could not look up its earlier batch: \(error)")
        }
        guard let membership else { return nil }
        let answer: Data
        if let recorded = membership.answer {
            answer = recorded
        } else {
            answer = try await resend(membership, access: access).get()
        }
        let result = try QuickBooksClient.batchResult(answer, at: membership.index, of: write)
        if case .failure(let error) = result, error.problem.disposition == .retryLater { return nil }
        return result
    }

    private func resend(_ membership: BatchStore.Membership, access: RealmAccess) async -> Result<Data, QuickBooksError> {
        let id = membership.batchRequestID
        if let running = resending[id] { return await running.value }
        let task = Task { () -> Result<Data, QuickBooksError> in
            do throws(QuickBooksError) {
                let answer = try await client.sendBatch(membership.body, requestID: id, access: access)
                await recordAnswer(answer, of: id)
                return .success(answer)
            } catch {
                return .failure(error)
            }
        }
        resending[id] = task
        let result = await task.value
        resending[id] = nil
        return result
    }

    // MARK: - Dispatch

    private func dispatch(_ realm: String) {
        guard realms[realm]?.dispatching == false else { return }
        realms[realm]?.dispatching = true
        Task { await run(realm) }
    }

    /// Sends what waits for `realm`, while it has free calls; ends when nothing waits or all its
    /// calls are in flight (an answer starts it again).
    private func run(_ realm: String) async {
        defer { realms[realm]?.dispatching = false }
        while true {
            guard let state = realms[realm], !state.waiting.isEmpty else {
                realms[realm] = realms[realm].flatMap { $0.inFlight == 0 && $0.waiting.isEmpty ? nil : $0 }
                return
            }
            guard state.inFlight < settings.maxInFlight else { return }
            let budget: RealmGate.Budget
            do {
                budget = try await gate.budget(realm)
            } catch {
                // No lease to be had (the database is away): the next write goes and fails as it would alone.
                budget = RealmGate.Budget(singles: 1, batches: 0)
            }
            guard let current = realms[realm], !current.waiting.isEmpty else { continue }
            let free = settings.maxInFlight - current.inFlight
            let count = current.waiting.count
            if budget.batches > 0 && (count > free || budget.singles == 0) {
                if budget.singles == 0, count < settings.maxItems, let oldest = current.waiting.first?.since,
                    clock.now - oldest < settings.fillWait
                {
                    try? await clock.sleep(until: oldest + settings.fillWait)
                    continue
                }
                sendBatch(realm, take(min(count, settings.maxItems), from: realm))
            } else if budget.singles == 0 && budget.batches == 0, let until = budget.roomAt {
                // The window is spent (or the realm rests after a 429): wait for room, then choose.
                try? await clock.sleep(until: until)
            } else {
                sendAlone(realm, take(1, from: realm)[0])
            }
        }
    }

    private func take(_ count: Int, from realm: String) -> [Waiting] {
        var taken: [Waiting] = []
        while taken.count < count, let next = realms[realm]?.waiting.popFirst() { taken.append(next) }
        realms[realm]?.inFlight += 1
        return taken
    }

    private func finished(_ realm: String) {
        realms[realm]?.inFlight -= 1
        dispatch(realm)
    }

    private func sendAlone(_ realm: String, _ waiting: Waiting) {
        Task { [client] in
            do throws(QuickBooksError) { waiting.resume(.success(try await client.send(waiting.write, access: waiting.access))) } catch {
                waiting.resume(.failure(error))
            }
            finished(realm)
        }
    }

    private func sendBatch(_ realm: String, _ items: [Waiting]) {
        Task {
            for (item, result) in zip(items, await batch(realm, items.map(\.write), access: items[items.count - 1].access)) {
                item.resume(result)
            }
            finished(realm)
        }
    }

    /// Records a batch, sends it and returns each write's result; a failure of the whole batch
    /// (not recorded, not answered) is every write's.
    private func batch(_ realm: String, _ writes: [QuickBooksWrite], access: RealmAccess) async -> [Result<WrittenObject, QuickBooksError>]
    {
        let requestID = UUID().uuidString.lowercased()
        let body = QuickBooksClient.batchBody(writes)
        do {
            try await store.record(realm: realm, requestID: requestID, body: body, items: writes.map(\.requestID))
        } catch {
            return Array(
                repeating: .failure(
                    QuickBooksError(
                        httpStatus: nil, faultType: nil, errors: [], operation: "batch",
                        transportError: "not sent: could not record the batch: \(error)")), count: writes.count)
        }
        metrics.quickBooksBatch(items: writes.count)
        do {
            let answer = try await client.sendBatch(body, requestID: requestID, access: access)
            await recordAnswer(answer, of: requestID)
            return try QuickBooksClient.batchResults(answer, writes: writes)
        } catch {
            return Array(repeating: .failure(error), count: writes.count)
        }
    }

    private func recordAnswer(_ answer: Data, of requestID: String) async {
        do { try await store.recordAnswer(requestID: requestID, answer: answer) } catch {
            logger.warning(
                "could not record a batch answer; the batch is sent again if one of its writes asks", metadata: ["error": "\(error)"])
        }
    }
}

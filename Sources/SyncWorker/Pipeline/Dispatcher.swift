import DequeModule
import Kafka
import SyncCore
import Tracing

/// Groups messages into batches, runs batches concurrently while keeping each account's events in
/// order, and reports the highest offset per partition below which everything is done.
///
/// A lane is one (firm, account). A batch takes the waiting messages of lanes that have none
/// running, up to `batchSize` messages, so a lane is in at most one running batch and its
/// messages run in offset order, across batches too. Up to `batches` batches run at once; a batch
/// that is not full starts once its oldest message has waited `fillWait` (a backlog fills batches
/// without waiting, because messages pile up while the running batches finish). Past `maxInFlight`
/// messages submitted and not done, `submit` waits, which in turn holds back the consumer
/// (back-pressure instead of unbounded memory).
///
/// Handlers run as child tasks of ``run()``, so cancelling the task that runs it reaches every
/// handler, and every wait here (for capacity, for a drain) ends when its task is cancelled:
/// shutdown is bounded whatever the handlers are waiting for.
actor Dispatcher {
    struct Work: Sendable {
        var message: KafkaMessage
        /// Messages with the same lane run one at a time, in offset order.
        var lane: String
        var event: Result<IngressEvent, EventRejection>
        /// When decoding started and ended: the event's span shows it (the trace context is read
        /// from the decoded envelope, so the span can only begin after it).
        var decodeStarted = DefaultTracerClock.now
        var decodeEnded = DefaultTracerClock.now
    }

    struct Settings: Sendable {
        /// Messages submitted and not yet done, at most.
        var maxInFlight: Int
        /// Messages in one batch, at most.
        var batchSize = 1
        /// Batches running at once, at most.
        var batches: Int
        /// How long a batch that is not full waits for more messages.
        var fillWait: Duration = .zero

        init(maxInFlight: Int, batchSize: Int = 1, batches: Int? = nil, fillWait: Duration = .zero) {
            self.maxInFlight = maxInFlight
            self.batchSize = batchSize
            self.batches = batches ?? maxInFlight
            self.fillWait = fillWait
        }
    }

    /// Processes a batch (its messages grouped by lane, each lane's in offset order); returns
    /// false when it gave up (cancelled) without finishing, so none of its offsets is committed.
    typealias Handler = @Sendable ([Work]) async -> Bool

    private let settings: Settings
    private let handler: Handler
    private let storeOffset: @Sendable (TopicPartition, Int64) -> Void
    private let starts: AsyncStream<[Work]>
    private let startContinuation: AsyncStream<[Work]>.Continuation
    private var trackers: [TopicPartition: OffsetTracker] = [:]
    /// Messages not yet handed to a batch, per lane.
    private var queued: [String: Deque<Work>] = [:]
    /// Lanes with a message in a running batch.
    private var busy: Set<String> = []
    /// Lanes with queued messages and none running, oldest first.
    private var ready: Deque<String> = []
    private var readyMessages = 0
    /// When the oldest message of the ready lanes became ready.
    private var readySince: ContinuousClock.Instant?
    private var fillTimerArmed = false
    private var runningBatches = 0
    private var inFlight = 0
    /// Messages submitted and not done, per partition (a drain waits for zero).
    private var pendingByPartition: [TopicPartition: Int] = [:]
    private var nextWaiter = 0
    private var capacityWaiters: Deque<(id: Int, continuation: CheckedContinuation<Void, Never>)> = []
    private var idleWaiters: [(id: Int, partitions: Set<TopicPartition>, continuation: CheckedContinuation<Void, Never>)] = []
    /// Partitions taken away: queued work for them is dropped, their next owner redoes it.
    private var abandoned: Set<TopicPartition> = []

    /// - Parameters:
    ///   - storeOffset: called with the offset of the last processed record of a partition.
    init(_ settings: Settings, handler: @escaping Handler, storeOffset: @escaping @Sendable (TopicPartition, Int64) -> Void) {
        precondition(settings.maxInFlight > 0 && settings.batchSize > 0 && settings.batches > 0, "dispatcher limits must be positive")
        self.settings = settings
        self.handler = handler
        self.storeOffset = storeOffset
        (starts, startContinuation) = AsyncStream.makeStream(of: [Work].self)
    }

    /// One message at a time per handler call: `maxInFlight` handlers at once.
    init(
        maxInFlight: Int, handler: @escaping @Sendable (Work) async -> Bool,
        storeOffset: @escaping @Sendable (TopicPartition, Int64) -> Void
    ) {
        self.init(Settings(maxInFlight: maxInFlight), handler: { batch in await handler(batch[0]) }, storeOffset: storeOffset)
    }

    /// Runs the handlers until ``finish()`` (then it waits for the running ones) or until the
    /// calling task is cancelled (which cancels them).
    nonisolated func run() async {
        await withDiscardingTaskGroup { group in
            for await batch in starts {
                group.addTask { [handler] in
                    let finished = await handler(batch)
                    await self.done(batch, finished: finished)
                }
            }
        }
    }

    /// No more messages: ``run()`` returns once the running handlers have.
    func finish() {
        startContinuation.finish()
    }

    var pending: Int { inFlight }

    func assigned(_ partitions: [TopicPartition]) {
        for partition in partitions {
            abandoned.remove(partition)
            trackers[partition] = OffsetTracker()
        }
    }

    /// Queues `work` behind its lane, waiting while `maxInFlight` messages are in flight.
    /// Returns without queueing it when the calling task is cancelled meanwhile.
    func submit(_ work: Work) async {
        while inFlight >= settings.maxInFlight {
            guard !Task.isCancelled else { return }
            await suspend { id, continuation in capacityWaiters.append((id, continuation)) }
        }
        let partition = work.message.topicPartition
        if abandoned.contains(partition) { return }
        inFlight += 1
        pendingByPartition[partition, default: 0] += 1
        trackers[partition, default: OffsetTracker()].begin(work.message.offset)
        let wasQueued = queued[work.lane] != nil
        queued[work.lane, default: []].append(work)
        if !busy.contains(work.lane) {
            if !wasQueued { ready.append(work.lane) }
            markReady(1)
        }
        startBatches()
    }

    /// Waits until every submitted message of `partitions` is done or abandoned, or the caller is cancelled.
    func drain(_ partitions: [TopicPartition]) async {
        let wanted = Set(partitions)
        guard hasWork(in: wanted) else { return }
        await suspend { id, continuation in idleWaiters.append((id, wanted, continuation)) }
    }

    /// Waits until nothing is in flight, or the caller is cancelled.
    func drainAll() async {
        await drain(Array(pendingByPartition.keys))
    }

    /// Stops tracking `partitions`; their queued messages are dropped and running ones finish
    /// without committing (the partitions' next owner processes them again).
    func abandon(_ partitions: [TopicPartition]) {
        for partition in partitions {
            abandoned.insert(partition)
            trackers[partition] = nil
        }
        for (lane, queue) in queued {
            let kept = queue.filter { !abandoned.contains($0.message.topicPartition) }
            guard kept.count < queue.count else { continue }
            for work in queue where abandoned.contains(work.message.topicPartition) { forget(work) }
            if !busy.contains(lane) { readyMessages -= queue.count - kept.count }
            queued[lane] = kept.isEmpty ? nil : Deque(kept)
        }
        ready.removeAll { queued[$0] == nil }
        if readyMessages == 0 { readySince = nil }
        wakeCapacity()
        wakeIdle()
    }

    private func done(_ batch: [Work], finished: Bool) {
        runningBatches -= 1
        var committable: [TopicPartition: Int64] = [:]
        for work in batch {
            let partition = work.message.topicPartition
            forget(work)
            if finished, !abandoned.contains(partition), let next = trackers[partition]?.complete(work.message.offset) {
                committable[partition] = next
            }
        }
        for (partition, next) in committable { storeOffset(partition, next - 1) }
        var lanes: [String] = []
        for work in batch where lanes.last != work.lane { lanes.append(work.lane) }
        for lane in Set(lanes) {
            busy.remove(lane)
            if let waiting = queued[lane] {
                ready.append(lane)
                markReady(waiting.count)
            }
        }
        startBatches()
        wakeCapacity()
        wakeIdle()
    }

    private func forget(_ work: Work) {
        inFlight -= 1
        let partition = work.message.topicPartition
        pendingByPartition[partition, default: 1] -= 1
        if pendingByPartition[partition] == 0 { pendingByPartition[partition] = nil }
    }

    private func markReady(_ count: Int) {
        if readyMessages == 0 { readySince = .now }
        readyMessages += count
    }

    /// Starts batches while there is room: full ones at once, a partial one once its oldest
    /// message has waited `fillWait`.
    private func startBatches() {
        while runningBatches < settings.batches, readyMessages > 0 {
            if readyMessages < settings.batchSize, let since = readySince, settings.fillWait > .zero {
                let deadline = since.advanced(by: settings.fillWait)
                if ContinuousClock.now < deadline {
                    armFillTimer(until: deadline)
                    return
                }
            }
            var batch: [Work] = []
            while batch.count < settings.batchSize, let lane = ready.popFirst() {
                guard var queue = queued[lane] else { continue }
                // What the batch leaves of the lane waits until the batch is done.
                readyMessages -= queue.count
                while batch.count < settings.batchSize, let work = queue.popFirst() { batch.append(work) }
                queued[lane] = queue.isEmpty ? nil : queue
                busy.insert(lane)
            }
            // The rest of the ready messages have waited as long as the oldest of this batch.
            if readyMessages == 0 { readySince = nil }
            runningBatches += 1
            startContinuation.yield(batch)
        }
    }

    private func armFillTimer(until deadline: ContinuousClock.Instant) {
        guard !fillTimerArmed else { return }
        fillTimerArmed = true
        Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            await self.fillTimerFired()
        }
    }

    private func fillTimerFired() {
        fillTimerArmed = false
        startBatches()
    }

    /// Suspends until a wake-up resumes the registered continuation or the task is cancelled.
    private func suspend(_ register: (Int, CheckedContinuation<Void, Never>) -> Void) async {
        nextWaiter += 1
        let id = nextWaiter
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { continuation.resume() } else { register(id, continuation) }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: Int) {
        if let index = capacityWaiters.firstIndex(where: { $0.id == id }) {
            capacityWaiters.remove(at: index).continuation.resume()
        }
        if let index = idleWaiters.firstIndex(where: { $0.id == id }) {
            idleWaiters.remove(at: index).continuation.resume()
        }
    }

    private func wakeCapacity() {
        while inFlight < settings.maxInFlight, let waiter = capacityWaiters.popFirst() { waiter.continuation.resume() }
    }

    private func wakeIdle() {
        idleWaiters.removeAll { waiter in
            guard !hasWork(in: waiter.partitions) else { return false }
            waiter.continuation.resume()
            return true
        }
    }

    private func hasWork(in partitions: Set<TopicPartition>) -> Bool {
        partitions.contains { pendingByPartition[$0] != nil }
    }
}

import DequeModule
import Kafka
import SyncCore
import Tracing

/// Runs messages concurrently while keeping each account's events in order, and reports the
/// highest offset per partition below which everything is done.
///
/// A lane is one (firm, account): its messages run one at a time, in offset order. Different
/// lanes run in parallel up to `maxInFlight` messages; past that, `submit` waits, which in turn
/// holds back the consumer (back-pressure instead of unbounded memory).
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

    typealias Handler = @Sendable (Work) async -> Bool

    private let maxInFlight: Int
    private let handler: Handler
    private let storeOffset: @Sendable (TopicPartition, Int64) -> Void
    private let starts: AsyncStream<Work>
    private let startContinuation: AsyncStream<Work>.Continuation
    private var trackers: [TopicPartition: OffsetTracker] = [:]
    private var lanes: [String: Deque<Work>] = [:]
    private var inFlight = 0
    private var nextWaiter = 0
    private var capacityWaiters: Deque<(id: Int, continuation: CheckedContinuation<Void, Never>)> = []
    private var idleWaiters: [(id: Int, partitions: Set<TopicPartition>, continuation: CheckedContinuation<Void, Never>)] = []
    /// Partitions taken away: queued work for them is dropped, their next owner redoes it.
    private var abandoned: Set<TopicPartition> = []

    /// - Parameters:
    ///   - handler: processes one message; returns false when it gave up (cancelled) without finishing,
    ///     so its offset must not be committed.
    ///   - storeOffset: called with the offset of the last processed record of a partition.
    init(maxInFlight: Int, handler: @escaping Handler, storeOffset: @escaping @Sendable (TopicPartition, Int64) -> Void) {
        self.maxInFlight = maxInFlight
        self.handler = handler
        self.storeOffset = storeOffset
        (starts, startContinuation) = AsyncStream.makeStream(of: Work.self)
    }

    /// Runs the handlers until ``finish()`` (then it waits for the running ones) or until the
    /// calling task is cancelled (which cancels them).
    nonisolated func run() async {
        await withDiscardingTaskGroup { group in
            for await work in starts {
                group.addTask { [handler] in
                    let finished = await handler(work)
                    await self.done(work, finished: finished)
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
        while inFlight >= maxInFlight {
            guard !Task.isCancelled else { return }
            await suspend { id, continuation in capacityWaiters.append((id, continuation)) }
        }
        let partition = work.message.topicPartition
        if abandoned.contains(partition) { return }
        inFlight += 1
        trackers[partition, default: OffsetTracker()].begin(work.message.offset)
        if lanes[work.lane] != nil {
            lanes[work.lane]?.append(work)
        } else {
            lanes[work.lane] = [work]
            startContinuation.yield(work)
        }
    }

    /// Waits until every submitted message of `partitions` is done or abandoned, or the caller is cancelled.
    func drain(_ partitions: [TopicPartition]) async {
        let wanted = Set(partitions)
        guard hasWork(in: wanted) else { return }
        await suspend { id, continuation in idleWaiters.append((id, wanted, continuation)) }
    }

    /// Waits until nothing is in flight, or the caller is cancelled.
    func drainAll() async {
        await drain(Array(trackers.keys))
    }

    /// Stops tracking `partitions`; their queued messages are dropped and running ones finish
    /// without committing (the partitions' next owner processes them again).
    func abandon(_ partitions: [TopicPartition]) {
        for partition in partitions {
            abandoned.insert(partition)
            trackers[partition] = nil
        }
        for (lane, queue) in lanes {
            // Keep the running head; drop queued messages of abandoned partitions behind it.
            guard let head = queue.first else { continue }
            let kept = queue.dropFirst().filter { !abandoned.contains($0.message.topicPartition) }
            let dropped = queue.count - 1 - kept.count
            inFlight -= dropped
            var remaining: Deque<Work> = [head]
            remaining.append(contentsOf: kept)
            lanes[lane] = remaining
        }
        wakeCapacity()
        wakeIdle()
    }

    private func done(_ work: Work, finished: Bool) {
        inFlight -= 1
        let partition = work.message.topicPartition
        if finished, !abandoned.contains(partition), let next = trackers[partition]?.complete(work.message.offset) {
            storeOffset(partition, next - 1)
        }
        lanes[work.lane]?.removeFirst()
        if let next = lanes[work.lane]?.first {
            if abandoned.contains(next.message.topicPartition) {
                lanes[work.lane] = nil
            } else {
                startContinuation.yield(next)
            }
        } else {
            lanes[work.lane] = nil
        }
        wakeCapacity()
        wakeIdle()
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
        while inFlight < maxInFlight, let waiter = capacityWaiters.popFirst() { waiter.continuation.resume() }
    }

    private func wakeIdle() {
        idleWaiters.removeAll { waiter in
            guard !hasWork(in: waiter.partitions) else { return false }
            waiter.continuation.resume()
            return true
        }
    }

    private func hasWork(in partitions: Set<TopicPartition>) -> Bool {
        lanes.values.contains { queue in queue.contains { partitions.contains($0.message.topicPartition) } }
    }
}

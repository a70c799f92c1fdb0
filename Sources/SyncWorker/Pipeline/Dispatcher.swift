import DequeModule
import Kafka
import SyncCore

/// Runs messages concurrently while keeping each account's events in order, and reports the
/// highest offset per partition below which everything is done.
///
/// A lane is one (firm, account): its messages run one at a time, in offset order. Different
/// lanes run in parallel up to `maxInFlight` messages; past that, `submit` waits, which in turn
/// holds back the consumer (back-pressure instead of unbounded memory).
actor Dispatcher {
    struct Work: Sendable {
        var message: KafkaMessage
        /// Messages with the same lane run one at a time, in offset order.
        var lane: String
        var event: Result<IngressEvent, EventRejection>
    }

    typealias Handler = @Sendable (Work) async -> Bool

    private let maxInFlight: Int
    private let handler: Handler
    private let storeOffset: @Sendable (TopicPartition, Int64) -> Void
    private var trackers: [TopicPartition: OffsetTracker] = [:]
    private var lanes: [String: Deque<Work>] = [:]
    private var inFlight = 0
    private var capacityWaiters: Deque<CheckedContinuation<Void, Never>> = []
    private var idleWaiters: [(partitions: Set<TopicPartition>, continuation: CheckedContinuation<Void, Never>)] = []
    /// Partitions taken away: queued work for them is dropped, their next owner redoes it.
    private var abandoned: Set<TopicPartition> = []

    /// - Parameters:
    ///   - handler: processes one message; returns false when it gave up (shutdown) without finishing,
    ///     so its offset must not be committed.
    ///   - storeOffset: called with the offset of the last processed record of a partition.
    init(maxInFlight: Int, handler: @escaping Handler, storeOffset: @escaping @Sendable (TopicPartition, Int64) -> Void) {
        self.maxInFlight = maxInFlight
        self.handler = handler
        self.storeOffset = storeOffset
    }

    var pending: Int { inFlight }

    func assigned(_ partitions: [TopicPartition]) {
        for partition in partitions {
            abandoned.remove(partition)
            trackers[partition] = OffsetTracker()
        }
    }

    func submit(_ work: Work) async {
        while inFlight >= maxInFlight {
            await withCheckedContinuation { capacityWaiters.append($0) }
        }
        let partition = work.message.topicPartition
        if abandoned.contains(partition) { return }
        inFlight += 1
        trackers[partition, default: OffsetTracker()].begin(work.message.offset)
        if lanes[work.lane] != nil {
            lanes[work.lane]?.append(work)
        } else {
            lanes[work.lane] = [work]
            start(work)
        }
    }

    /// Waits until every submitted message of `partitions` is done or abandoned.
    func drain(_ partitions: [TopicPartition]) async {
        let wanted = Set(partitions)
        guard hasWork(in: wanted) else { return }
        await withCheckedContinuation { idleWaiters.append((wanted, $0)) }
    }

    /// Waits until nothing is in flight.
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

    private func start(_ work: Work) {
        let handler = self.handler
        Task {
            let finished = await handler(work)
            self.done(work, finished: finished)
        }
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
                start(next)
            }
        } else {
            lanes[work.lane] = nil
        }
        wakeCapacity()
        wakeIdle()
    }

    private func wakeCapacity() {
        while inFlight < maxInFlight, let waiter = capacityWaiters.popFirst() { waiter.resume() }
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

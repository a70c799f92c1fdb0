import DequeModule

/// Tracks in-flight offsets of one partition and yields the offset that is safe to commit.
///
/// Messages of one partition may finish out of order (different accounts run concurrently);
/// the committable position is the lowest offset not yet done, so a crash redelivers exactly
/// the unfinished work.
public struct OffsetTracker: Sendable {
    private var inFlight: Deque<(offset: Int64, done: Bool)> = []
    /// The next offset to commit (Kafka convention: the first offset not yet processed).
    public private(set) var committable: Int64?

    public init() {}

    public var pendingCount: Int { inFlight.count }

    /// Registers a message handed to processing; offsets must arrive in increasing order.
    public mutating func begin(_ offset: Int64) {
        precondition(inFlight.last.map { $0.offset < offset } ?? true, "offsets of a partition must increase")
        inFlight.append((offset, false))
    }

    /// Marks `offset` done; returns the new committable position when it advanced.
    @discardableResult
    public mutating func complete(_ offset: Int64) -> Int64? {
        guard let index = index(of: offset) else { return nil }
        inFlight[index].done = true
        var advanced: Int64?
        while let first = inFlight.first, first.done {
            inFlight.removeFirst()
            advanced = first.offset + 1
        }
        if let advanced { committable = advanced }
        return advanced
    }

    private func index(of offset: Int64) -> Int? {
        // Offsets are sorted, so binary search keeps completion O(log n) under deep pipelines.
        var low = 0
        var high = inFlight.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let value = inFlight[mid].offset
            if value == offset { return mid }
            if value < offset { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }
}

/// How far behind a consumer group is on one partition (for a consumer-lag metric).
public struct KafkaPartitionLag: Hashable, Sendable {
    /// The partition.
    public var topicPartition: TopicPartition
    /// The offset the next produced record will get (log end offset).
    public var highWatermark: Int64
    /// The oldest offset still retained.
    public var lowWatermark: Int64
    /// The group's committed offset (where the group resumes), `nil` when nothing was committed.
    public var committedOffset: Int64?
    /// The next offset this consumer will hand out, `nil` before its first record.
    public var position: Int64?

    /// Records the group has not committed yet: `highWatermark - committedOffset`, counting
    /// from the low watermark when nothing was committed (`auto.offset.reset=earliest`).
    public var lag: Int64 {
        max(0, self.highWatermark - max(self.committedOffset ?? self.lowWatermark, self.lowWatermark))
    }

    /// Records not yet handed to the application: `highWatermark - position`.
    public var fetchLag: Int64 {
        max(0, self.highWatermark - max(self.position ?? self.lowWatermark, self.lowWatermark))
    }

    /// Creates a lag sample.
    public init(topicPartition: TopicPartition, highWatermark: Int64, lowWatermark: Int64, committedOffset: Int64?, position: Int64?) {
        self.topicPartition = topicPartition
        self.highWatermark = highWatermark
        self.lowWatermark = lowWatermark
        self.committedOffset = committedOffset
        self.position = position
    }
}

/// Settings of a ``KafkaConsumer``.
///
/// Fixed, because the at-least-once contract depends on them: `enable.auto.commit=true` with
/// `enable.auto.offset.store=false` (only offsets the application stores via
/// ``KafkaConsumer/storeOffset(topic:partition:offset:)`` are ever committed) and
/// `partition.assignment.strategy=cooperative-sticky` (a rebalance moves only the partitions
/// that must move; the others keep flowing).
public struct KafkaConsumerConfiguration: Sendable, CustomStringConvertible {
    /// What to do when the group has no committed offset for a partition (`auto.offset.reset`).
    public enum AutoOffsetReset: String, Sendable, Hashable {
        /// Start from the oldest retained record (default: nothing is skipped).
        case earliest
        /// Start from the next record produced.
        case latest
        /// Fail with a consume error.
        case error
    }

    /// Cluster connection settings.
    public var connection: KafkaConfiguration
    /// `group.id`: consumers sharing it share the partitions of the subscribed topics.
    public var groupID: String
    /// Topics subscribed to when the consumer starts.
    public var topics: [String]
    /// `group.instance.id` for static membership (a restart within ``sessionTimeout`` keeps the
    /// partitions without a rebalance); `nil` for dynamic membership.
    public var groupInstanceID: String?
    /// `auto.offset.reset`; default ``AutoOffsetReset/earliest``.
    public var autoOffsetReset: AutoOffsetReset
    /// `session.timeout.ms`: how long the coordinator waits for heartbeats before evicting this consumer.
    public var sessionTimeout: Duration
    /// `heartbeat.interval.ms`; must be below ``sessionTimeout`` (a third of it is usual).
    public var heartbeatInterval: Duration
    /// `max.poll.interval.ms`: the longest the application may leave events unread before the
    /// consumer leaves the group. The poll thread stops polling while the hand-off buffer is full,
    /// so this bounds how long the application may stall.
    public var maxPollInterval: Duration
    /// `auto.commit.interval.ms`: how often stored offsets are committed in the background.
    public var autoCommitInterval: Duration
    /// How long one poll blocks waiting for records; bounds how quickly ``KafkaConsumer/close()`` is noticed.
    public var pollTimeout: Duration
    /// How long the poll thread waits for the application to complete a revocation
    /// (``RevocationCompletion/complete()``) before it commits what was stored and lets the partitions go.
    public var revocationTimeout: Duration
    /// How long the synchronous commits at revocation and at close keep retrying transient
    /// failures (typically `REBALANCE_IN_PROGRESS` while other members join or leave).
    public var commitRetryTimeout: Duration
    /// Capacity of the hand-off between the poll thread and the event sequence. When it is full
    /// the poll thread waits; nothing is dropped.
    public var eventBufferCapacity: Int
    /// Extra librdkafka consumer properties (for example `fetch.max.bytes`), applied after
    /// ``KafkaConfiguration/properties``. Properties set by a typed field are refused.
    public var properties: [String: String]

    /// Creates consumer settings with production defaults.
    public init(
        connection: KafkaConfiguration,
        groupID: String,
        topics: [String],
        groupInstanceID: String? = nil,
        autoOffsetReset: AutoOffsetReset = .earliest,
        sessionTimeout: Duration = .seconds(45),
        heartbeatInterval: Duration = .seconds(3),
        maxPollInterval: Duration = .seconds(300),
        autoCommitInterval: Duration = .seconds(5),
        pollTimeout: Duration = .milliseconds(100),
        revocationTimeout: Duration = .seconds(30),
        commitRetryTimeout: Duration = .seconds(10),
        eventBufferCapacity: Int = 1024,
        properties: [String: String] = [:]
    ) {
        self.connection = connection
        self.groupID = groupID
        self.topics = topics
        self.groupInstanceID = groupInstanceID
        self.autoOffsetReset = autoOffsetReset
        self.sessionTimeout = sessionTimeout
        self.heartbeatInterval = heartbeatInterval
        self.maxPollInterval = maxPollInterval
        self.autoCommitInterval = autoCommitInterval
        self.pollTimeout = pollTimeout
        self.revocationTimeout = revocationTimeout
        self.commitRetryTimeout = commitRetryTimeout
        self.eventBufferCapacity = eventBufferCapacity
        self.properties = properties
    }

    public var description: String {
        "KafkaConsumerConfiguration(\(self.connection), groupID: \(self.groupID), topics: \(self.topics), autoOffsetReset: \(self.autoOffsetReset.rawValue), sessionTimeout: \(self.sessionTimeout), heartbeatInterval: \(self.heartbeatInterval), maxPollInterval: \(self.maxPollInterval), autoCommitInterval: \(self.autoCommitInterval), revocationTimeout: \(self.revocationTimeout), commitRetryTimeout: \(self.commitRetryTimeout), eventBufferCapacity: \(self.eventBufferCapacity), properties: \(self.properties.keys.sorted()))"
    }
}

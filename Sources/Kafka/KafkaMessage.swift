/// A record read from Kafka, copied out of librdkafka's buffers so it can travel freely between tasks.
public struct KafkaMessage: Sendable, Hashable {
    /// The topic the record was read from.
    public var topic: String
    /// The partition the record was read from.
    public var partition: Int32
    /// The record's offset within its partition.
    ///
    /// To mark the record as processed pass this same value to
    /// ``KafkaConsumer/storeOffset(topic:partition:offset:)``; the consumer adds one itself.
    public var offset: Int64
    /// The record key, `nil` when the producer sent none.
    public var key: [UInt8]?
    /// The record value, `nil` for a tombstone (a record sent with a null value).
    public var value: [UInt8]?
    /// The record headers in the order the producer wrote them.
    public var headers: [KafkaHeader]
    /// The record timestamp, `nil` when the broker reported none.
    public var timestamp: KafkaTimestamp?

    /// Creates a message. Consumers receive these from ``KafkaConsumer/events``; tests may build their own.
    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [KafkaHeader] = [],
        timestamp: KafkaTimestamp? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// The topic and partition this record belongs to.
    public var topicPartition: TopicPartition {
        TopicPartition(topic: self.topic, partition: self.partition)
    }

    /// The first header with the given name, if any.
    public func header(named name: String) -> KafkaHeader? {
        self.headers.first { $0.name == name }
    }
}

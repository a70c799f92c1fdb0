/// Where the cluster stored a record it acknowledged (with `acks=all`: on every in-sync replica).
public struct KafkaDeliveryReport: Hashable, Sendable {
    /// The topic the record was written to.
    public var topic: String
    /// The partition the record was written to.
    public var partition: Int32
    /// The offset the broker assigned.
    ///
    /// `nil` when librdkafka could not learn it: an idempotent producer that retried a request
    /// after a lost response may see the broker accept it as a duplicate without an offset.
    /// The record is stored all the same.
    public var offset: Int64?

    /// Creates a delivery report.
    public init(topic: String, partition: Int32, offset: Int64?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

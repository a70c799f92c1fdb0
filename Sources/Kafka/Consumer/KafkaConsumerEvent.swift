/// What a ``KafkaConsumer`` delivers, in order, through ``KafkaConsumer/events``.
public enum KafkaConsumerEvent: Sendable {
    /// A record to process. Store its offset with ``KafkaConsumer/storeOffset(for:)`` once it is
    /// processed (durably); only stored offsets are committed.
    case message(KafkaMessage)
    /// Partitions were added to this consumer. Records from them follow.
    case partitionsAssigned([TopicPartition])
    /// Partitions are being taken away in an orderly rebalance (or at close).
    ///
    /// Comes after every record already delivered from these partitions and before any record
    /// delivered to their next owner. Finish or abandon the work in flight for them, store the
    /// offsets of what was finished, then call ``RevocationCompletion/complete()``: the consumer
    /// then commits synchronously and releases the partitions
    /// (``RevocationCompletion/waitForCommit()`` tells whether the commit was accepted).
    case partitionsRevoked([TopicPartition], RevocationCompletion)
    /// Partitions were lost without an orderly revocation (the session expired or the member was
    /// fenced). Their offsets can no longer be committed by this consumer: abandon their work in
    /// flight; another consumer processes those records again.
    case partitionsLost([TopicPartition])
}

import Kafka

/// The ingress partitions this worker consumes right now. The document pusher writes only the
/// documents of accounts whose events arrive on them, so each realm's QuickBooks budget is spent
/// by the worker that owns the firm, and the documents move with the partitions on a rebalance.
actor PartitionAssignment {
    private var partitions: Set<TopicPartition> = []

    func assigned(_ added: [TopicPartition]) {
        partitions.formUnion(added)
    }

    func revoked(_ removed: [TopicPartition]) {
        partitions.subtract(removed)
    }

    /// As stored in `document_queues.owner_partition`: `topic/partition`.
    var ownerPartitions: [String] {
        partitions.map { "\($0.topic)/\($0.partition)" }
    }

    func owns(_ ownerPartition: String) -> Bool {
        partitions.contains { "\($0.topic)/\($0.partition)" == ownerPartition }
    }
}

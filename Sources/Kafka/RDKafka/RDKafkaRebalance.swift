internal import CRdKafka

/// Receives rebalances on the thread that polls the consumer.
protocol RDKafkaRebalanceHandler: AnyObject, Sendable {
    /// Called inside `rd_kafka_consumer_poll` / `rd_kafka_consumer_close`. Must call
    /// ``RDKafkaRebalance/apply()`` exactly once before returning.
    func handle(_ rebalance: RDKafkaRebalance)
}

/// One invocation of librdkafka's rebalance callback. Only valid during that callback:
/// it borrows the partition list librdkafka passed in.
struct RDKafkaRebalance {
    enum Kind {
        /// Partitions are being added to this consumer.
        case assign
        /// Partitions are being taken away in an orderly way: offsets can still be committed.
        case revoke
        /// Partitions were taken away already (session timeout, fenced): committing is pointless.
        case lost
        /// librdkafka reported a rebalance error.
        case failure(KafkaError)
    }

    let kind: Kind
    let partitions: [TopicPartition]
    /// Whether the group uses incremental (cooperative) rebalancing.
    let isCooperative: Bool
    private let handle: OpaquePointer
    private let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?

    init(handle: OpaquePointer, code: rd_kafka_resp_err_t, list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        self.handle = handle
        self.list = list
        self.partitions = RDKafkaTopicPartitionList.partitions(of: list)
        self.isCooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            self.kind = .assign
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            self.kind = rd_kafka_assignment_lost(handle) != 0 ? .lost : .revoke
        default:
            self.kind = .failure(KafkaError(kind: .consume, err: code))
        }
    }

    /// Makes librdkafka's assignment follow the rebalance (incrementally when cooperative).
    func apply() -> KafkaError? {
        switch (self.kind, self.isCooperative) {
        case (.assign, true):
            return rd_kafka_incremental_assign(self.handle, self.list).map { KafkaError.consuming(kind: .consume, error: $0) }
        case (.revoke, true), (.lost, true):
            return rd_kafka_incremental_unassign(self.handle, self.list).map { KafkaError.consuming(kind: .consume, error: $0) }
        case (.assign, false):
            return Self.check(rd_kafka_assign(self.handle, self.list))
        case (.revoke, false), (.lost, false), (.failure, _):
            // Also librdkafka's advice for rebalance errors: drop the assignment to resynchronise.
            return Self.check(rd_kafka_assign(self.handle, nil))
        }
    }

    private static func check(_ err: rd_kafka_resp_err_t) -> KafkaError? {
        err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(kind: .consume, err: err)
    }
}

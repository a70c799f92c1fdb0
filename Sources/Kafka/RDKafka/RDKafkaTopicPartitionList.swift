internal import CRdKafka

/// Conversions between `[TopicPartition]` and `rd_kafka_topic_partition_list_t`.
///
/// Lists built here are destroyed before the helper returns; lists librdkafka lends to a
/// callback are only read.
enum RDKafkaTopicPartitionList {
    struct Entry {
        var topicPartition: TopicPartition
        var offset: Int64
        var error: rd_kafka_resp_err_t
    }

    /// Builds a temporary list (with `offsets[i]` as the offset of `partitions[i]` when given),
    /// passes it to `body`, and destroys it.
    static func with<R>(
        _ partitions: [TopicPartition],
        offsets: [Int64]? = nil,
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> R
    ) -> R {
        let list = rd_kafka_topic_partition_list_new(Int32(clamping: max(partitions.count, 1)))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (index, partition) in partitions.enumerated() {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!
            if let offsets { element.pointee.offset = offsets[index] }
        }
        return body(list)
    }

    /// Reads every element of a list (owned by whoever passed it).
    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [Entry] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return [] }
        var result: [Entry] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let element = elements[index]
            result.append(
                Entry(
                    topicPartition: TopicPartition(topic: String(cString: element.topic), partition: element.partition),
                    offset: element.offset,
                    error: element.err
                )
            )
        }
        return result
    }

    static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
        guard let list else { return [] }
        return Self.entries(of: list).map(\.topicPartition)
    }

    /// The first per-partition error of a list, as a ``KafkaError``.
    static func firstError(in entries: [Entry], kind: KafkaError.Kind) -> KafkaError? {
        guard let failed = entries.first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) else { return nil }
        return KafkaError(
            kind: kind,
            err: failed.error,
            message: "\(failed.topicPartition): \(KafkaErrorCode(failed.error).summary)"
        )
    }
}

internal import CRdKafka

extension RDKafkaClient {
    enum PollResult {
        case none
        case message(KafkaMessage)
        case error(KafkaError)
    }

    /// Subscribes to `topics` (partitions come through the rebalance callback).
    func subscribe(to topics: [String]) throws(KafkaError) {
        // Partition -1 is RD_KAFKA_PARTITION_UA: "any partition", as subscriptions require.
        let err = RDKafkaTopicPartitionList.with(topics.map { TopicPartition(topic: $0, partition: -1) }) { list in
            rd_kafka_subscribe(self.handle, list)
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .subscription, err: err)
        }
    }

    /// Blocks up to `timeoutMilliseconds` for the next record, serving callbacks meanwhile.
    /// Call only from the consumer's poll thread.
    func consumerPoll(timeoutMilliseconds: Int32) -> PollResult {
        guard let message = rd_kafka_consumer_poll(self.handle, timeoutMilliseconds) else { return .none }
        defer { rd_kafka_message_destroy(message) }
        let err = message.pointee.err
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return .none }
            let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? KafkaErrorCode(err).summary
            if err == RD_KAFKA_RESP_ERR__FATAL, let fatal = self.callbacks.fatalError {
                return .error(fatal)
            }
            return .error(KafkaError(kind: .consume, err: err, message: text))
        }
        return .message(KafkaMessage(copying: message))
    }

    /// Stores `nextOffsets[i]` (the offset to resume from) for `partitions[i]`; committed by the
    /// next auto-commit or explicit commit. Fails for partitions not assigned to this consumer.
    func storeOffsets(_ partitions: [TopicPartition], nextOffsets: [Int64]) throws(KafkaError) {
        let (err, entries) = RDKafkaTopicPartitionList.with(partitions, offsets: nextOffsets) { list in
            (rd_kafka_offsets_store(self.handle, list), RDKafkaTopicPartitionList.entries(of: list))
        }
        if let failed = RDKafkaTopicPartitionList.firstError(in: entries, kind: .offsetStore) {
            throw failed
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .offsetStore, err: err)
        }
    }

    /// Synchronously commits the stored offsets of the current assignment. Blocks: call only
    /// from a dedicated thread. Having nothing new to commit is success.
    func commitStoredOffsets() throws(KafkaError) {
        let err = rd_kafka_commit(self.handle, nil, 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError(kind: .commit, err: err)
        }
    }

    func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try self.pauseOrResume(partitions, pause: true)
    }

    func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try self.pauseOrResume(partitions, pause: false)
    }

    private func pauseOrResume(_ partitions: [TopicPartition], pause: Bool) throws(KafkaError) {
        let (err, entries) = RDKafkaTopicPartitionList.with(partitions) { list in
            let err = pause ? rd_kafka_pause_partitions(self.handle, list) : rd_kafka_resume_partitions(self.handle, list)
            return (err, RDKafkaTopicPartitionList.entries(of: list))
        }
        if let failed = RDKafkaTopicPartitionList.firstError(in: entries, kind: .pauseResume) {
            throw failed
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .pauseResume, err: err)
        }
    }

    /// The partitions currently assigned to this consumer (local state, does not block).
    func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(self.handle, &list)
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .offsetQuery, err: err)
        }
        return RDKafkaTopicPartitionList.partitions(of: list)
    }

    /// The group's committed offsets (the offset to resume from; `nil` when none). Blocks on the
    /// coordinator up to `timeoutMilliseconds`: call only from a dedicated thread.
    func committedOffsets(_ partitions: [TopicPartition], timeoutMilliseconds: Int32) throws(KafkaError) -> [TopicPartition: Int64] {
        let (err, entries) = RDKafkaTopicPartitionList.with(partitions) { list in
            (rd_kafka_committed(self.handle, list, timeoutMilliseconds), RDKafkaTopicPartitionList.entries(of: list))
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .offsetQuery, err: err)
        }
        return Self.validOffsets(entries)
    }

    /// The next offset this consumer will hand out per partition (`nil` before the first record).
    func positions(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartition: Int64] {
        let (err, entries) = RDKafkaTopicPartitionList.with(partitions) { list in
            (rd_kafka_position(self.handle, list), RDKafkaTopicPartitionList.entries(of: list))
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .offsetQuery, err: err)
        }
        return Self.validOffsets(entries)
    }

    /// Low and high watermark of a partition, asked from its leader (blocking up to
    /// `timeoutMilliseconds`): the values cached from fetch responses go stale exactly when lag
    /// matters, for paused partitions. Falls back to the cache when the leader cannot answer.
    func watermarks(of partition: TopicPartition, timeoutMilliseconds: Int32) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(
            self.handle,
            partition.topic,
            partition.partition,
            &low,
            &high,
            timeoutMilliseconds
        )
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            return (low, high)
        }
        var cachedLow: Int64 = -1
        var cachedHigh: Int64 = -1
        let cached = rd_kafka_get_watermark_offsets(self.handle, partition.topic, partition.partition, &cachedLow, &cachedHigh)
        if cached == RD_KAFKA_RESP_ERR_NO_ERROR && cachedLow >= 0 && cachedHigh >= 0 {
            return (cachedLow, cachedHigh)
        }
        throw KafkaError(kind: .offsetQuery, err: err, message: "\(partition): \(KafkaErrorCode(err).summary)")
    }

    /// Leaves the group (serving the final revocation through the rebalance callback). Blocks:
    /// call only from the poll thread.
    func closeConsumer() throws(KafkaError) {
        let err = rd_kafka_consumer_close(self.handle)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .consume, err: err)
        }
    }

    private static func validOffsets(_ entries: [RDKafkaTopicPartitionList.Entry]) -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for entry in entries where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 {
            result[entry.topicPartition] = entry.offset
        }
        return result
    }
}

import Logging

/// A consumer in a consumer group, built for at-least-once processing.
///
/// - A dedicated thread polls librdkafka and hands ``KafkaConsumerEvent``s, in order, to
///   ``events`` through a bounded buffer: when the application falls behind the thread waits,
///   nothing is dropped.
/// - Only offsets the application stores (``storeOffset(for:)``) are committed, in the
///   background every ``KafkaConsumerConfiguration/autoCommitInterval``, synchronously on
///   revocation and at ``close()``, and on demand with ``commit()``.
/// - Rebalances are cooperative (incremental). A revocation reaches the application after every
///   record of the revoked partitions already handed out; the poll thread waits for
///   ``RevocationCompletion/complete()`` before it commits and releases the partitions.
///
/// Iterate ``events`` from one task. Call ``close()`` for a graceful shutdown; dropping the last
/// reference without closing still commits the stored offsets and leaves the group, in the background.
public final class KafkaConsumer: Sendable {
    /// The configuration the consumer was created with.
    public let configuration: KafkaConsumerConfiguration
    let loop: ConsumerPollLoop
    private let logger: Logger

    /// Creates the consumer, subscribes to ``KafkaConsumerConfiguration/topics`` and starts polling.
    ///
    /// - Throws: ``KafkaError`` of kind ``KafkaError/Kind/configuration`` with librdkafka's
    ///   message when a setting is invalid, or ``KafkaError/Kind/subscription``.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        let properties = try configuration.librdkafkaProperties()
        var logger = logger
        logger[metadataKey: "kafka.client"] = "\(configuration.connection.clientID)"
        logger[metadataKey: "kafka.group"] = "\(configuration.groupID)"
        let client = try RDKafkaClient.make(role: .consumer, properties: properties, logger: logger)
        try client.subscribe(to: configuration.topics)
        self.configuration = configuration
        self.logger = logger
        self.loop = ConsumerPollLoop(client: client, configuration: configuration, logger: logger)
        self.loop.start()
        logger.info("Kafka consumer started", metadata: ["kafka.topics": "\(configuration.topics)"])
    }

    deinit {
        // Without a close() the poll thread still commits and leaves the group, then releases
        // the librdkafka handle on its own thread.
        self.loop.requestClose(waiter: nil)
    }

    /// The consumer's events, in order. Ends (returns `nil`) after ``close()``; throws a fatal
    /// ``KafkaError`` if librdkafka reports one. Iterate from a single task; the sequence keeps
    /// the consumer alive while it is iterated.
    public var events: KafkaConsumerEvents {
        KafkaConsumerEvents(consumer: self)
    }

    /// Marks a record as processed so its offset is committed.
    ///
    /// Pass the offset **of the processed record itself** (``KafkaMessage/offset``); the consumer
    /// stores `offset + 1`, the offset to resume from, as Kafka expects. When records of one
    /// partition finish out of order, store only the highest offset below which every record is done.
    ///
    /// - Throws: ``KafkaError`` of kind ``KafkaError/Kind/offsetStore`` (code
    ///   ``KafkaErrorCode/invalidState``) when the partition is no longer assigned to this consumer:
    ///   its next owner processes the record again.
    public func storeOffset(topic: String, partition: Int32, offset: Int64) throws(KafkaError) {
        try self.storeOffsets([TopicPartition(topic: topic, partition: partition): offset])
    }

    /// Marks `message` as processed (stores `message.offset + 1`). See ``storeOffset(topic:partition:offset:)``.
    public func storeOffset(for message: KafkaMessage) throws(KafkaError) {
        try self.storeOffset(topic: message.topic, partition: message.partition, offset: message.offset)
    }

    /// Marks several records as processed at once: for each partition, the offset of its last
    /// processed record (the consumer stores offset + 1).
    public func storeOffsets(_ processedOffsets: [TopicPartition: Int64]) throws(KafkaError) {
        guard !self.loop.isClosed else { throw KafkaError.closed("storeOffset") }
        guard !processedOffsets.isEmpty else { return }
        let entries = Array(processedOffsets)
        try self.loop.client.storeOffsets(entries.map(\.key), nextOffsets: entries.map { $0.value + 1 })
    }

    /// Commits the stored offsets now and waits for the coordinator's answer (on a dedicated
    /// thread, not the cooperative pool). Having nothing new to commit is not an error.
    public func commit() async throws(KafkaError) {
        guard !self.loop.isClosed else { throw KafkaError.closed("commit") }
        let client = self.loop.client
        try await DedicatedThread.run(name: "kafka-commit") { () -> Result<Void, KafkaError> in
            do throws(KafkaError) {
                try client.commitStoredOffsets()
                return .success(())
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Stops fetching from `partitions` (for example while their downstream is unavailable).
    ///
    /// Records fetched before the call may still arrive (up to ``KafkaConsumerConfiguration/eventBufferCapacity``);
    /// none fetched after it. The pause is forgotten when a partition is revoked and assigned again.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        guard !self.loop.isClosed else { throw KafkaError.closed("pause") }
        try self.loop.client.pause(partitions)
    }

    /// Resumes fetching from paused `partitions`, from the record after the last one delivered.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        guard !self.loop.isClosed else { throw KafkaError.closed("resume") }
        try self.loop.client.resume(partitions)
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        guard !self.loop.isClosed else { throw KafkaError.closed("assignment") }
        return try self.loop.client.assignment().sorted()
    }

    /// Whether a broker of the cluster answers a metadata request within `timeout`: what a
    /// readiness probe needs to know, since librdkafka keeps reconnecting silently while the
    /// brokers are away. Runs on a dedicated thread.
    public func brokersReachable(timeout: Duration = .seconds(2)) async -> Bool {
        guard !self.loop.isClosed else { return false }
        return await self.loop.client.brokersReachable(timeout: timeout)
    }

    /// Per-partition lag of the group for the partitions assigned to this consumer, for a metric.
    ///
    /// Asks the coordinator for committed offsets and the partition leaders for watermarks, on a
    /// dedicated thread (a few round trips: meant for a metric sampled every few seconds).
    public func lag(timeout: Duration = .seconds(5)) async throws(KafkaError) -> [KafkaPartitionLag] {
        guard !self.loop.isClosed else { throw KafkaError.closed("lag") }
        let client = self.loop.client
        let timeoutMilliseconds = max(1, timeout.clampedMilliseconds)
        return try await DedicatedThread.run(name: "kafka-lag") { () -> Result<[KafkaPartitionLag], KafkaError> in
            do throws(KafkaError) {
                let partitions = try client.assignment().sorted()
                guard !partitions.isEmpty else { return .success([]) }
                let committed = try client.committedOffsets(partitions, timeoutMilliseconds: timeoutMilliseconds)
                let positions = try client.positions(partitions)
                var lags: [KafkaPartitionLag] = []
                for partition in partitions {
                    let (low, high) = try client.watermarks(of: partition, timeoutMilliseconds: timeoutMilliseconds)
                    lags.append(
                        KafkaPartitionLag(
                            topicPartition: partition,
                            highWatermark: high,
                            lowWatermark: low,
                            committedOffset: committed[partition],
                            position: positions[partition]
                        )
                    )
                }
                return .success(lags)
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Shuts the consumer down gracefully: stops delivering events (the sequence ends; events
    /// still buffered are discarded and their records, not stored, are delivered again later),
    /// commits the stored offsets synchronously, leaves the group (`rd_kafka_consumer_close`)
    /// and stops the poll thread. Calling it again waits for, and returns, the same outcome.
    ///
    /// Finish in-flight work and store its offsets before calling it.
    ///
    /// - Throws: ``KafkaError`` when the final commit failed (the consumer is closed anyway) or
    ///   the consumer stopped on a fatal error.
    public func close() async throws(KafkaError) {
        let result = await withCheckedContinuation { continuation in
            self.loop.requestClose(waiter: continuation)
        }
        try result.get()
        self.logger.info("Kafka consumer closed")
    }
}

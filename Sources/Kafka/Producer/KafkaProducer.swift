import Logging

/// An idempotent producer (`enable.idempotence=true`, `acks=all`): a record is acknowledged once
/// every in-sync replica has it, and librdkafka's retries never duplicate or reorder records
/// within a partition.
///
/// ``send(topic:partition:key:value:headers:)`` suspends until the record's delivery report
/// arrives. A dedicated thread serves the reports and resumes senders directly, so thousands of
/// concurrent sends cost one continuation each and no extra thread hop.
public final class KafkaProducer: Sendable {
    /// The configuration the producer was created with.
    public let configuration: KafkaProducerConfiguration
    let loop: ProducerPollLoop
    private let logger: Logger

    /// Creates the producer and starts its poll thread.
    ///
    /// - Throws: ``KafkaError`` of kind ``KafkaError/Kind/configuration`` with librdkafka's
    ///   message when a setting is invalid.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        let properties = try configuration.librdkafkaProperties()
        var logger = logger
        logger[metadataKey: "kafka.client"] = "\(configuration.connection.clientID)"
        let client = try RDKafkaClient.make(role: .producer, properties: properties, logger: logger)
        self.configuration = configuration
        self.logger = logger
        self.loop = ProducerPollLoop(client: client, configuration: configuration, logger: logger)
        self.loop.start()
    }

    deinit {
        // Without a shutdown() the poll thread still flushes, then releases the handle itself.
        self.loop.requestShutdown(waiter: nil)
    }

    /// Sends one record and returns where the cluster stored it.
    ///
    /// - Parameters:
    ///   - topic: The destination topic.
    ///   - partition: A fixed partition, or `nil` to let the partitioner pick one from the key.
    ///   - key: The record key (`nil` for none). Records with the same key keep their order.
    ///   - value: The record value (`nil` for a tombstone).
    ///   - headers: Record headers, in order.
    /// - Throws: ``KafkaError`` of kind ``KafkaError/Kind/delivery`` when the cluster did not
    ///   acknowledge the record within ``KafkaProducerConfiguration/deliveryTimeout`` or rejected
    ///   it; ``KafkaError/Kind/produce`` when librdkafka refused it up front (for example a record
    ///   over `message.max.bytes`, or a local queue that stayed full for the whole delivery
    ///   timeout); ``KafkaError/Kind/closed`` after ``shutdown()`` began.
    ///
    /// Cancelling the calling task does not withdraw a record librdkafka already accepted: the
    /// call still waits for, and returns, its outcome.
    public func send(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [KafkaHeader] = []
    ) async throws(KafkaError) -> KafkaDeliveryReport {
        let client = self.loop.client
        var backoff = Duration.milliseconds(1)
        let deadline = ContinuousClock.now + self.configuration.deliveryTimeout
        while true {
            if let fatal = client.callbacks.fatalError { throw fatal }
            let result = await withCheckedContinuation { continuation in
                let ticket = RDKafkaDeliveryTicket(topic: topic, continuation: continuation)
                let handedOver = self.loop.whileRunning {
                    if let refused = client.produce(
                        topic: topic,
                        partition: partition,
                        key: key,
                        value: value,
                        headers: headers,
                        ticket: ticket
                    ) {
                        ticket.complete(.failure(refused))
                    }
                }
                if !handedOver {
                    ticket.complete(.failure(KafkaError.closed("send")))
                }
            }
            switch result {
            case .success(let report):
                return report
            case .failure(let error) where error.code == .queueFull && ContinuousClock.now < deadline:
                // librdkafka's buffer is full: wait for deliveries to make room, without
                // blocking a cooperative thread.
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    throw KafkaError(
                        kind: .produce, code: .queueFull, message: "the local queue was full and the sending task was cancelled")
                }
                backoff = min(backoff * 2, .milliseconds(100))
            case .failure(let error):
                throw error
            }
        }
    }

    /// Sends one record whose key and value are UTF-8 strings (the value is required here, so a
    /// call with two `nil` literals picks the byte version). See ``send(topic:partition:key:value:headers:)``.
    public func send(
        topic: String,
        partition: Int32? = nil,
        key: String?,
        value: String,
        headers: [KafkaHeader] = []
    ) async throws(KafkaError) -> KafkaDeliveryReport {
        try await self.send(
            topic: topic,
            partition: partition,
            key: key.map { Array($0.utf8) },
            value: Array(value.utf8),
            headers: headers
        )
    }

    /// Whether a broker of the cluster answers a metadata request within `timeout` (for readiness probes).
    public func brokersReachable(timeout: Duration = .seconds(2)) async -> Bool {
        await self.loop.client.brokersReachable(timeout: timeout)
    }

    /// Waits (on a dedicated thread) until every record sent so far is acknowledged or failed.
    ///
    /// - Throws: ``KafkaError`` of kind ``KafkaError/Kind/flush`` (code ``KafkaErrorCode/timedOut``)
    ///   when records are still outstanding after `timeout`; they keep being retried.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let client = self.loop.client
        let milliseconds = timeout.clampedMilliseconds
        try await DedicatedThread.run(name: "kafka-flush") { () -> Result<Void, KafkaError> in
            do throws(KafkaError) {
                try client.flush(timeoutMilliseconds: milliseconds)
                return .success(())
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Shuts down gracefully: refuses new sends, waits up to
    /// ``KafkaProducerConfiguration/shutdownFlushTimeout`` for outstanding deliveries, fails the
    /// rest (their senders get a purge error), and stops the poll thread. Calling it again waits
    /// for, and returns, the same outcome.
    ///
    /// - Throws: ``KafkaError`` of kind ``KafkaError/Kind/flush`` when records had to be purged.
    public func shutdown() async throws(KafkaError) {
        let result = await withCheckedContinuation { continuation in
            self.loop.requestShutdown(waiter: continuation)
        }
        try result.get()
        self.logger.info("Kafka producer shut down")
    }
}

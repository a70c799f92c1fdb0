import Kafka

extension WorkerConfiguration {
    /// How the worker's clients reach the cluster: brokers, client id, TLS/SASL and the
    /// pass-through properties, the same for consumer, producer and the dead-letter tools.
    public var kafkaConnection: KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: kafka.bootstrapServers, clientID: kafka.clientID, security: kafka.security,
            properties: kafka.properties)
    }

    /// The producer's `message.max.bytes`: a dead letter is the original message plus headers of
    /// a few kilobytes, so it must fit whatever the worker accepts (librdkafka's default of
    /// 1,000,000 is below the default QBSYNC_MAX_MESSAGE_BYTES).
    var producerMessageMaxBytes: Int { max(1_000_000, eventLimits.maxMessageBytes + Self.deadLetterHeaderAllowance) }
    static let deadLetterHeaderAllowance = 64 * 1024

    /// The producer of status events and dead letters.
    public func producerConfiguration() -> KafkaProducerConfiguration {
        var producer = KafkaProducerConfiguration(connection: kafkaConnection, shutdownFlushTimeout: Self.flushTimeout)
        if kafka.properties["message.max.bytes"] == nil {
            producer.properties["message.max.bytes"] = String(producerMessageMaxBytes)
        }
        return producer
    }

    /// The consumer of the ingress topics.
    public func consumerConfiguration() -> KafkaConsumerConfiguration {
        var consumer = KafkaConsumerConfiguration(
            connection: kafkaConnection, groupID: kafka.groupID, topics: topics.ingress, revocationTimeout: drainTimeout,
            commitRetryTimeout: Self.commitTimeout)
        if kafka.tunedForMockCluster { consumer = consumer.tunedForMockCluster() }
        // A bounded read-ahead keeps memory flat while a backlog drains (librdkafka's default
        // prefetches up to 64 MB); QBSYNC_KAFKA_PROPERTY_* still overrides it.
        for (name, value) in Kafka.consumerPrefetch where kafka.properties[name] == nil {
            consumer.properties[name] = value
        }
        return consumer
    }
}

extension KafkaProducerConfiguration {
    /// Validates the settings and returns the librdkafka properties of the producer.
    func librdkafkaProperties() throws(KafkaError) -> [String: String] {
        var properties = LibrdkafkaProperties()
        try self.connection.apply(to: &properties)

        properties.set(
            "linger.ms",
            try LibrdkafkaProperties.milliseconds(self.linger, field: "linger", allowZero: true),
            ownedBy: "linger"
        )
        properties.reserve("queue.buffering.max.ms", for: "linger")
        properties.set(
            "message.timeout.ms",
            try LibrdkafkaProperties.milliseconds(self.deliveryTimeout, field: "deliveryTimeout"),
            ownedBy: "deliveryTimeout"
        )
        properties.reserve("delivery.timeout.ms", for: "deliveryTimeout")
        guard self.maxBufferedMessages >= 1 else {
            throw .invalidConfiguration("maxBufferedMessages must be at least 1, got \(self.maxBufferedMessages)")
        }
        properties.set("queue.buffering.max.messages", String(self.maxBufferedMessages), ownedBy: "maxBufferedMessages")
        properties.set("compression.codec", self.compression.rawValue, ownedBy: "compression")
        properties.reserve("compression.type", for: "compression")
        properties.set("partitioner", self.partitioner.rawValue, ownedBy: "partitioner")
        _ = try LibrdkafkaProperties.milliseconds(self.pollTimeout, field: "pollTimeout")
        _ = try LibrdkafkaProperties.milliseconds(self.shutdownFlushTimeout, field: "shutdownFlushTimeout", allowZero: true)

        let guarantee = "the producer's no-loss, no-duplicate guarantee (it is fixed)"
        properties.set("enable.idempotence", "true", ownedBy: guarantee)
        properties.set("acks", "all", ownedBy: guarantee)
        properties.reserve("request.required.acks", for: guarantee)

        try properties.merge(escapeHatch: self.connection.properties, from: "connection.properties")
        try properties.merge(escapeHatch: self.properties, from: "producer properties")
        return properties.values
    }
}

extension KafkaProducerConfiguration {
    /// Checks the settings as creating a producer would, without creating one.
    public func validate() throws(KafkaError) {
        _ = try self.librdkafkaProperties()
    }
}

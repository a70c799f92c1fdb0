extension KafkaConsumerConfiguration {
    /// Validates the settings and returns the librdkafka properties of the consumer.
    func librdkafkaProperties() throws(KafkaError) -> [String: String] {
        var properties = LibrdkafkaProperties()
        try self.connection.apply(to: &properties)

        guard !self.groupID.isEmpty else {
            throw .invalidConfiguration("groupID is empty; every worker of one service must share one group id")
        }
        properties.set("group.id", self.groupID, ownedBy: "groupID")
        guard !self.topics.isEmpty, !self.topics.contains(where: \.isEmpty) else {
            throw .invalidConfiguration("topics must list at least one non-empty topic name, got \(self.topics)")
        }
        properties.reserve("group.instance.id", for: "groupInstanceID")
        if let instance = self.groupInstanceID {
            guard !instance.isEmpty else {
                throw .invalidConfiguration("groupInstanceID is empty; use nil for dynamic membership")
            }
            properties.set("group.instance.id", instance, ownedBy: "groupInstanceID")
        }
        properties.set("auto.offset.reset", self.autoOffsetReset.rawValue, ownedBy: "autoOffsetReset")

        properties.set(
            "session.timeout.ms",
            try LibrdkafkaProperties.milliseconds(self.sessionTimeout, field: "sessionTimeout"),
            ownedBy: "sessionTimeout"
        )
        properties.set(
            "heartbeat.interval.ms",
            try LibrdkafkaProperties.milliseconds(self.heartbeatInterval, field: "heartbeatInterval"),
            ownedBy: "heartbeatInterval"
        )
        guard self.heartbeatInterval < self.sessionTimeout else {
            throw .invalidConfiguration(
                "heartbeatInterval (\(self.heartbeatInterval)) must be shorter than sessionTimeout (\(self.sessionTimeout)); a third of it is usual"
            )
        }
        properties.set(
            "max.poll.interval.ms",
            try LibrdkafkaProperties.milliseconds(self.maxPollInterval, field: "maxPollInterval"),
            ownedBy: "maxPollInterval"
        )
        guard self.maxPollInterval >= self.sessionTimeout else {
            throw .invalidConfiguration(
                "maxPollInterval (\(self.maxPollInterval)) must be at least sessionTimeout (\(self.sessionTimeout))"
            )
        }
        guard self.revocationTimeout < self.maxPollInterval else {
            throw .invalidConfiguration(
                "revocationTimeout (\(self.revocationTimeout)) must be shorter than maxPollInterval (\(self.maxPollInterval)), or the consumer is evicted while it waits"
            )
        }
        properties.set(
            "auto.commit.interval.ms",
            try LibrdkafkaProperties.milliseconds(self.autoCommitInterval, field: "autoCommitInterval"),
            ownedBy: "autoCommitInterval"
        )
        _ = try LibrdkafkaProperties.milliseconds(self.pollTimeout, field: "pollTimeout")
        _ = try LibrdkafkaProperties.milliseconds(self.revocationTimeout, field: "revocationTimeout", allowZero: true)
        _ = try LibrdkafkaProperties.milliseconds(self.commitRetryTimeout, field: "commitRetryTimeout", allowZero: true)
        guard self.eventBufferCapacity >= 1 else {
            throw .invalidConfiguration("eventBufferCapacity must be at least 1, got \(self.eventBufferCapacity)")
        }

        let guarantee = "the consumer's at-least-once guarantee (it is fixed)"
        properties.set("enable.auto.commit", "true", ownedBy: guarantee)
        properties.set("enable.auto.offset.store", "false", ownedBy: guarantee)
        properties.set("partition.assignment.strategy", "cooperative-sticky", ownedBy: guarantee)
        properties.set("enable.partition.eof", "false", ownedBy: guarantee)

        try properties.merge(escapeHatch: self.connection.properties, from: "connection.properties")
        try properties.merge(escapeHatch: self.properties, from: "consumer properties")
        return properties.values
    }
}

extension KafkaConsumerConfiguration {
    /// Checks the settings as creating a consumer would, without creating one.
    public func validate() throws(KafkaError) {
        _ = try self.librdkafkaProperties()
    }
}

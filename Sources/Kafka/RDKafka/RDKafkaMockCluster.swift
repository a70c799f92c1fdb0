internal import CRdKafka
import Logging

/// Sole owner of an `rd_kafka_mock_cluster_t` and of the `rd_kafka_t` it is attached to.
final class RDKafkaMockCluster: @unchecked Sendable {
    private let host: RDKafkaClient
    private let cluster: OpaquePointer
    let bootstrapServers: String
    let brokerCount: Int

    init(brokerCount: Int, logger: Logger) throws(KafkaError) {
        guard brokerCount >= 1, brokerCount <= 64 else {
            throw KafkaError(
                kind: .mockCluster,
                code: .invalidArgument,
                message: "brokerCount must be between 1 and 64, got \(brokerCount)",
                isRetriable: false
            )
        }
        // Needs no bootstrap servers: this handle only owns the mock's bookkeeping.
        self.host = try RDKafkaClient.make(role: .mockClusterHost, properties: [:], logger: logger)
        guard let cluster = rd_kafka_mock_cluster_new(self.host.handle, Int32(brokerCount)) else {
            throw KafkaError(
                kind: .mockCluster,
                code: .invalidArgument,
                message: "rd_kafka_mock_cluster_new failed (could not open loopback listeners?)",
                isRetriable: false
            )
        }
        self.cluster = cluster
        self.brokerCount = brokerCount
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        // The cluster first: it is attached to `host`, whose rd_kafka_t is destroyed afterwards
        // when the stored property is released.
        rd_kafka_mock_cluster_destroy(self.cluster)
    }

    func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32) throws(KafkaError) {
        try Self.check(rd_kafka_mock_topic_create(self.cluster, name, partitions, replicationFactor), "creating topic '\(name)'")
    }

    func setBroker(_ id: Int32, up: Bool) throws(KafkaError) {
        let err = up ? rd_kafka_mock_broker_set_up(self.cluster, id) : rd_kafka_mock_broker_set_down(self.cluster, id)
        try Self.check(err, "setting broker \(id) \(up ? "up" : "down")")
    }

    func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try Self.check(
            rd_kafka_mock_partition_set_leader(self.cluster, topic, partition, broker),
            "moving the leader of \(topic)[\(partition)] to broker \(broker)"
        )
    }

    func setRoundTripTime(broker: Int32, milliseconds: Int32) throws(KafkaError) {
        try Self.check(rd_kafka_mock_broker_set_rtt(self.cluster, broker, milliseconds), "setting the round-trip time of broker \(broker)")
    }

    private static func check(_ err: rd_kafka_resp_err_t, _ what: String) throws(KafkaError) {
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .mockCluster, err: err, message: "\(what): \(KafkaErrorCode(err).summary)")
        }
    }
}

import Logging

/// librdkafka's built-in mock Kafka cluster: real Kafka protocol on loopback ports, with
/// producing, idempotence, consumer groups and offset commits.
///
/// Used by tests and the embedded development setup. Limits worth knowing: it keeps only a few
/// megabytes per partition (older records fall off), it has no CreateTopics API (use
/// ``createTopic(_:partitions:replicationFactor:)``; producing to an unknown topic auto-creates it
/// with librdkafka's default partition count), and taking a broker down does not move partition
/// leadership (use ``setPartitionLeader(topic:partition:broker:)``).
///
/// Ports are chosen by the kernel: librdkafka 2.0.2 cannot start a mock broker on a fixed port.
/// Read ``bootstrapServers`` after creating the cluster and hand it to the clients (or, for
/// separate processes, publish it, e.g. print it or write it to a file). A broker keeps its port
/// across ``setBrokerDown(_:)`` / ``setBrokerUp(_:)``.
///
/// The cluster runs on librdkafka's own thread and is destroyed exactly once, when the last
/// reference goes away. Close clients connected to it first, or they spend their timeouts
/// trying to reach it.
public final class KafkaMockCluster: Sendable {
    private let cluster: RDKafkaMockCluster

    /// Starts a mock cluster with brokers numbered 1 through `brokerCount`.
    public init(brokerCount: Int = 1, logger: Logger = Logger(label: "kafka.mock")) throws(KafkaError) {
        self.cluster = try RDKafkaMockCluster(brokerCount: brokerCount, logger: logger)
    }

    /// The `bootstrap.servers` string (`127.0.0.1:port,…`) to give to clients.
    public var bootstrapServers: String { self.cluster.bootstrapServers }

    /// How many brokers the cluster has (ids 1 through this number).
    public var brokerCount: Int { self.cluster.brokerCount }

    /// Creates a topic; partition leaders are spread over the brokers.
    ///
    /// - Throws: ``KafkaError`` of kind ``KafkaError/Kind/mockCluster``, for example
    ///   `TOPIC_ALREADY_EXISTS`, or an invalid partition count or replication factor.
    public func createTopic(_ name: String, partitions: Int = 1, replicationFactor: Int = 1) throws(KafkaError) {
        guard partitions >= 1, replicationFactor >= 1, replicationFactor <= self.brokerCount else {
            throw KafkaError(
                kind: .mockCluster,
                code: .invalidArgument,
                message:
                    "topic '\(name)' needs at least 1 partition and a replication factor between 1 and \(self.brokerCount), got \(partitions) and \(replicationFactor)",
                isRetriable: false
            )
        }
        try self.cluster.createTopic(name, partitions: Int32(clamping: partitions), replicationFactor: Int32(clamping: replicationFactor))
    }

    /// Disconnects broker `id` and refuses new connections until ``setBrokerUp(_:)``.
    /// Leadership does not move: partitions it leads are unavailable meanwhile.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try self.cluster.setBroker(id, up: false)
    }

    /// Lets broker `id` accept connections again, on the same port.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try self.cluster.setBroker(id, up: true)
    }

    /// Makes broker `broker` the leader of one partition.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try self.cluster.setPartitionLeader(topic: topic, partition: partition, broker: broker)
    }

    /// Delays every response of broker `broker` by `delay` (to simulate a remote cluster).
    public func setRoundTripTime(broker: Int32, _ delay: Duration) throws(KafkaError) {
        try self.cluster.setRoundTripTime(broker: broker, milliseconds: delay.clampedMilliseconds)
    }
}

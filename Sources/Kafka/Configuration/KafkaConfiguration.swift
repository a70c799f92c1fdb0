/// Connection settings shared by ``KafkaConsumer`` and ``KafkaProducer``: where the cluster is,
/// who this client is, how it authenticates.
///
/// Load it once (from the environment or flags) and embed it in ``KafkaConsumerConfiguration``
/// and ``KafkaProducerConfiguration``. Everything is validated when a client is created;
/// invalid values raise a ``KafkaError`` of kind ``KafkaError/Kind/configuration`` carrying
/// librdkafka's own message.
public struct KafkaConfiguration: Sendable, CustomStringConvertible {
    /// `bootstrap.servers`: `host:port` pairs used to discover the cluster.
    public var bootstrapServers: [String]
    /// `client.id`: shows up in broker logs and quotas; use the service name.
    public var clientID: String
    /// TLS and SASL settings.
    public var security: KafkaSecurity
    /// Extra librdkafka properties for both consumer and producer, applied as given
    /// (for example `socket.keepalive.enable` or `reconnect.backoff.max.ms`).
    ///
    /// Properties that a typed field sets, and the ones this library relies on for its
    /// delivery guarantees, are refused here with a ``KafkaError`` naming the field to use.
    public var properties: [String: String]

    /// Creates connection settings.
    public init(
        bootstrapServers: [String],
        clientID: String = "qbsync",
        security: KafkaSecurity = .plaintext,
        properties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.security = security
        self.properties = properties
    }

    /// Creates connection settings from a comma-separated `bootstrap.servers` string.
    public init(
        bootstrapServers: String,
        clientID: String = "qbsync",
        security: KafkaSecurity = .plaintext,
        properties: [String: String] = [:]
    ) {
        self.init(
            bootstrapServers: bootstrapServers.split(separator: ",").map {
                String($0.filter { !$0.isWhitespace })
            }.filter { !$0.isEmpty },
            clientID: clientID,
            security: security,
            properties: properties
        )
    }

    public var description: String {
        "KafkaConfiguration(bootstrapServers: \(self.bootstrapServers.joined(separator: ",")), clientID: \(self.clientID), \(self.security), properties: \(self.properties.keys.sorted()))"
    }
}

import Kafka
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    private func consumerConfiguration(
        security: KafkaSecurity = .plaintext,
        connectionProperties: [String: String] = [:],
        properties: [String: String] = [:]
    ) -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(
            connection: KafkaConfiguration(bootstrapServers: "127.0.0.1:9", security: security, properties: connectionProperties),
            groupID: "qbsync",
            topics: ["billing.invoices"],
            properties: properties
        )
    }

    private func consumerError(_ configuration: KafkaConsumerConfiguration) -> KafkaError? {
        do throws(KafkaError) {
            _ = try KafkaConsumer(configuration: configuration, logger: testLogger)
            return nil
        } catch {
            return error
        }
    }

    @Test("an unknown librdkafka property is refused with librdkafka's message")
    func unknownProperty() throws {
        let error = try #require(consumerError(consumerConfiguration(properties: ["fetch.max.byets": "1048576"])))
        #expect(error.kind == .configuration)
        #expect(error.message.contains("No such configuration property"))
        #expect(error.message.contains("fetch.max.byets"))
        #expect(!error.isRetriable)
    }

    @Test("an invalid property value is refused with librdkafka's message")
    func invalidValue() throws {
        let error = try #require(consumerError(consumerConfiguration(connectionProperties: ["socket.keepalive.enable": "perhaps"])))
        #expect(error.kind == .configuration)
        #expect(error.message.contains("socket.keepalive.enable"))
        #expect(error.message.contains("true or false"))
    }

    @Test("the escape hatch cannot switch off the at-least-once settings")
    func guaranteesAreFixed() throws {
        for (name, value) in ["enable.auto.offset.store": "true", "partition.assignment.strategy": "range", "enable.auto.commit": "false"] {
            let error = try #require(consumerError(consumerConfiguration(properties: [name: value])))
            #expect(error.kind == .configuration)
            #expect(error.message.contains(name))
            #expect(error.message.contains("fixed"))
        }
        let producerError: KafkaError? = {
            do throws(KafkaError) {
                _ = try KafkaProducer(
                    configuration: KafkaProducerConfiguration(
                        connection: KafkaConfiguration(bootstrapServers: "127.0.0.1:9"),
                        properties: ["enable.idempotence": "false"]
                    ),
                    logger: testLogger
                )
                return nil
            } catch {
                return error
            }
        }()
        #expect(producerError?.kind == .configuration)
    }

    @Test("a property owned by a typed field points to that field")
    func typedFieldsWin() throws {
        let error = try #require(consumerError(consumerConfiguration(properties: ["session.timeout.ms": "10000"])))
        #expect(error.message.contains("sessionTimeout"))
    }

    @Test("inconsistent timeouts are refused before librdkafka sees them")
    func inconsistentTimeouts() throws {
        var configuration = consumerConfiguration()
        configuration.heartbeatInterval = .seconds(10)
        configuration.sessionTimeout = .seconds(6)
        let error = try #require(consumerError(configuration))
        #expect(error.kind == .configuration)
        #expect(error.message.contains("heartbeatInterval"))

        configuration = consumerConfiguration()
        configuration.pollTimeout = .zero
        #expect(consumerError(configuration)?.message.contains("pollTimeout") == true)
    }

    @Test("SASL needs a mechanism, a username and a password, and the password is never printed")
    func saslSettings() throws {
        let incomplete = KafkaSecurity(securityProtocol: .saslSSL, saslMechanism: .scramSHA512, saslUsername: "qbsync")
        let error = try #require(consumerError(consumerConfiguration(security: incomplete)))
        #expect(error.kind == .configuration)
        #expect(error.message.contains("saslPassword"))

        let mismatched = KafkaSecurity(securityProtocol: .plaintext, saslMechanism: .plain, saslUsername: "u", saslPassword: "p")
        #expect(consumerError(consumerConfiguration(security: mismatched))?.kind == .configuration)

        let complete = KafkaSecurity(
            securityProtocol: .saslSSL,
            saslMechanism: .scramSHA512,
            saslUsername: "qbsync",
            saslPassword: "s3cret-token",
            sslCALocation: "/etc/ssl/certs/ca-certificates.crt"
        )
        let configuration = consumerConfiguration(security: complete)
        #expect(!"\(configuration)".contains("s3cret-token"))
        #expect("\(configuration)".contains("<redacted>"))
        // librdkafka accepts the combination (it only connects lazily).
        let consumer = try KafkaConsumer(configuration: configuration, logger: testLogger)
        _ = consumer
    }

    @Test("a comma-separated bootstrap list is split and trimmed")
    func bootstrapList() {
        let configuration = KafkaConfiguration(bootstrapServers: " kafka-1:9092, kafka-2:9092 ,,")
        #expect(configuration.bootstrapServers == ["kafka-1:9092", "kafka-2:9092"])
    }
}

import Kafka
import Testing

@Suite("Mock cluster")
struct MockClusterTests {
    @Test("the mock cluster lists one loopback address per broker")
    func bootstrapServers() throws {
        let cluster = try KafkaMockCluster(brokerCount: 3)
        let servers = cluster.bootstrapServers.split(separator: ",")
        #expect(servers.count == 3)
        #expect(servers.allSatisfy { $0.hasPrefix("127.0.0.1:") || $0.hasPrefix("localhost:") })
        #expect(cluster.brokerCount == 3)
    }

    @Test("creating an existing topic or touching an unknown broker fails with a typed error")
    func typedErrors() throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("billing.invoices", partitions: 3)
        #expect {
            try cluster.createTopic("billing.invoices", partitions: 3)
        } throws: { error in
            (error as? KafkaError)?.code == .topicAlreadyExists && (error as? KafkaError)?.kind == .mockCluster
        }
        #expect(throws: KafkaError.self) { try cluster.setBrokerDown(99) }
        #expect(throws: KafkaError.self) { try cluster.createTopic("bad", partitions: 0) }
        #expect(throws: KafkaError.self) { try KafkaMockCluster(brokerCount: 0) }
        try cluster.setBrokerDown(1)
        try cluster.setBrokerUp(1)
    }
}

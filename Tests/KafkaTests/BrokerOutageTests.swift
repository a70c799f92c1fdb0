import Kafka
import Testing

@Suite("Broker outages", .timeLimit(.minutes(1)))
struct BrokerOutageTests {
    @Test("a broker going down and coming back loses no acknowledged record and doubles none")
    func brokerDownAndUp() async throws {
        let cluster = try KafkaMockCluster(brokerCount: 3)
        let topic = uniqueName("outage")
        try cluster.createTopic(topic, partitions: 3, replicationFactor: 3)
        for partition: Int32 in 0..<3 {
            try cluster.setPartitionLeader(topic: topic, partition: partition, broker: partition + 1)
        }
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)

        var acknowledged: [KafkaDeliveryReport] = []
        for partition: Int32 in 0..<3 {
            acknowledged += try await produce(producer, topic: topic, partition: partition, count: 10, prefix: "before-\(partition)")
        }

        // Broker 2 leads partition 1; the mock does not move leadership, so records for it wait.
        try cluster.setBrokerDown(2)
        let pendingCount = Locked<[Int32: Int]>([0: 10, 1: 10, 2: 10])
        let during = Task {
            try await withThrowingTaskGroup(of: KafkaDeliveryReport.self) { group in
                for partition: Int32 in 0..<3 {
                    for index in 0..<10 {
                        group.addTask {
                            let report = try await producer.send(
                                topic: topic, partition: partition, key: nil, value: "during-\(partition)-\(index)")
                            pendingCount.withLock { $0[partition, default: 0] -= 1 }
                            return report
                        }
                    }
                }
                return try await group.reduce(into: [KafkaDeliveryReport]()) { $0.append($1) }
            }
        }
        try await waitUntil("the records for the healthy brokers") {
            let pending = pendingCount.current
            return pending[0] == 0 && pending[2] == 0
        }
        #expect(pendingCount.current[1] == 10, "a record was acknowledged by a broker that is down")
        do throws(KafkaError) {
            try await producer.flush(timeout: .milliseconds(200))
            Issue.record("flush succeeded while records for a down broker were outstanding")
        } catch {
            #expect(error.kind == .flush)
            #expect(error.code == .timedOut)
        }

        try cluster.setBrokerUp(2)
        acknowledged += try await during.value
        #expect(acknowledged.count == 60)

        let probe = ConsumerProbe(
            try KafkaConsumer(configuration: .test(cluster, group: uniqueName("g"), topics: [topic]), logger: testLogger))
        try await waitUntil("all 60 records") { probe.messages.count >= 60 }
        try await probe.close()
        try await producer.shutdown()

        let values = probe.messages.compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
        #expect(values.count == 60)
        #expect(Set(values).count == 60, "a record was stored twice")
        #expect(Set(values.filter { $0.hasPrefix("during-1-") }).count == 10)
        let stored = Set(probe.messages.map { "\($0.partition)@\($0.offset)" })
        for report in acknowledged {
            if let offset = report.offset {
                #expect(stored.contains("\(report.partition)@\(offset)"), "acknowledged \(report.partition)@\(offset) is missing")
            }
        }
    }
}

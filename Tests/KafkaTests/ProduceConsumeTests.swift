import Testing

@testable import Kafka

@Suite("Producing and consuming", .timeLimit(.minutes(1)))
struct ProduceConsumeTests {
    @Test("a record sent with key, value and headers is consumed byte for byte")
    func roundTrip() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("round-trip")
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)

        let headers = [
            KafkaHeader(name: "reason", string: "invalid_field"),
            KafkaHeader(name: "bytes", value: [0x00, 0xFF, 0x10]),
            KafkaHeader(name: "reason", string: "second value, same name"),
            KafkaHeader(name: "null", value: nil),
        ]
        let value: [UInt8] = Array(#"{"amount":"450.00"}"#.utf8) + [0x00, 0xFE]
        let first = try await producer.send(topic: topic, key: Array("firm-42".utf8), value: value, headers: headers)
        let tombstone = try await producer.send(topic: topic, key: Array("firm-42".utf8), value: nil)
        let keyless = try await producer.send(topic: topic, key: nil, value: [])

        let probe = ConsumerProbe(
            try KafkaConsumer(configuration: .test(cluster, group: uniqueName("g"), topics: [topic]), logger: testLogger)
        )
        try await waitUntil("three records") { probe.messages.count >= 3 }
        try await probe.close()
        try await producer.shutdown()

        let messages = probe.messages
        try #require(messages.count == 3)
        #expect(messages[0].topic == topic)
        #expect(messages[0].partition == first.partition)
        #expect(messages[0].offset == first.offset)
        #expect(messages[0].key == Array("firm-42".utf8))
        #expect(messages[0].value == value)
        #expect(messages[0].headers == headers)
        #expect(messages[0].header(named: "reason")?.stringValue == "invalid_field")
        #expect(messages[0].timestamp?.kind == .createTime)

        #expect(messages[1].offset == tombstone.offset)
        #expect(messages[1].key == Array("firm-42".utf8))
        #expect(messages[1].value == nil)
        #expect(messages[1].headers.isEmpty)

        #expect(messages[2].offset == keyless.offset)
        #expect(messages[2].key == nil)
        #expect(messages[2].value == [])
    }

    @Test("delivery reports give the partition and offset the cluster assigned")
    func deliveryReports() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("reports")
        try cluster.createTopic(topic, partitions: 3)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)

        let onZero = try await produce(producer, topic: topic, partition: 0, count: 5, prefix: "p0")
        let onTwo = try await produce(producer, topic: topic, partition: 2, count: 3, prefix: "p2")
        #expect(onZero.map(\.partition) == Array(repeating: 0, count: 5))
        #expect(onZero.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(onTwo.map(\.partition) == [2, 2, 2])
        #expect(onTwo.map(\.offset) == [0, 1, 2])
        #expect(onTwo.allSatisfy { $0.topic == topic })

        // Many concurrent sends: every record gets its own report, and the offsets of each
        // partition are exactly 0..<n (none lost, none doubled).
        let reports = try await withThrowingTaskGroup(of: KafkaDeliveryReport.self) { group in
            for index in 0..<2_000 {
                group.addTask {
                    try await producer.send(topic: topic, key: "firm-\(index % 17)", value: "event-\(index)")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reports.count == 2_000)
        let existing: [Int32: Int64] = [0: 5, 1: 0, 2: 3]
        for (partition, partitionReports) in Dictionary(grouping: reports, by: \.partition) {
            let offsets = partitionReports.compactMap(\.offset).sorted()
            let start = existing[partition] ?? 0
            #expect(offsets == Array(start..<(start + Int64(partitionReports.count))))
        }

        try await producer.flush(timeout: .seconds(5))

        // A record for a partition that does not exist fails with a typed error.
        do throws(KafkaError) {
            _ = try await producer.send(topic: topic, partition: 7, key: "firm-1", value: "lost?")
            Issue.record("sending to partition 7 of a 3-partition topic succeeded")
        } catch {
            #expect(error.code == .unknownPartition)
            #expect(error.kind == .produce || error.kind == .delivery)
            #expect(!error.isFatal)
        }
        try await producer.shutdown()
    }

    @Test("a producer dropped without shutdown delivers what it accepted and releases everything")
    func producerDeinit() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("producer-deinit")
        try cluster.createTopic(topic, partitions: 1)
        weak var pollLoop: ProducerPollLoop?
        var report: KafkaDeliveryReport?
        do {
            let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)
            pollLoop = producer.loop
            report = try await producer.send(topic: topic, key: nil, value: "last words")
        }
        // The poll thread holds the last reference until it has flushed and destroyed the handle.
        try await waitUntil("the dropped producer to shut down") { pollLoop == nil }
        #expect(report?.offset == 0)
    }

    @Test("a slow reader holds the poll thread back without losing or reordering records")
    func backPressure() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("back-pressure")
        try cluster.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for partition: Int32 in [0, 1] {
                group.addTask {
                    for batch in 0..<10 {
                        try await withThrowingTaskGroup(of: KafkaDeliveryReport.self) { sends in
                            for index in 0..<50 {
                                sends.addTask {
                                    try await producer.send(topic: topic, partition: partition, key: nil, value: "\(batch * 50 + index)")
                                }
                            }
                            try await sends.waitForAll()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }

        // Capacity 1: the poll thread can run at most one event ahead of this reader.
        let consumer = try KafkaConsumer(
            configuration: .test(cluster, group: uniqueName("g"), topics: [topic], eventBufferCapacity: 1),
            logger: testLogger
        )
        var offsets: [Int32: [Int64]] = [:]
        for try await event in consumer.events {
            guard case .message(let message) = event else { continue }
            offsets[message.partition, default: []].append(message.offset)
            try consumer.storeOffset(for: message)
            if offsets.values.map(\.count).reduce(0, +) == 1_000 { break }
        }
        try await consumer.close()
        try await producer.shutdown()
        #expect(offsets[0] == Array(0..<500))
        #expect(offsets[1] == Array(0..<500))
    }
}

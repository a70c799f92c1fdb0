import Kafka
import Testing

@Suite("Pausing partitions", .timeLimit(.minutes(1)))
struct PauseResumeTests {
    @Test("a paused partition delivers nothing new while others flow, and resumes where it stopped")
    func pauseAndResume() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("pause")
        try cluster.createTopic(topic, partitions: 2)
        let paused = TopicPartition(topic: topic, partition: 0)
        let flowing = TopicPartition(topic: topic, partition: 1)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)
        try await produce(producer, topic: topic, partition: 0, count: 3, prefix: "early")
        try await produce(producer, topic: topic, partition: 1, count: 3, prefix: "early")

        let probe = ConsumerProbe(
            try KafkaConsumer(configuration: .test(cluster, group: uniqueName("g"), topics: [topic]), logger: testLogger))
        try await waitUntil("the first six records") { probe.messages.count == 6 }

        try probe.consumer.pause([paused])
        // The paused partition's records are produced first, so without the pause they would
        // arrive no later than the flowing partition's.
        try await produce(producer, topic: topic, partition: 0, count: 3, prefix: "held")
        try await produce(producer, topic: topic, partition: 1, count: 3, prefix: "late")
        try await waitUntil("the flowing partition's new records") {
            probe.messages.filter { $0.topicPartition == flowing }.count == 6
        }
        #expect(probe.messages.filter { $0.topicPartition == paused }.map(\.offset) == [0, 1, 2])
        let lagWhilePaused = try await probe.consumer.lag()
        #expect(lagWhilePaused.first { $0.topicPartition == paused }?.fetchLag == 3)

        try probe.consumer.resume([paused])
        try await waitUntil("the held records") {
            probe.messages.filter { $0.topicPartition == paused }.count == 6
        }
        try await probe.close()
        try await producer.shutdown()
        let onPaused = probe.messages.filter { $0.topicPartition == paused }
        #expect(onPaused.map(\.offset) == [0, 1, 2, 3, 4, 5])
        #expect(onPaused.suffix(3).map { $0.value.map { String(decoding: $0, as: UTF8.self) } } == ["held-0", "held-1", "held-2"])
    }
}

import Testing

@testable import Kafka

@Suite("Consumer groups", .timeLimit(.minutes(1)))
struct ConsumerGroupTests {
    @Test("a record whose offset was not stored is delivered again to the group's next consumer")
    func unstoredRecordIsRedelivered() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("redelivery")
        let group = uniqueName("g")
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)
        try await produce(producer, topic: topic, partition: 0, count: 5, prefix: "event")

        // Processes records 0, 1 and 2, receives 3 and 4 but never finishes them.
        let first = try KafkaConsumer(configuration: .test(cluster, group: group, topics: [topic]), logger: testLogger)
        var received: [KafkaMessage] = []
        for try await event in first.events {
            guard case .message(let message) = event else { continue }
            received.append(message)
            if message.offset <= 2 { try first.storeOffset(topic: message.topic, partition: message.partition, offset: message.offset) }
            if received.count == 5 { break }
        }
        try await first.close()
        #expect(received.map(\.offset) == [0, 1, 2, 3, 4])

        let second = ConsumerProbe(try KafkaConsumer(configuration: .test(cluster, group: group, topics: [topic]), logger: testLogger))
        try await waitUntil("the unprocessed records") { second.messages.count >= 2 }
        try await second.close()
        try await producer.shutdown()
        #expect(second.messages.map(\.offset) == [3, 4])
        #expect(second.messages.map(\.value) == [Array("event-3".utf8), Array("event-4".utf8)])
    }

    @Test("three consumers of one group share the partitions and see every record exactly once")
    func threeConsumersShareTheWork() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("shared")
        let group = uniqueName("g")
        try cluster.createTopic(topic, partitions: 6)
        let partitions = (0..<6).map { TopicPartition(topic: topic, partition: Int32($0)) }
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)
        for partition in 0..<6 {
            try await produce(producer, topic: topic, partition: Int32(partition), count: 5, prefix: "before")
        }

        let probes = try (0..<3).map { _ in
            ConsumerProbe(try KafkaConsumer(configuration: .test(cluster, group: group, topics: [topic]), logger: testLogger))
        }
        try await waitUntil("every consumer to own partitions, every partition owned once") {
            let assignments = try probes.map { Set(try $0.consumer.assignment()) }
            let union = assignments.reduce(into: Set<TopicPartition>()) { $0.formUnion($1) }
            let total = assignments.map(\.count).reduce(0, +)
            return assignments.allSatisfy { !$0.isEmpty } && union == Set(partitions) && total == partitions.count
        }
        let assignments = try probes.map { Set(try $0.consumer.assignment()) }

        for partition in 0..<6 {
            try await produce(producer, topic: topic, partition: Int32(partition), count: 5, prefix: "after")
        }
        try await waitUntil("all 60 records") {
            Set(probes.flatMap { $0.messages.map { "\($0.partition)@\($0.offset)" } }).count == 60
        }
        await closeTogether(probes)
        try await producer.shutdown()

        let deliveries = probes.flatMap { $0.messages.map { "\($0.partition)@\($0.offset)" } }
        #expect(deliveries.count == 60, "some record was delivered to two consumers")
        #expect(Set(deliveries).count == 60)
        for (probe, owned) in zip(probes, assignments) {
            let lateRecords = probe.messages.filter { $0.value.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("after") == true }
            #expect(!lateRecords.isEmpty, "a consumer with partitions received none of the later records")
            #expect(lateRecords.allSatisfy { owned.contains($0.topicPartition) })
        }
    }

    @Test("revocation comes after the revoked partitions' records, and their stored offsets are committed before they move")
    func revocationIsOrderedAndCommitted() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("revocation")
        let group = uniqueName("g")
        try cluster.createTopic(topic, partitions: 4)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)

        // Records keep arriving on every partition for the whole rebalance, so the revoked
        // partitions have records in flight when the revocation comes.
        let producing = Task {
            var round = 0
            while !Task.isCancelled {
                for partition: Int32 in 0..<4 {
                    _ = try await producer.send(topic: topic, partition: partition, key: nil, value: "r\(round)")
                }
                round += 1
            }
        }

        // The first consumer stores offsets only when a revocation asks it to finish up, so
        // only the commit made during the revocation can tell the next owner where to start.
        let first = ConsumerProbe(
            try KafkaConsumer(configuration: .test(cluster, group: group, topics: [topic], eventBufferCapacity: 8), logger: testLogger),
            storeOnReceipt: false,
            onRevoke: { consumer, revoked, seen in
                var last: [TopicPartition: Int64] = [:]
                for message in seen.messages where revoked.contains(message.topicPartition) {
                    last[message.topicPartition] = max(last[message.topicPartition] ?? -1, message.offset)
                }
                do throws(KafkaError) {
                    try consumer.storeOffsets(last)
                } catch {
                    Issue.record("storing offsets during the revocation failed: \(error)")
                }
            }
        )
        try await waitUntil("the first consumer to own all partitions and receive records") {
            first.assigned.count == 4 && Set(first.messages.map(\.partition)).count == 4
        }

        let second = ConsumerProbe(
            try KafkaConsumer(configuration: .test(cluster, group: group, topics: [topic]), logger: testLogger)
        )
        try await waitUntil("the second consumer to receive records from the partitions it took over") {
            let taken = second.assigned
            return !taken.isEmpty && taken.allSatisfy { partition in second.messages.contains { $0.topicPartition == partition } }
        }
        let takenOver = second.assigned
        producing.cancel()
        _ = await producing.result
        await closeTogether([first, second])
        try await producer.shutdown()

        let firstSeen = first.seen.current
        try #require(firstSeen.revocations.count >= 1)
        let revoked = Set(firstSeen.revocations[0])
        #expect(!revoked.isEmpty)
        #expect(revoked.count < 4, "the first consumer should keep some partitions (cooperative-sticky)")

        // Before the revocation: records of the revoked partitions, contiguous from offset 0.
        // After it: none of them.
        let revocationIndex = try #require(firstSeen.log.firstIndex { if case .revoked = $0 { return true } else { return false } })
        var lastBefore: [TopicPartition: Int64] = [:]
        for entry in firstSeen.log[..<revocationIndex] {
            guard case .message(let partition, let offset) = entry, revoked.contains(partition) else { continue }
            #expect(offset == (lastBefore[partition] ?? -1) + 1, "gap or reordering in \(partition)")
            lastBefore[partition] = offset
        }
        for entry in firstSeen.log[(revocationIndex + 1)...] {
            if case .message(let partition, let offset) = entry {
                #expect(!revoked.contains(partition), "\(partition)@\(offset) arrived after \(partition) was revoked")
            }
        }

        // The commit made after the revocation decides where the next owner starts.
        // Accepted: exactly after the last record the first consumer finished.
        // Refused: librdkafka 2.0.2's mock coordinator does that when the second consumer's
        // SyncGroup arrives after the leader's (it answers `INVALID_REQUEST`) and the second
        // consumer's rejoin starts another rebalance while the first one still holds the revoked
        // partitions: commits get `REBALANCE_IN_PROGRESS` until, 3 s later, the mock forms a
        // generation without the first consumer (`ILLEGAL_GENERATION`). Then nothing was ever
        // committed for those partitions (the first consumer stored offsets only during the
        // revocation), so the next owner starts from the beginning: records are processed again,
        // none is skipped. Any other refusal is a bug.
        let commitError = try #require(firstSeen.revocationCommits.first)
        if let commitError {
            #expect(mockCoordinatorCommitRefusals.contains(commitError.code), "the revocation's commit failed unexpectedly: \(commitError)")
        }
        let secondMessages = second.messages
        for partition in revoked {
            let firstOffsetThere = secondMessages.first { $0.topicPartition == partition }?.offset
            let expected = commitError == nil ? (lastBefore[partition] ?? -1) + 1 : 0
            #expect(
                firstOffsetThere == expected,
                "\(partition) did not resume where the revocation's commit left it (commit: \(commitError.map { "\($0)" } ?? "accepted"))"
            )
        }
        #expect(takenOver == revoked)
    }

    @Test("a consumer dropped without close still commits what it stored and leaves the group")
    func deinitClosesGracefully() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("deinit")
        let group = uniqueName("g")
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)
        try await produce(producer, topic: topic, partition: 0, count: 4, prefix: "event")

        weak var pollLoop: ConsumerPollLoop?
        do {
            let consumer = try KafkaConsumer(configuration: .test(cluster, group: group, topics: [topic]), logger: testLogger)
            pollLoop = consumer.loop
            var count = 0
            for try await event in consumer.events {
                guard case .message(let message) = event else { continue }
                try consumer.storeOffset(for: message)
                count += 1
                if count == 2 { break }
            }
        }
        // The poll thread holds the last reference: it goes away once the thread has committed,
        // left the group and destroyed the librdkafka handle. Nothing leaks.
        try await waitUntil("the dropped consumer to shut down") { pollLoop == nil }

        let next = ConsumerProbe(try KafkaConsumer(configuration: .test(cluster, group: group, topics: [topic]), logger: testLogger))
        try await waitUntil("the records the dropped consumer did not finish") { next.messages.count >= 2 }
        try await next.close()
        try await producer.shutdown()
        #expect(next.messages.map(\.offset) == [2, 3])
    }

    @Test("lag counts the records the group has not committed")
    func lagFollowsCommits() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("lag")
        try cluster.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)
        try await produce(producer, topic: topic, partition: 0, count: 5, prefix: "a")
        try await produce(producer, topic: topic, partition: 1, count: 3, prefix: "b")

        let consumer = try KafkaConsumer(configuration: .test(cluster, group: uniqueName("g"), topics: [topic]), logger: testLogger)
        var received: [KafkaMessage] = []
        for try await event in consumer.events {
            guard case .message(let message) = event else { continue }
            received.append(message)
            if message.offset < 2 { try consumer.storeOffset(for: message) }
            if received.count == 8 { break }
        }
        try await consumer.commit()
        let lags = try await consumer.lag()
        #expect(lags.map(\.topicPartition.partition) == [0, 1])
        #expect(lags.map(\.highWatermark) == [5, 3])
        #expect(lags.map(\.committedOffset) == [2, 2])
        #expect(lags.map(\.lag) == [3, 1])
        #expect(lags.map(\.position) == [5, 3])
        #expect(lags.map(\.fetchLag) == [0, 0])

        for message in received { try consumer.storeOffset(for: message) }
        try await consumer.commit()
        #expect(try await consumer.lag().map(\.lag) == [0, 0])
        try await consumer.close()
        try await producer.shutdown()
    }

    @Test("after close the events end and the consumer refuses further work")
    func closeEndsEverything() async throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("close")
        try cluster.createTopic(topic, partitions: 1)
        let consumer = try KafkaConsumer(configuration: .test(cluster, group: uniqueName("g"), topics: [topic]), logger: testLogger)
        let reader = Task {
            var count = 0
            for try await _ in consumer.events { count += 1 }
            return count
        }
        try await consumer.close()
        try await consumer.close()  // idempotent
        _ = try await reader.value  // the sequence ended
        #expect(throws: KafkaError.self) { try consumer.storeOffset(topic: topic, partition: 0, offset: 0) }
        do throws(KafkaError) {
            try await consumer.commit()
            Issue.record("commit after close succeeded")
        } catch {
            #expect(error.kind == .closed)
        }

        let producer = try KafkaProducer(configuration: .test(cluster), logger: testLogger)
        try await producer.shutdown()
        do throws(KafkaError) {
            _ = try await producer.send(topic: topic, key: nil, value: "late")
            Issue.record("send after shutdown succeeded")
        } catch {
            #expect(error.kind == .closed)
        }
    }
}

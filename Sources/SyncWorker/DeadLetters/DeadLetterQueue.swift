import Foundation
import Kafka
import Logging

/// Lists dead letters and sends chosen ones back to their original topic after a fix.
///
/// Reading uses a throw-away consumer group that never stores offsets, so listing changes
/// nothing. A replayed message goes back unchanged (same key and value, the original headers
/// without the dead-letter ones, plus `qbsync-replayed-from`); if it still cannot be applied the
/// worker dead-letters it again, and the ledger makes an already applied event a no-op.
public struct DeadLetterQueue: Sendable {
    let connection: KafkaConfiguration
    let topic: String
    let tunedForMockCluster: Bool
    let logger: Logger

    public static let replayedFromHeader = "qbsync-replayed-from"

    public init(configuration: WorkerConfiguration, logger: Logger) {
        connection = configuration.kafkaConnection
        topic = configuration.topics.deadLetter
        tunedForMockCluster = configuration.kafka.tunedForMockCluster
        self.logger = logger
    }

    /// Every dead letter currently in the topic, oldest first per partition.
    public func list(timeout: Duration = .seconds(60)) async throws -> [DeadLetter] {
        var configuration = KafkaConsumerConfiguration(
            connection: connection,
            groupID: "qbsync-dlq-reader-\(UUID().uuidString.lowercased())", topics: [topic])
        if tunedForMockCluster { configuration = configuration.tunedForMockCluster() }
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let store = Store()
        let reader = Task {
            do {
                for try await event in consumer.events {
                    switch event {
                    case .message(let message): await store.add(DeadLetter(message: message))
                    case .partitionsAssigned: await store.markAssigned()
                    case .partitionsRevoked(_, let completion): completion.complete()
                    case .partitionsLost: break
                    }
                }
            } catch {
                await store.fail(error)
            }
        }
        defer { reader.cancel() }
        let deadline = ContinuousClock.now + timeout
        while true {
            if let failure = await store.failure {
                try? await consumer.close()
                throw failure
            }
            // Done once every assigned partition has been read up to its high watermark.
            if await store.assigned, try await isCaughtUp(consumer, read: await store.letters) { break }
            guard ContinuousClock.now < deadline else {
                try? await consumer.close()
                throw DeadLetterQueueError(message: "could not read the dead-letter topic '\(topic)' to its end within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let letters = await store.letters
        try? await consumer.close()
        return letters.sorted { ($0.message.partition, $0.message.offset) < ($1.message.partition, $1.message.offset) }
    }

    private actor Store {
        var letters: [DeadLetter] = []
        var assigned = false
        var failure: (any Error)?
        func add(_ letter: DeadLetter) { letters.append(letter) }
        func markAssigned() { assigned = true }
        func fail(_ error: any Error) { failure = error }
    }

    /// Sends `letters` back to their original topics; returns how many were sent.
    public func replay(_ letters: [DeadLetter]) async throws -> Int {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(connection: connection), logger: logger)
        var sent = 0
        do {
            for letter in letters {
                guard let original = letter.originalTopic, !original.isEmpty else {
                    logger.warning("dead letter has no original topic; skipped", metadata: ["id": "\(letter.id)"])
                    continue
                }
                var headers = letter.message.headers.filter { !$0.name.hasPrefix("qbsync-dlq-") && $0.name != Self.replayedFromHeader }
                headers.append(KafkaHeader(name: Self.replayedFromHeader, string: "\(topic):\(letter.id)"))
                _ = try await producer.send(topic: original, key: letter.message.key, value: letter.message.value, headers: headers)
                sent += 1
            }
        } catch {
            try? await producer.shutdown()
            throw error
        }
        try await producer.shutdown()
        return sent
    }

    private func isCaughtUp(_ consumer: KafkaConsumer, read letters: [DeadLetter]) async throws -> Bool {
        let lags = try await consumer.lag()
        guard !lags.isEmpty else { return false }
        return lags.allSatisfy { lag in
            let newest = letters.filter { $0.message.topicPartition == lag.topicPartition }.map(\.message.offset).max()
            return lag.highWatermark == lag.lowWatermark || (newest.map { $0 + 1 >= lag.highWatermark } ?? false)
        }
    }
}

public struct DeadLetterQueueError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

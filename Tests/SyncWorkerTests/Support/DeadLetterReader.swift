import Foundation
import Kafka
import Logging

/// Reads the dead-letter topic (or another) from the beginning in a group of its own.
enum DeadLetterReader {
    static func read(
        count: Int, bootstrapServers: String, topic: String = "qbsync.dead-letter", timeout: Duration = .seconds(60),
        logger: Logger
    ) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                connection: KafkaConfiguration(bootstrapServers: bootstrapServers), groupID: "dlq-reader-\(UUID().uuidString)",
                topics: [topic]
            ).tunedForMockCluster(), logger: logger)
        let collected = try await withThrowingTaskGroup(of: [KafkaMessage]?.self) { group in
            group.addTask {
                var messages: [KafkaMessage] = []
                for try await event in consumer.events {
                    switch event {
                    case .message(let message):
                        if topic == "qbsync.dead-letter" { ContractSamples.deadLetter(message) }
                        messages.append(message)
                        if messages.count >= count { return messages }
                    case .partitionsRevoked(_, let completion):
                        completion.complete()
                    default:
                        break
                    }
                }
                return messages
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        try? await consumer.close()
        guard let collected else { throw StatusStream.Timeout(what: "\(count) messages on \(topic)", seen: []) }
        return collected
    }
}

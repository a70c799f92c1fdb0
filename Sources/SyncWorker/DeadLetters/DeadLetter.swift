import Kafka

/// A message in the dead-letter topic, with what its headers say about it.
public struct DeadLetter: Sendable, Hashable {
    /// Where it sits in the dead-letter topic: `partition:offset`, the id `qbsync dlq replay` takes.
    public var id: String { "\(message.partition):\(message.offset)" }
    public var message: KafkaMessage

    public init(message: KafkaMessage) { self.message = message }

    public var reason: String { header(DeadLetterPublisher.Header.reason) ?? "unknown" }
    public var error: String { header(DeadLetterPublisher.Header.error) ?? "" }
    public var originalTopic: String? { header(DeadLetterPublisher.Header.topic) }
    public var originalPartition: String? { header(DeadLetterPublisher.Header.partition) }
    public var originalOffset: String? { header(DeadLetterPublisher.Header.offset) }
    public var deadLetteredAt: String? { header(DeadLetterPublisher.Header.deadLetteredAt) }
    public var key: String { message.key.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    private func header(_ name: String) -> String? { message.header(named: name)?.stringValue }
}

import Kafka

/// A message in the dead-letter topic, with what its headers say about it.
public struct DeadLetter: Sendable, Hashable {
    /// Where it sits in the dead-letter topic: `partition:offset`, the id `qbsync dlq replay` takes.
    public var id: String { "\(message.partition):\(message.offset)" }
    public var message: KafkaMessage

    public init(message: KafkaMessage) { self.message = message }

    /// Header names on dead letters; `qbsync dlq` reads them back.
    public enum Header {
        public static let reason = "qbsync-dlq-reason"
        public static let error = "qbsync-dlq-error"
        public static let topic = "qbsync-dlq-original-topic"
        public static let partition = "qbsync-dlq-original-partition"
        public static let offset = "qbsync-dlq-original-offset"
        public static let timestamp = "qbsync-dlq-original-timestamp"
        public static let group = "qbsync-dlq-consumer-group"
        public static let attempts = "qbsync-dlq-attempts"
        public static let deadLetteredAt = "qbsync-dlq-at"
    }

    public var reason: String { header(Header.reason) ?? "unknown" }
    public var error: String { header(Header.error) ?? "" }
    public var originalTopic: String? { header(Header.topic) }
    public var originalPartition: String? { header(Header.partition) }
    public var originalOffset: String? { header(Header.offset) }
    public var deadLetteredAt: String? { header(Header.deadLetteredAt) }
    public var key: String { message.key.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    private func header(_ name: String) -> String? { message.header(named: name)?.stringValue }
}

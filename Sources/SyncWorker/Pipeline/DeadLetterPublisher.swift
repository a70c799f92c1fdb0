import Foundation
import Kafka
import SyncCore

/// Sends a message that cannot be applied to the dead-letter topic, unchanged (same key and
/// value), with headers saying why and where it came from. Nothing is dropped silently: the
/// source offset is stored only after this delivery is acknowledged.
public struct DeadLetterPublisher: Sendable {
    let producer: KafkaProducer
    let topic: String
    let consumerGroup: String
    let metrics: WorkerMetrics

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

    func publish(_ message: KafkaMessage, rejection: EventRejection, attempts: Int = 1) async throws {
        var headers = message.headers.filter { !$0.name.hasPrefix("qbsync-dlq-") }
        headers += [
            KafkaHeader(name: Header.reason, string: rejection.reason.rawValue),
            KafkaHeader(name: Header.error, string: rejection.message),
            KafkaHeader(name: Header.topic, string: message.topic),
            KafkaHeader(name: Header.partition, string: String(message.partition)),
            KafkaHeader(name: Header.offset, string: String(message.offset)),
            KafkaHeader(name: Header.timestamp, string: message.timestamp.map { String($0.millisecondsSince1970) } ?? ""),
            KafkaHeader(name: Header.group, string: consumerGroup),
            KafkaHeader(name: Header.attempts, string: String(attempts)),
            KafkaHeader(name: Header.deadLetteredAt, string: Date().formatted(.iso8601)),
        ]
        _ = try await producer.send(topic: topic, key: message.key, value: message.value, headers: headers)
        metrics.deadLetter(reason: rejection.reason.rawValue)
    }
}

import Foundation
import Kafka
import Postgres
import SyncCore

/// Dead-letters a message that cannot be applied: it goes to the dead-letter topic unchanged
/// (same key, value and headers) plus headers saying why and where it came from.
///
/// The dead letter is written to the outbox, in one transaction with a row naming the message
/// by topic, partition and offset, and the relay publishes it. A message redelivered after a
/// crash (read again before its offset was committed) finds its row and is not dead-lettered a
/// second time; the source offset is stored only after that transaction commits, so nothing is
/// dropped either.
struct DeadLetterRecorder: Sendable {
    let database: PostgresClient
    let topic: String
    let consumerGroup: String
    let metrics: WorkerMetrics
    let outboxSignal: WakeSignal

    /// - Returns: false when this message was dead-lettered before.
    @discardableResult
    func record(_ message: KafkaMessage, rejection: EventRejection, attempts: Int = 1) async throws -> Bool {
        var headers = message.headers.filter { !$0.name.hasPrefix("qbsync-dlq-") }
        headers += [
            KafkaHeader(name: DeadLetter.Header.reason, string: rejection.reason.rawValue),
            KafkaHeader(name: DeadLetter.Header.error, string: rejection.message),
            KafkaHeader(name: DeadLetter.Header.topic, string: message.topic),
            KafkaHeader(name: DeadLetter.Header.partition, string: String(message.partition)),
            KafkaHeader(name: DeadLetter.Header.offset, string: String(message.offset)),
            KafkaHeader(name: DeadLetter.Header.timestamp, string: message.timestamp.map { String($0.millisecondsSince1970) } ?? ""),
            KafkaHeader(name: DeadLetter.Header.group, string: consumerGroup),
            KafkaHeader(name: DeadLetter.Header.attempts, string: String(attempts)),
            KafkaHeader(name: DeadLetter.Header.deadLetteredAt, string: Date().formatted(.iso8601)),
        ]
        let recorded = try await database.withTransaction { connection in
            let fresh = try await connection.execute(
                """
                insert into dead_letters (topic, kafka_partition, kafka_offset, reason, error) values ($1, $2, $3, $4, $5)
                on conflict do nothing
                """,
                [
                    .text(message.topic), .int32(message.partition), .int64(message.offset), .text(rejection.reason.rawValue),
                    .text(String(rejection.message.prefix(4000))),
                ])
            guard fresh == 1 else { return false }
            try await Outbox.enqueue(
                OutboxMessage(topic: topic, key: message.key, value: message.value, headers: headers),
                group: "dlq:\(message.topic)/\(message.partition)", on: connection)
            return true
        }
        if recorded {
            metrics.deadLetter(reason: rejection.reason.rawValue)
            outboxSignal.nudge()
        }
        return recorded
    }
}

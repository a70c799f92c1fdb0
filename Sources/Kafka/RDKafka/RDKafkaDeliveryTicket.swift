/// Travels through librdkafka as a record's opaque pointer (retained once when the record is
/// handed over, released by the delivery report) and resumes the sender with the outcome.
final class RDKafkaDeliveryTicket: Sendable {
    let topic: String
    private let continuation: CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>

    init(topic: String, continuation: CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>) {
        self.topic = topic
        self.continuation = continuation
    }

    func complete(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        self.continuation.resume(returning: result)
    }
}

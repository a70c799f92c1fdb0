import Kafka
import Testing

@Suite("Kafka errors")
struct KafkaErrorTests {
    @Test("error codes carry librdkafka's names and descriptions")
    func codeNames() {
        #expect(KafkaErrorCode.messageTimedOut.name == "_MSG_TIMED_OUT")
        #expect(KafkaErrorCode.unknownTopicOrPartition.name == "UNKNOWN_TOPIC_OR_PART")
        #expect(KafkaErrorCode.rebalanceInProgress.name == "REBALANCE_IN_PROGRESS")
        #expect(KafkaErrorCode.messageTimedOut.summary.contains("timed out"))
        #expect(KafkaErrorCode(rawValue: 6).name == "NOT_LEADER_FOR_PARTITION")
    }

    @Test("transient codes are retriable, permanent ones are not")
    func retriability() {
        #expect(KafkaError(kind: .delivery, code: .messageTimedOut, message: "x").isRetriable)
        #expect(KafkaError(kind: .delivery, code: .queueFull, message: "x").isRetriable)
        #expect(!KafkaError(kind: .delivery, code: .messageTooLarge, message: "x").isRetriable)
        #expect(!KafkaError(kind: .delivery, code: .purgedInFlight, message: "x").isRetriable)
        #expect(!KafkaError(kind: .configuration, code: .invalidArgument, message: "x").isFatal)
    }

    @Test("the description says what failed, librdkafka's code and what to do")
    func description() {
        let error = KafkaError(kind: .delivery, code: .messageTimedOut, message: "Local: Message timed out")
        let text = "\(error)"
        #expect(text.contains("Delivering a record to Kafka failed"))
        #expect(text.contains("_MSG_TIMED_OUT"))
        #expect(text.contains("safe"))
        let fatal = KafkaError(kind: .consume, code: .fatal, message: "fenced", isFatal: true)
        #expect("\(fatal)".contains("recreate"))
    }
}

/// A librdkafka error code (`rd_kafka_resp_err_t`): either a Kafka protocol error (positive)
/// or one raised inside librdkafka itself (negative, names starting with an underscore).
///
/// ``name`` is librdkafka's symbolic name (for example `_MSG_TIMED_OUT` or
/// `UNKNOWN_TOPIC_OR_PART`), the stable thing to log, alert on and search for.
public struct KafkaErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// The numeric value librdkafka uses.
    public let rawValue: Int32

    /// Wraps a numeric librdkafka error code.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// librdkafka's symbolic name of the code, without the `RD_KAFKA_RESP_ERR_` prefix.
    public var name: String { RDKafkaErrorText.name(of: self.rawValue) }

    /// librdkafka's one-line human description of the code.
    public var summary: String { RDKafkaErrorText.summary(of: self.rawValue) }

    public var description: String { self.name }
}

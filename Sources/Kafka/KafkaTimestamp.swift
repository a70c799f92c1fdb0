/// The timestamp Kafka stored with a record.
public struct KafkaTimestamp: Hashable, Sendable {
    /// Who set the timestamp.
    public enum Kind: Hashable, Sendable {
        /// The producer set it when it created the record.
        case createTime
        /// The broker set it when it appended the record to the log.
        case logAppendTime
    }

    /// Which clock the timestamp comes from.
    public var kind: Kind
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSince1970: Int64

    /// Creates a timestamp.
    public init(kind: Kind, millisecondsSince1970: Int64) {
        self.kind = kind
        self.millisecondsSince1970 = millisecondsSince1970
    }
}

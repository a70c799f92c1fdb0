/// One Kafka record header. Headers are ordered and names may repeat, as in the Kafka protocol.
public struct KafkaHeader: Hashable, Sendable {
    /// The header name.
    public var name: String
    /// The header value, or `nil` for a header sent with a null value.
    public var value: [UInt8]?

    /// Creates a header from raw bytes.
    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// Creates a header whose value is the UTF-8 encoding of `value`.
    public init(name: String, string value: String) {
        self.name = name
        self.value = Array(value.utf8)
    }

    /// The value decoded as UTF-8 (invalid sequences become U+FFFD), or `nil` when it is null.
    public var stringValue: String? {
        guard let value else { return nil }
        return String(decoding: value, as: UTF8.self)
    }
}

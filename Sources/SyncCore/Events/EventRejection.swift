/// Why a message cannot be applied; it goes to the dead-letter topic with these as headers.
public struct EventRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        case tooLarge = "too_large"
        case notJSON = "not_json"
        case invalidEnvelope = "invalid_envelope"
        case unknownType = "unknown_type"
        case missingField = "missing_field"
        case invalidField = "invalid_field"
        case keyMismatch = "key_mismatch"
        /// Well-formed, but the database refused its values (e.g. out of range for a column).
        case unprocessable
    }

    public var reason: Reason
    /// An operator-facing explanation naming the field and what was wrong with it.
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}

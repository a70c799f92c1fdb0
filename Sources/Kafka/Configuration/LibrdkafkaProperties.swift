/// The flat `name=value` librdkafka configuration a client is created from, assembled from the
/// typed configuration structs with the checks librdkafka cannot make for us.
struct LibrdkafkaProperties: Sendable {
    private(set) var values: [String: String] = [:]
    /// Properties a typed field owns, mapped to the field to use instead.
    private var owned: [String: String] = [:]

    /// Sets a property that a typed field (named `field`) controls.
    mutating func set(_ name: String, _ value: String, ownedBy field: String) {
        self.values[name] = value
        self.owned[name] = field
    }

    /// Declares that a typed field controls `name` even when it leaves it unset.
    mutating func reserve(_ names: String..., for field: String) {
        for name in names { self.owned[name] = field }
    }

    /// Applies an escape-hatch dictionary, refusing properties a typed field owns.
    mutating func merge(escapeHatch: [String: String], from source: String) throws(KafkaError) {
        for (name, value) in escapeHatch.sorted(by: { $0.key < $1.key }) {
            if let field = self.owned[name] {
                throw .invalidConfiguration(
                    "\(source) sets librdkafka property '\(name)', which is controlled by \(field); set that instead"
                )
            }
            self.values[name] = value
        }
    }

    static func milliseconds(_ duration: Duration, field: String, allowZero: Bool = false) throws(KafkaError) -> String {
        guard duration >= .zero else {
            throw .invalidConfiguration("\(field) must not be negative, got \(duration)")
        }
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64(Int32.max) / 1_000 + 1 else {
            throw .invalidConfiguration("\(field) must be at most \(Int32.max) ms, got \(duration)")
        }
        let millis = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        guard millis <= Int64(Int32.max) else {
            throw .invalidConfiguration("\(field) must be at most \(Int32.max) ms, got \(duration)")
        }
        guard allowZero || millis >= 1 else {
            throw .invalidConfiguration("\(field) must be at least 1 ms, got \(duration)")
        }
        return String(millis)
    }
}

extension KafkaError {
    static func invalidConfiguration(_ message: String) -> KafkaError {
        KafkaError(kind: .configuration, code: .invalidArgument, message: message, isRetriable: false)
    }
}

extension Duration {
    /// Whole milliseconds, clamped to `Int32` for librdkafka's `int timeout_ms` parameters.
    var clampedMilliseconds: Int32 {
        let (seconds, attoseconds) = self.components
        let millis = seconds.multipliedReportingOverflow(by: 1_000)
        guard !millis.overflow else { return seconds < 0 ? 0 : Int32.max }
        let total = millis.partialValue + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, total))
    }
}

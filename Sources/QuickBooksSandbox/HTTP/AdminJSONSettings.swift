/// A value the sandbox's admin API cannot take; answered 400 with its reason.
struct AdminInputError: Error {
    let reason: String
}

/// Settings the admin API reads and writes as JSON (faults, webhooks): numbers, and durations in
/// milliseconds.
protocol AdminJSONSettings {}

extension AdminJSONSettings {
    /// The number `value` holds; an error naming the setting when it holds anything else.
    static func number(_ value: JSONValue, _ name: String) throws(AdminInputError) -> Double {
        guard case .number = value, let number = value.doubleValue else { throw AdminInputError(reason: "\(name) must be a number") }
        return number
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

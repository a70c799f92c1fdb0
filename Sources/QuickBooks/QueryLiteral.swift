/// Builds string literals for the QuickBooks query language.
public enum QueryLiteral {
    /// Quotes `value` for a query, escaping backslashes and apostrophes with a backslash:
    /// `Jane O'Neil` → `'Jane O\'Neil'`.
    public static func quoted(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count + 2)
        for character in value {
            if character == "\\" || character == "'" { escaped.append("\\") }
            escaped.append(character)
        }
        return "'\(escaped)'"
    }
}

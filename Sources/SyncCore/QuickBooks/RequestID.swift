import Crypto

/// QuickBooks `requestid` values derived deterministically from what a write means.
///
/// The same (firm, entity, id, operation, revision) always gives the same id, so a redelivered
/// event repeats the original request and QuickBooks returns the original response instead of
/// writing twice. The result is 36 characters, the limit on batch items (single calls allow 50).
public enum RequestID {
    public static func derive(firm: String, entity: String, id: String, operation: String, revision: String) -> String {
        stableUUID([firm, entity, id, operation, revision])
    }

    /// A UUID-formatted digest of `parts`: the same parts always give the same value.
    public static func stableUUID(_ parts: [String]) -> String {
        var hasher = SHA256()
        for part in parts {
            hasher.update(data: Array(part.utf8))
            hasher.update(data: [0x1F])  // unit separator: ("a","bc") and ("ab","c") differ
        }
        let bytes = Array(hasher.finalize().prefix(16))
        let hex = bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
        let chars = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(chars[$0]) }.joined(separator: "-")
    }
}

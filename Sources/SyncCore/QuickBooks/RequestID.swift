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
            var part = part
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            withUnsafeBytes(of: UInt8(0x1F)) { hasher.update(bufferPointer: $0) }  // unit separator: ("a","bc") and ("ab","c") differ
        }
        let digest = hasher.finalize()
        // The first 16 bytes, lower-case hex, grouped 8-4-4-4-12.
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { text in
            var index = 0
            for (position, byte) in digest.prefix(16).enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    text[index] = UInt8(ascii: "-")
                    index += 1
                }
                text[index] = hex.utf8Start[Int(byte >> 4)]
                text[index + 1] = hex.utf8Start[Int(byte & 0xF)]
                index += 2
            }
            return index
        }
    }
}

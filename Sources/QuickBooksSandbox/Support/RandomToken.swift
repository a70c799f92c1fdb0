/// Opaque random strings for authorization codes, tokens and realm ids.
enum RandomToken {
    private static let alphabet: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    static func make(prefix: String, length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = prefix
        text.reserveCapacity(prefix.count + length)
        for _ in 0..<length {
            text.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))])
        }
        return text
    }

    /// A 16-digit company id in the style of QuickBooks realm ids.
    static func realmId() -> String {
        var generator = SystemRandomNumberGenerator()
        return "9341" + String(generator.next(upperBound: UInt64(1_000_000_000_000)) + 1_000_000_000_000).dropFirst()
    }
}

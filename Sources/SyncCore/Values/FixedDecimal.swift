/// An exact decimal with six fractional digits, parsed from the decimal strings of the event contract.
///
/// Money arrives as a string ("450.00"), never a binary float, so amounts add up exactly.
public struct FixedDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let scale: Int64 = 1_000_000
    /// The value times 10^6.
    public var micros: Int64

    public init(micros: Int64) { self.micros = micros }

    public static let zero = FixedDecimal(micros: 0)

    /// Parses `-?digits(.digits)?` with at most 13 integer and 6 fractional digits.
    public init?(_ text: some StringProtocol) {
        var utf8 = Substring(text).utf8[...]
        var negative = false
        if utf8.first == UInt8(ascii: "-") {
            negative = true
            utf8 = utf8.dropFirst()
        }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var wholeDigits = 0
        var fractionDigits = 0
        var seenPoint = false
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte - UInt8(ascii: "0"))
            if seenPoint {
                fractionDigits += 1
                guard fractionDigits <= 6 else { return nil }
                fraction = fraction * 10 + digit
            } else {
                wholeDigits += 1
                guard wholeDigits <= 13 else { return nil }
                whole = whole * 10 + digit
            }
        }
        guard wholeDigits > 0, !seenPoint || fractionDigits > 0 else { return nil }
        for _ in fractionDigits..<6 { fraction *= 10 }
        micros = (whole * Self.scale + fraction) * (negative ? -1 : 1)
    }

    public init?(_ value: Double) {
        guard value.isFinite, abs(value) < 1e13 else { return nil }
        micros = Int64((value * Double(Self.scale)).rounded())
    }

    public var isNegative: Bool { micros < 0 }

    /// Canonical text with at least two fractional digits: "450.00", "0.333333", "-12.50".
    public var description: String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let whole = magnitude / UInt64(Self.scale)
        var fraction = String(magnitude % UInt64(Self.scale))
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(whole).\(fraction)"
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.micros < rhs.micros }
    public static func + (lhs: Self, rhs: Self) -> Self { Self(micros: lhs.micros + rhs.micros) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(micros: lhs.micros - rhs.micros) }
}

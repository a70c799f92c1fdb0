import Foundation
import SyncCore

/// A number QuickBooks reads or writes — an amount, a quantity, a unit price — kept exact.
///
/// It leaves through `Decimal`, so `JSONEncoder` writes its exact value (`450.00` as `450`, `0.1 +
/// 0.2` as `0.3`), never a binary floating-point neighbour such as `449.99999999999994`. It comes
/// back through `Decimal` too, which reads the digits QuickBooks sent without passing through
/// binary floating point, and is rounded half away from zero to ``FixedDecimal``'s six fractional
/// digits (QuickBooks amounts have two).
public struct QuickBooksDecimal: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var value: FixedDecimal

    public init(_ value: FixedDecimal) {
        self.value = value
    }

    /// Parses a decimal string such as `"450.00"`; nil when ``FixedDecimal`` cannot hold it.
    public init?(_ text: some StringProtocol) {
        guard let value = FixedDecimal(text) else { return nil }
        self.value = value
    }

    public static let zero = QuickBooksDecimal(.zero)

    /// The amount with two or more fractional digits ("450.00"), as the status events show it.
    public var description: String { value.description }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    public static func + (lhs: Self, rhs: Self) -> Self { Self(lhs.value + rhs.value) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(lhs.value - rhs.value) }

    /// The value as a `Decimal`, built from its integer micros: no text and no binary floating
    /// point between the amount and the JSON number `JSONEncoder` writes for it.
    public var decimal: Decimal {
        Decimal(sign: value.micros < 0 ? .minus : .plus, exponent: -6, significand: Decimal(value.micros.magnitude))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(decimal)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        var decimal: Decimal
        if let number = try? container.decode(Decimal.self) {
            decimal = number
        } else {
            // QuickBooks accepts amounts as strings; be as lenient reading them back.
            let text = try container.decode(String.self)
            guard let parsed = Decimal(string: text, locale: nil) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a number")
            }
            decimal = parsed
        }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &decimal, 6, .plain)
        guard let value = FixedDecimal(rounded.description) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\(decimal) does not fit in 13 integer and 6 fractional digits")
        }
        self.value = value
    }
}

import Foundation

/// A JSON document as the sandbox stores and serves it.
///
/// QuickBooks entities carry many fields the sandbox does not interpret (addresses, memos,
/// custom fields); keeping the whole document lets them round-trip exactly as a client sent them.
/// Numbers are `Decimal`s read from their digits, so an amount is never a binary floating-point
/// neighbour of what the client sent.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Decimal)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields[key]
    }

    var objectValue: [String: JSONValue]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var numberValue: Decimal? {
        switch self {
        case .number(let value): return value
        // QuickBooks accepts amounts sent as strings ("450.00") as well as numbers.
        case .string(let text): return Decimal(string: text, locale: nil)
        default: return nil
        }
    }

    /// The number as a `Double`, for the sandbox's own settings (rates, milliseconds).
    var doubleValue: Double? {
        numberValue.map { NSDecimalNumber(decimal: $0).doubleValue }
    }

    var boolValue: Bool? {
        switch self {
        case .bool(let value): return value
        case .string(let text): return Bool(text.lowercased())
        default: return nil
        }
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The `value` of a QuickBooks reference (`{"value": "42", "name": "…"}`), or nil.
    var referenceValue: String? {
        switch self {
        case .object(let fields):
            switch fields["value"] {
            case .string(let text): return text
            case .number(let number): return number.description
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Text of a scalar for comparisons in queries; nil for arrays, objects and null.
    var scalarText: String? {
        switch self {
        case .string(let text): return text
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return value.description
        default: return nil
        }
    }
}

extension JSONValue {
    static func reference(_ value: String, name: String? = nil) -> JSONValue {
        var fields: [String: JSONValue] = ["value": .string(value)]
        if let name { fields["name"] = .string(name) }
        return .object(fields)
    }

    static func money(cents: Int) -> JSONValue {
        .number(Decimal(cents) / 100)
    }

    static func number(_ count: Int) -> JSONValue {
        .number(Decimal(count))
    }

    /// A number the sandbox computed as a `Double` (a rate, milliseconds), by its shortest text.
    static func number(_ value: Double) -> JSONValue {
        .number(Decimal(string: String(value), locale: nil) ?? 0)
    }
}

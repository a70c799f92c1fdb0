/// A JSON document as the sandbox stores and serves it.
///
/// QuickBooks entities carry many fields the sandbox does not interpret (addresses, memos,
/// custom fields); keeping the whole document lets them round-trip exactly as a client sent them.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
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

    var numberValue: Double? {
        switch self {
        case .number(let value): return value
        // QuickBooks accepts amounts sent as strings ("450.00") as well as numbers.
        case .string(let text): return Double(text)
        default: return nil
        }
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
            case .number(let number): return JSONValue.number(number).scalarText
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
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
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
        .number(Double(cents) / 100)
    }
}

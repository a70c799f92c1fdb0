#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Swift type that can be read from a result column.
///
/// Built in: `String`, `Int`, `Int64`, `Int32`, `Int16`, `Bool`, `Double`,
/// `UUID`, `Date` (timestamptz), `PostgresDate` (date), `[UInt8]` (bytea),
/// arrays of those, and `Optional` of any of them (which is how NULL is read).
/// String- or integer-backed enums conform by declaring the conformance.
public protocol PostgresDecodable: Sendable {
    /// Decodes the cell; throws `PostgresDecodingError` when it cannot.
    init(from cell: PostgresCell) throws
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = cell.isNull ? nil : try Wrapped(from: cell)
    }
}

extension PostgresDecodable where Self: RawRepresentable, RawValue: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        let raw = try RawValue(from: cell)
        guard let value = Self(rawValue: raw) else {
            throw cell.decodingError(.malformedValue, as: Self.self, reason: "\(raw) is not a known \(Self.self)")
        }
        self = value
    }
}

extension String: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "text, varchar, char, name, json, jsonb, numeric and uuid", Self.decodeBinary)
    }
}

extension Int: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "smallint, integer, bigint and oid", Self.decodeBinary)
    }
}

extension Int64: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "smallint, integer, bigint and oid", Self.decodeBinary)
    }
}

extension Int32: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "integer columns whose values fit", Self.decodeBinary)
    }
}

extension Int16: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "integer columns whose values fit", Self.decodeBinary)
    }
}

extension Bool: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "boolean", Self.decodeBinary)
    }
}

extension Double: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "double precision and real (decode numeric as String)", Self.decodeBinary)
    }
}

extension UUID: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "uuid", Self.decodeBinary)
    }
}

extension Date: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "timestamptz and timestamp (read as UTC)", Self.decodeBinary)
    }
}

extension PostgresDate: PostgresDecodable {
    public init(from cell: PostgresCell) throws {
        self = try cell.decodeBinary(Self.self, accepted: "date", Self.decodeBinary)
    }
}

/// Element types of decodable arrays: `[String]` reads `text[]`, `[Int64]`
/// reads `bigint[]`, and `[UInt8]` reads `bytea`. Only the built-in
/// decodable types conform.
public protocol PostgresArrayElement: Sendable {}

extension String: PostgresArrayElement {}
extension Int: PostgresArrayElement {}
extension Int64: PostgresArrayElement {}
extension Int32: PostgresArrayElement {}
extension Int16: PostgresArrayElement {}
extension Bool: PostgresArrayElement {}
extension Double: PostgresArrayElement {}
extension UUID: PostgresArrayElement {}
extension Date: PostgresArrayElement {}
extension PostgresDate: PostgresArrayElement {}
extension UInt8: PostgresArrayElement {}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public init(from cell: PostgresCell) throws {
        if Element.self == UInt8.self {
            let bytes = try cell.decodeBinary([UInt8].self, accepted: "bytea") { bytes, type throws(BinaryDecodingFailure) in
                guard type == .bytea else { throw .typeMismatch }
                return [UInt8](bytes)
            }
            // Element is UInt8 (checked above): the same type, so no element-by-element cast.
            self = unsafeBitCast(bytes, to: [Element].self)
            return
        }
        guard let elementType = Element.self as? any PostgresBinaryDecodable.Type else {
            throw cell.decodingError(.typeMismatch, as: Self.self, reason: "\(Element.self) is not a built-in array element type")
        }
        self = try cell.decodeBinary(Self.self, accepted: "one-dimensional arrays of a matching element type") {
            bytes, type throws(BinaryDecodingFailure) in
            try BinaryArrayDecoder.decode(bytes, type: type) { element, elementPostgresType throws(BinaryDecodingFailure) in
                guard let value = try elementType.decodeBinary(element, type: elementPostgresType) as? Element else {
                    throw .typeMismatch
                }
                return value
            }
        }
    }
}

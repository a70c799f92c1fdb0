#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A value bound to a `$n` parameter of a statement.
///
/// Values are always sent separately from the SQL text (libpq's extended query
/// protocol), so nothing in a value can change the meaning of a statement.
/// Each case carries an explicit PostgreSQL type; `.null` lets the server infer it.
public enum PostgresValue: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// `text`. Also accepted where `varchar` is expected.
    case text(String)
    /// `smallint`.
    case int16(Int16)
    /// `integer`.
    case int32(Int32)
    /// `bigint`.
    case int64(Int64)
    /// `boolean`.
    case bool(Bool)
    /// `double precision`.
    case double(Double)
    /// `numeric` in its decimal text form, e.g. `"450.00"`; the server validates it.
    case numeric(String)
    /// `bytea`; any bytes, including zero bytes.
    case bytea([UInt8])
    /// `json`, as JSON text.
    case json(String)
    /// `jsonb`, as JSON text.
    case jsonb(String)
    /// `uuid`.
    case uuid(UUID)
    /// `date`.
    case date(PostgresDate)
    /// `timestamp with time zone`, at microsecond precision.
    case timestamptz(Date)
    /// `text[]`, handy for `= any($1)`.
    case textArray([String])
    /// `bigint[]`, handy for `= any($1)`.
    case int64Array([Int64])
    /// `uuid[]`, handy for `= any($1)`.
    case uuidArray([UUID])
    /// A one-dimensional array of `element` values, which may be `.null`: the columns of
    /// `unnest($1, $2, …)`, to write many rows in one statement. Elements are scalars of `element`'s
    /// type, sent in binary (not `numeric`, which goes as text, nor arrays); any other element is
    /// refused when the statement is built.
    case array([PostgresValue], of: PostgresDataType)

    /// The parameter for a Swift value, `.null` for `nil`.
    public init(_ value: some PostgresEncodable) {
        self = value.postgresValue
    }

    /// `bigint`, for Swift's `Int`.
    public static func int(_ value: Int) -> PostgresValue {
        .int64(Int64(value))
    }

    /// The PostgreSQL type the value is sent as.
    public var dataType: PostgresDataType {
        switch self {
        case .null: .unspecified
        case .text: .text
        case .int16: .int2
        case .int32: .int4
        case .int64: .int8
        case .bool: .bool
        case .double: .float8
        case .numeric: .numeric
        case .bytea: .bytea
        case .json: .json
        case .jsonb: .jsonb
        case .uuid: .uuid
        case .date: .date
        case .timestamptz: .timestamptz
        case .textArray: .textArray
        case .int64Array: .int8Array
        case .uuidArray: .uuidArray
        case .array(_, let element): element.arrayType ?? .unspecified
        }
    }
}

extension PostgresValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .text(value)
    }
}

extension PostgresValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) {
        self = .int64(value)
    }
}

extension PostgresValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension PostgresValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

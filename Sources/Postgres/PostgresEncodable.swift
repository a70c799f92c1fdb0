#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Swift value that has a natural PostgreSQL parameter form.
///
/// Conform string- or integer-backed enums by declaring the conformance;
/// the raw value is used.
public protocol PostgresEncodable: Sendable {
    /// The bound-parameter form of this value.
    var postgresValue: PostgresValue { get }
}

extension PostgresEncodable where Self: RawRepresentable, RawValue: PostgresEncodable {
    public var postgresValue: PostgresValue { rawValue.postgresValue }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresValue: PostgresValue { self?.postgresValue ?? .null }
}

extension PostgresValue: PostgresEncodable {
    public var postgresValue: PostgresValue { self }
}

extension String: PostgresEncodable {
    public var postgresValue: PostgresValue { .text(self) }
}

extension Int: PostgresEncodable {
    public var postgresValue: PostgresValue { .int64(Int64(self)) }
}

extension Int64: PostgresEncodable {
    public var postgresValue: PostgresValue { .int64(self) }
}

extension Int32: PostgresEncodable {
    public var postgresValue: PostgresValue { .int32(self) }
}

extension Int16: PostgresEncodable {
    public var postgresValue: PostgresValue { .int16(self) }
}

extension Bool: PostgresEncodable {
    public var postgresValue: PostgresValue { .bool(self) }
}

extension Double: PostgresEncodable {
    public var postgresValue: PostgresValue { .double(self) }
}

extension UUID: PostgresEncodable {
    public var postgresValue: PostgresValue { .uuid(self) }
}

extension Date: PostgresEncodable {
    public var postgresValue: PostgresValue { .timestamptz(self) }
}

extension PostgresDate: PostgresEncodable {
    public var postgresValue: PostgresValue { .date(self) }
}

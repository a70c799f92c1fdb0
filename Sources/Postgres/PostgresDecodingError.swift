/// A row value could not be turned into the requested Swift type.
///
/// These are programming errors between the SQL and the Swift code; the
/// description names the column, its PostgreSQL type and the Swift type.
public struct PostgresDecodingError: Error, Sendable, CustomStringConvertible {
    /// Why decoding failed.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable { case unexpectedNull, typeMismatch, missingColumn, malformedValue }
        private let base: Base

        /// The value is `NULL` but a non-optional type was requested.
        public static let unexpectedNull = Kind(base: .unexpectedNull)
        /// The column's PostgreSQL type cannot be decoded as the requested Swift type.
        public static let typeMismatch = Kind(base: .typeMismatch)
        /// No column has that name, or the index is out of range.
        public static let missingColumn = Kind(base: .missingColumn)
        /// The bytes are not a valid value of the type, or the value does not fit.
        public static let malformedValue = Kind(base: .malformedValue)

        public var description: String {
            switch base {
            case .unexpectedNull: "unexpected NULL"
            case .typeMismatch: "type mismatch"
            case .missingColumn: "missing column"
            case .malformedValue: "malformed value"
            }
        }
    }

    public var kind: Kind
    /// The column as named in the query (or `#index` when looked up by position).
    public var column: String
    /// The column's PostgreSQL type, when the column exists.
    public var postgresType: PostgresDataType?
    /// The Swift type that was requested.
    public var swiftType: String
    /// More about what was wrong.
    public var reason: String

    public init(kind: Kind, column: String, postgresType: PostgresDataType?, swiftType: String, reason: String) {
        self.kind = kind
        self.column = column
        self.postgresType = postgresType
        self.swiftType = swiftType
        self.reason = reason
    }

    public var description: String {
        let type = postgresType.map { " (\($0))" } ?? ""
        return "cannot decode column \"\(column)\"\(type) as \(swiftType): \(reason)"
    }
}

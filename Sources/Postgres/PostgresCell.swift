/// One value of a row, with the column it came from.
///
/// Values arrive in PostgreSQL's binary format. Custom `PostgresDecodable`
/// types usually decode a built-in type first (`try cell.decode(String.self)`)
/// and convert from there.
public struct PostgresCell: Sendable {
    let result: LibPQResult
    let row: Int
    /// Position of the column in the result, from 0.
    public let columnIndex: Int

    init(result: LibPQResult, row: Int, columnIndex: Int) {
        self.result = result
        self.row = row
        self.columnIndex = columnIndex
    }

    /// The column name as the query labelled it.
    public var columnName: String { result.columnNames[columnIndex] }

    /// The column's PostgreSQL type.
    public var dataType: PostgresDataType { result.columnTypes[columnIndex] }

    /// Whether the value is SQL `NULL`.
    public var isNull: Bool { result.isNull(row: row, column: columnIndex) }

    /// A copy of the raw binary value; `nil` for `NULL`.
    public var bytes: [UInt8]? {
        guard !isNull else { return nil }
        return result.withValue(row: row, column: columnIndex) { Array($0) }
    }

    /// Decodes the value as `type`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        try T(from: self)
    }

    /// An error naming this cell, for custom decoders to throw.
    public func decodingError(_ kind: PostgresDecodingError.Kind, as swiftType: Any.Type, reason: String) -> PostgresDecodingError {
        PostgresDecodingError(
            kind: kind,
            column: columnName,
            postgresType: dataType,
            swiftType: String(describing: swiftType),
            reason: reason
        )
    }

    /// Decodes a non-NULL value with a built-in binary decoder, adding column context to failures.
    func decodeBinary<T>(
        _ swiftType: T.Type,
        accepted: String,
        _ decode: (UnsafeRawBufferPointer, PostgresDataType) throws(BinaryDecodingFailure) -> T
    ) throws(PostgresDecodingError) -> T {
        guard !isNull else {
            throw decodingError(
                .unexpectedNull,
                as: swiftType,
                reason: "the value is NULL; decode \(swiftType)? instead, or use COALESCE in the query"
            )
        }
        let type = dataType
        do {
            return try result.withValue(row: row, column: columnIndex) { bytes throws(BinaryDecodingFailure) in
                try decode(bytes, type)
            }
        } catch {
            switch error {
            case .typeMismatch:
                throw decodingError(
                    .typeMismatch,
                    as: swiftType,
                    reason: "\(swiftType) accepts \(accepted); decode a matching type or cast the column in SQL"
                )
            case .malformed(let reason):
                throw decodingError(.malformedValue, as: swiftType, reason: reason)
            }
        }
    }
}

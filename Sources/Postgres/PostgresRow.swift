/// One row of a query result.
///
/// Rows share the underlying result memory, so holding rows is cheap; the
/// memory is released when the last row of a result goes away.
public struct PostgresRow: Sendable {
    let result: LibPQResult
    let index: Int

    init(result: LibPQResult, index: Int) {
        self.result = result
        self.index = index
    }

    /// Column names in order.
    public var columnNames: [String] { result.columnNames }

    /// Number of columns.
    public var columnCount: Int { result.columnCount }

    /// The cell of the first column named `column` (names are case-sensitive,
    /// as PostgreSQL reports them: unquoted identifiers are lower case).
    public func cell(_ column: String) throws -> PostgresCell {
        guard let columnIndex = result.columnNames.firstIndex(of: column) else {
            let known = result.columnNames.map { "\"\($0)\"" }.joined(separator: ", ")
            throw PostgresDecodingError(
                kind: .missingColumn,
                column: column,
                postgresType: nil,
                swiftType: "-",
                reason: "the result has no such column; it has \(known.isEmpty ? "no columns" : known)"
            )
        }
        return PostgresCell(result: result, row: index, columnIndex: columnIndex)
    }

    /// The cell at `columnIndex` (from 0).
    public func cell(_ columnIndex: Int) throws -> PostgresCell {
        guard columnIndex >= 0, columnIndex < result.columnCount else {
            throw PostgresDecodingError(
                kind: .missingColumn,
                column: "#\(columnIndex)",
                postgresType: nil,
                swiftType: "-",
                reason: "the result has \(result.columnCount) column(s)"
            )
        }
        return PostgresCell(result: result, row: index, columnIndex: columnIndex)
    }

    /// Decodes the column named `column`, e.g. `try row.decode(String.self, "name")`.
    /// Decode an optional type (`String?.self`) for nullable columns.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ column: String) throws -> T {
        try T(from: cell(column))
    }

    /// Decodes the column at `columnIndex` (from 0).
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ columnIndex: Int) throws -> T {
        try T(from: cell(columnIndex))
    }
}

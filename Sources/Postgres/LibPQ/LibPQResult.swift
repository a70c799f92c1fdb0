internal import CLibPQ

/// Owns one `PGresult` and frees it when the last reference goes away.
///
/// A `PGresult` is immutable once libpq hands it over and may be read from any
/// thread, so rows can share it without copying the values out.
final class LibPQResult: @unchecked Sendable {
    private let pointer: OpaquePointer
    let rowCount: Int
    let columnCount: Int
    let columnNames: [String]
    let columnTypes: [PostgresDataType]

    /// Takes ownership of `pointer`; nothing else may `PQclear` it.
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        self.rowCount = Int(PQntuples(pointer))
        let columnCount = Int(PQnfields(pointer))
        self.columnCount = columnCount
        if columnCount == 0 {
            self.columnNames = []
            self.columnTypes = []
        } else {
            self.columnNames = (0..<columnCount).map { String(cString: PQfname(pointer, Int32($0))) }
            self.columnTypes = (0..<columnCount).map { PostgresDataType(oid: PQftype(pointer, Int32($0))) }
        }
    }

    deinit {
        PQclear(pointer)
    }

    var status: ExecStatusType { PQresultStatus(pointer) }

    /// The command tag, e.g. `INSERT 0 1` or `ROLLBACK`.
    var commandTag: String { String(cString: PQcmdStatus(pointer)) }

    /// Rows touched by INSERT/UPDATE/DELETE/MERGE (rows returned for SELECT), 0 when not applicable.
    var affectedRows: Int { Int(String(cString: PQcmdTuples(pointer))) ?? 0 }

    func isNull(row: Int, column: Int) -> Bool {
        PQgetisnull(pointer, Int32(row), Int32(column)) == 1
    }

    /// The raw value bytes; the buffer is only valid inside `body`.
    func withValue<R, E: Error>(
        row: Int,
        column: Int,
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let length = Int(PQgetlength(pointer, Int32(row), Int32(column)))
        guard let value = PQgetvalue(pointer, Int32(row), Int32(column)) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: value, count: length))
    }

    func errorField(_ field: Int) -> String? {
        guard let value = PQresultErrorField(pointer, Int32(field)) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    var errorMessage: String {
        String(cString: PQresultErrorMessage(pointer))
    }

    /// Builds the typed error for a failed result.
    func makeError(kind: PostgresError.Kind, statement: String?) -> PostgresError {
        let primary = errorField(CLIBPQ_DIAG_MESSAGE_PRIMARY) ?? LibPQConnection.clean(errorMessage)
        var error = PostgresError(
            kind: kind,
            message: primary.isEmpty ? "libpq reported an error without a message" : primary,
            sqlState: errorField(CLIBPQ_DIAG_SQLSTATE),
            detail: errorField(CLIBPQ_DIAG_MESSAGE_DETAIL),
            hint: errorField(CLIBPQ_DIAG_MESSAGE_HINT),
            statement: statement
        )
        error.severity = errorField(CLIBPQ_DIAG_SEVERITY)
        error.schemaName = errorField(CLIBPQ_DIAG_SCHEMA_NAME)
        error.tableName = errorField(CLIBPQ_DIAG_TABLE_NAME)
        error.columnName = errorField(CLIBPQ_DIAG_COLUMN_NAME)
        error.constraintName = errorField(CLIBPQ_DIAG_CONSTRAINT_NAME)
        return error
    }
}

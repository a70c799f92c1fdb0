import Postgres

extension PostgresError {
    /// SQLSTATE class 22 (data exception): the values, not the server, are the problem, so
    /// retrying cannot help.
    var isDataError: Bool { sqlState?.hasPrefix("22") == true }
}

internal import CLibPQ

/// How to reach PostgreSQL and how many connections to keep.
///
/// `connectionString` is anything libpq accepts: a URL
/// (`postgresql://user@host:5432/db?sslmode=verify-full&sslrootcert=/ca.pem`)
/// or `key=value` pairs. TLS, `options=-c statement_timeout=5000` and every
/// other libpq setting pass through unchanged.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// libpq connection URL or key/value string. May contain a password; it is never logged.
    public var connectionString: String
    /// Connections in the pool; also the number of threads running libpq calls. Default 8.
    public var poolSize: Int
    /// How long opening a connection may take (libpq `connect_timeout`, whole seconds,
    /// minimum 2). Overrides a `connect_timeout` in the connection string. Default 10 s.
    public var connectTimeout: Duration
    /// Reported in `pg_stat_activity` unless the connection string sets `application_name`.
    public var applicationName: String

    /// Creates and validates a configuration.
    public init(
        connectionString: String,
        poolSize: Int = 8,
        connectTimeout: Duration = .seconds(10),
        applicationName: String = "qbsync"
    ) throws(PostgresError) {
        self.connectionString = connectionString
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
        try validate()
    }

    /// Checks every field; the error says which one is wrong and how.
    public func validate() throws(PostgresError) {
        guard !connectionString.isEmpty else {
            throw Self.invalid("the database URL is empty; set it to e.g. postgresql://user@host:5432/dbname?sslmode=require")
        }
        _ = try Self.parse(connectionString)
        guard (1...1000).contains(poolSize) else {
            throw Self.invalid("poolSize must be between 1 and 1000, got \(poolSize)")
        }
        guard connectTimeout > .zero else {
            throw Self.invalid("connectTimeout must be positive, got \(connectTimeout)")
        }
        guard !applicationName.isEmpty, applicationName.utf8.count < 64 else {
            throw Self.invalid("applicationName must be 1 to 63 bytes, got \"\(applicationName)\"")
        }
    }

    /// The connection settings with any password replaced by `********`.
    public var description: String {
        let settings: [(String, String)]
        do {
            settings = try Self.parse(connectionString)
        } catch {
            return "PostgresConfiguration(invalid connection string, poolSize: \(poolSize))"
        }
        let shown = settings.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        return "PostgresConfiguration(\(shown), poolSize: \(poolSize), connectTimeout: \(connectTimeout))"
    }

    /// Keyword/value pairs for `PQconnectdbParams` with `expand_dbname`.
    var libpqParameters: [(keyword: String, value: String)] {
        let (seconds, attoseconds) = connectTimeout.components
        let wholeSeconds = max(2, seconds + (attoseconds > 0 ? 1 : 0))
        return [
            ("dbname", connectionString),
            ("fallback_application_name", applicationName),
            ("connect_timeout", String(wholeSeconds)),
            // Strings are decoded as UTF-8; never let the server pick another encoding.
            ("client_encoding", "UTF8"),
        ]
    }

    /// Parses with libpq itself so that exactly what libpq accepts is accepted.
    /// Returns the set options, passwords masked.
    private static func parse(_ connectionString: String) throws(PostgresError) -> [(String, String)] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let reason =
                errorMessage.map { redact(LibPQConnection.clean(String(cString: $0)), passwordsOf: connectionString) }
                ?? "libpq could not parse it"
            if let errorMessage { PQfreemem(errorMessage) }
            throw invalid("the database URL is invalid: \(reason)")
        }
        defer { PQconninfoFree(options) }
        var settings: [(String, String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                let isSecret = option.pointee.dispchar.map { String(cString: $0) == "*" } ?? false
                settings.append((String(cString: keyword), isSecret ? "********" : String(cString: value)))
            }
            option += 1
        }
        return settings
    }

    private static func invalid(_ message: String) -> PostgresError {
        PostgresError(kind: .invalidConfiguration, message: "PostgreSQL configuration: \(message)")
    }
}

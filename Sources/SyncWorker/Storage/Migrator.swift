import Logging
import Postgres

/// Applies ``Migration/all`` in order, once, even when several workers start together.
public struct Migrator: Sendable {
    let database: PostgresClient
    let logger: Logger

    public init(database: PostgresClient, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// A fixed advisory-lock key serialising migrations across processes ("qbsync" in ASCII).
    static let lockKey: Int64 = 0x71_62_73_79_6E_63

    /// Applies every migration not yet applied; returns the versions it applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await database.withConnection { connection in
            _ = try await connection.query("select pg_advisory_lock($1)", [.int64(Self.lockKey)])
            do {
                let applied = try await apply(on: connection)
                _ = try await connection.query("select pg_advisory_unlock($1)", [.int64(Self.lockKey)])
                return applied
            } catch {
                do {
                    _ = try await connection.query("select pg_advisory_unlock($1)", [.int64(Self.lockKey)])
                } catch let unlockError {
                    // The lock goes with the session: other workers' migrations wait until it closes.
                    logger.warning(
                        "could not release the migration lock after a failed migration",
                        metadata: ["error": "\(unlockError)", "migration_error": "\(error)"])
                }
                throw error
            }
        }
    }

    private func apply(on connection: PostgresConnection) async throws -> [Int] {
        try await connection.executeScript(
            """
            create table if not exists schema_migrations (
                version integer primary key,
                name text not null,
                applied_at timestamptz not null default now()
            )
            """)
        let done = Set(try await connection.query("select version from schema_migrations").map { try $0.decode(Int.self, "version") })
        if let newest = done.max(), let known = Migration.all.last?.version, newest > known {
            throw WorkerConfigurationError(
                "the database schema is at version \(newest) but this qbsync knows only up to \(known); deploy the newer qbsync")
        }
        var applied: [Int] = []
        for migration in Migration.all where !done.contains(migration.version) {
            try await connection.executeScript("begin")
            do {
                try await connection.executeScript(migration.sql)
                try await connection.execute(
                    "insert into schema_migrations (version, name) values ($1, $2)", [.int(migration.version), .text(migration.name)])
                try await connection.executeScript("commit")
            } catch {
                do {
                    try await connection.executeScript("rollback")
                } catch let rollbackError {
                    logger.warning(
                        "could not roll back a failed migration",
                        metadata: ["version": "\(migration.version)", "error": "\(rollbackError)"])
                }
                throw error
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }
}

import Foundation
import Logging
import Postgres

/// A database of its own per test, created on the server `QBSYNC_TEST_DATABASE_URL` names.
enum TestDatabase {
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "QBSYNC_TEST_DATABASE_URL is not set: run the suite with scripts/test.sh, which starts a private PostgreSQL and sets it"
        }
    }

    static var serverURL: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["QBSYNC_TEST_DATABASE_URL"], !url.isEmpty else { throw NotConfigured() }
            return url
        }
    }

    /// Creates `qbsync_t_<random>` and returns its URL and a function that drops it.
    static func create(logger: Logger) async throws -> (url: String, drop: @Sendable () async -> Void) {
        let server = try serverURL
        guard var components = URLComponents(string: server) else { throw NotConfigured() }
        let name = "qbsync_t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        let admin = try PostgresClient(configuration: PostgresConfiguration(connectionString: server, poolSize: 1), logger: logger)
        do {
            try await admin.withConnection { connection in try await connection.executeScript("create database \(name)") }
        } catch {
            await admin.shutdown()
            throw error
        }
        components.path = "/\(name)"
        let url = components.string ?? server
        return (
            url,
            {
                _ = try? await admin.withConnection { connection in
                    try await connection.executeScript("drop database if exists \(name) with (force)")
                }
                await admin.shutdown()
            }
        )
    }
}

import Foundation
import Logging
import Postgres
import Synchronization
import Testing

@testable import SyncWorker

/// A worker that starts before its database accepts connections (both starting at once, or the
/// database restarting) waits for it, within `QBSYNC_DATABASE_WAIT_MS`, instead of exiting.
@Suite("A worker starting before its database", .timeLimit(.minutes(1)))
struct DatabaseStartupTests {
    /// A database that does not exist yet: connections to it are refused until it is created.
    private static func lateDatabase(_ env: TestEnvironment) throws -> (name: String, url: String) {
        let name = "qbsync_late_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
        guard var components = URLComponents(string: try TestDatabase.serverURL) else { throw TestDatabase.NotConfigured() }
        components.path = "/\(name)"
        return (name, components.string ?? "")
    }

    private static func onServer(_ sql: String, logger: Logger) async throws {
        let admin = try PostgresClient(
            configuration: PostgresConfiguration(connectionString: try TestDatabase.serverURL, poolSize: 1), logger: logger)
        defer { Task { await admin.shutdown() } }
        try await admin.withConnection { connection in try await connection.executeScript(sql) }
    }

    @Test("a worker whose database refuses it at first waits, then migrates and runs")
    func waitsForTheDatabase() async throws {
        try await TestEnvironment.with { env in
            let (name, url) = try Self.lateDatabase(env)
            var configuration = env.workerConfiguration()
            configuration.databaseURL = url
            configuration.databaseStartupWait = .seconds(30)
            let log = CapturedLog()
            let starting = Task { try await Worker(configuration: configuration, logger: log.logger, gracefulShutdownSignals: []) }
            try await env.eventually("the worker waits for its database") { log.contains("waiting for PostgreSQL to accept connections") }
            try await Self.onServer("create database \(name)", logger: env.logger)
            let worker = RunningWorker(worker: try await starting.value)
            #expect(log.contains("PostgreSQL accepts connections"))
            let late = try PostgresClient(configuration: PostgresConfiguration(connectionString: url, poolSize: 1), logger: env.logger)
            let accounts = try await late.withConnection { connection in try await connection.query("select count(*) as n from accounts") }
            #expect(try accounts.first?.decode(Int.self, "n") == 0, "migrated")
            await late.shutdown()
            try await worker.stop()
            try await Self.onServer("drop database \(name) with (force)", logger: env.logger)
        }
    }

    @Test("a worker whose database never accepts it exits once QBSYNC_DATABASE_WAIT_MS has passed, saying why")
    func givesUp() async throws {
        try await TestEnvironment.with { env in
            var configuration = env.workerConfiguration()
            configuration.databaseURL = try Self.lateDatabase(env).url
            configuration.databaseStartupWait = .milliseconds(500)
            let started = ContinuousClock.now
            await #expect {
                _ = try await Worker(configuration: configuration, logger: env.logger, gracefulShutdownSignals: [])
            } throws: { error in
                let text = "\(error)"
                return text.contains("within QBSYNC_DATABASE_WAIT_MS (500 ms)") && text.contains("does not exist")
            }
            #expect(ContinuousClock.now - started >= .milliseconds(500))
        }
    }

    @Test("SIGTERM while a worker waits for its database stops it at once and cleanly, not by the signal's default action")
    func sigtermWhileStarting() async throws {
        try await TestEnvironment.with { env in
            let environment = [
                "QBSYNC_DATABASE_URL": try Self.lateDatabase(env).url, "QBSYNC_DATABASE_WAIT_MS": "60000",
                "QBSYNC_KAFKA_BOOTSTRAP_SERVERS": env.cluster.bootstrapServers, "QBSYNC_KAFKA_MOCK_CLUSTER": "1",
                "QBSYNC_QBO_API_URL": env.endpoint.apiBaseURL, "QBSYNC_QBO_TOKEN_URL": env.endpoint.tokenURL,
                "QBSYNC_TOKEN_KEY": Data(env.tokenKey).base64EncodedString(), "QBSYNC_HTTP_HOST": "127.0.0.1", "QBSYNC_HTTP_PORT": "0",
            ]
            let logs = FileManager.default.temporaryDirectory.appendingPathComponent("qbsync-starting-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
            let worker = WorkerProcess(name: "starting", binary: try WorkerProcess.binary(), environment: environment, logDirectory: logs)
            try worker.start()
            try await env.eventually("the worker waits for its database", timeout: .seconds(30)) {
                (try? String(contentsOf: worker.log, encoding: .utf8))?.contains("waiting for PostgreSQL to accept connections") == true
            }
            let started = ContinuousClock.now
            let status = try await worker.terminate()
            #expect(!worker.endedBySignal, "the worker handled SIGTERM")
            #expect(status == 0)
            #expect(ContinuousClock.now - started < .seconds(10), "it did not wait out QBSYNC_DATABASE_WAIT_MS")
        }
    }
}

/// Log messages a worker wrote, to wait on one.
private final class CapturedLog: Sendable {
    private let messages = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "qbsync.test.captured") { _ in Handler(log: self) }
    }

    func contains(_ message: String) -> Bool { messages.withLock { $0.contains(message) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.messages.withLock { $0.append(event.message.description) }
        }
    }
}

import Foundation
import Logging
import Postgres
import Testing

/// Access to the real PostgreSQL server the tests run against.
///
/// The URL comes from `QBSYNC_TEST_DATABASE_URL`; without it every database
/// test fails with instructions instead of being skipped.
enum TestDatabase {
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "QBSYNC_TEST_DATABASE_URL is not set. Start the development server and export its URL: "
                + "export QBSYNC_TEST_DATABASE_URL=$(scripts/postgres.sh start)"
        }
    }

    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["QBSYNC_TEST_DATABASE_URL"], !url.isEmpty else {
            throw NotConfigured()
        }
        return url
    }

    static let logger: Logger = {
        var logger = Logger(label: "qbsync.postgres.tests")
        logger.logLevel = .warning
        return logger
    }()

    static func configuration(poolSize: Int = 4, applicationName: String = "qbsync-tests") throws -> PostgresConfiguration {
        try PostgresConfiguration(connectionString: url(), poolSize: poolSize, applicationName: applicationName)
    }

    /// Runs `body` with a fresh client that is always shut down afterwards.
    /// Holds a shared permit so that the server-restart test never runs at the same time.
    static func withClient<T>(
        poolSize: Int = 4,
        applicationName: String = "qbsync-tests",
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let configuration = try configuration(poolSize: poolSize, applicationName: applicationName)
        return try await ServerGate.shared.withSharedAccess {
            let client = try PostgresClient(configuration: configuration, logger: logger)
            do {
                let value = try await body(client)
                await client.shutdown()
                return value
            } catch {
                await client.shutdown()
                throw error
            }
        }
    }

    /// A table name no other test (or test run) uses.
    static func uniqueName(_ prefix: String) -> String {
        "test_\(prefix)_\(UInt64.random(in: 0...UInt64.max).hexString)"
    }

    /// Creates a uniquely named table, runs `body`, and drops the table.
    static func withTable<T>(
        _ client: PostgresClient,
        prefix: String,
        columns: String,
        _ body: (String) async throws -> T
    ) async throws -> T {
        let table = uniqueName(prefix)
        try await client.withConnection { try await $0.executeScript("create table \(table) (\(columns))") }
        do {
            let value = try await body(table)
            try await client.withConnection { try await $0.executeScript("drop table if exists \(table)") }
            return value
        } catch {
            do {
                try await client.withConnection { try await $0.executeScript("drop table if exists \(table)") }
            } catch let cleanupError {
                // The test already fails with `error`; leave a trace of the leftover table too.
                print("could not drop test table \(table): \(cleanupError)")
            }
            throw error
        }
    }

    /// Polls `condition` until it holds or `timeout` passes (no fixed sleeps).
    static func eventually(
        timeout: Duration = .seconds(10),
        _ what: String,
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out after \(timeout) waiting for: \(what)")
        throw CancellationError()
    }
}

extension UInt64 {
    var hexString: String { String(self, radix: 16) }
}

/// Readers-writer gate: ordinary tests share the server, the restart test needs it alone.
actor ServerGate {
    static let shared = ServerGate()

    private var readers = 0
    private var writerActive = false
    private var waitingReaders: [CheckedContinuation<Void, Never>] = []
    private var waitingWriters: [CheckedContinuation<Void, Never>] = []

    nonisolated func withSharedAccess<T>(_ body: () async throws -> T) async throws -> T {
        await acquireShared()
        do {
            let value = try await body()
            await releaseShared()
            return value
        } catch {
            await releaseShared()
            throw error
        }
    }

    nonisolated func withExclusiveAccess<T>(_ body: () async throws -> T) async throws -> T {
        await acquireExclusive()
        do {
            let value = try await body()
            await releaseExclusive()
            return value
        } catch {
            await releaseExclusive()
            throw error
        }
    }

    private func acquireShared() async {
        if !writerActive && waitingWriters.isEmpty {
            readers += 1
            return
        }
        await withCheckedContinuation { waitingReaders.append($0) }
    }

    private func releaseShared() {
        readers -= 1
        if readers == 0, !waitingWriters.isEmpty {
            writerActive = true
            waitingWriters.removeFirst().resume()
        }
    }

    private func acquireExclusive() async {
        if !writerActive && readers == 0 {
            writerActive = true
            return
        }
        await withCheckedContinuation { waitingWriters.append($0) }
    }

    private func releaseExclusive() {
        writerActive = false
        if !waitingWriters.isEmpty {
            writerActive = true
            waitingWriters.removeFirst().resume()
            return
        }
        readers += waitingReaders.count
        waitingReaders.forEach { $0.resume() }
        waitingReaders = []
    }
}

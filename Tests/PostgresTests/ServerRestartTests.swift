import Foundation
import Postgres
import Testing

/// Restarts the shared development server, so it runs alone: every other test
/// holds a shared `ServerGate` permit, this one takes it exclusively.
@Suite("PostgreSQL server restart", .serialized)
struct ServerRestartTests {
    @Test(
        "after the server restarts, the call in flight fails with isConnectionLoss and the pool serves queries again",
        .timeLimit(.minutes(1)))
    func poolRecoversAfterRestart() async throws {
        let script = try Self.serverScript()
        let applicationName = TestDatabase.uniqueName("restart")
        let configuration = try TestDatabase.configuration(poolSize: 2, applicationName: applicationName)
        try await ServerGate.shared.withExclusiveAccess {
            let client = try PostgresClient(configuration: configuration, logger: TestDatabase.logger)
            do {
                let inFlight = Task { try await client.withConnection { try await $0.query("select pg_sleep(30)") } }
                try await TestDatabase.eventually("the long statement is running") {
                    let rows = try await client.withConnection { connection in
                        try await connection.query(
                            "select count(*) as n from pg_stat_activity where application_name = $1 and state = 'active' and query like 'select pg_sleep(30)%'",
                            [.text(applicationName)]
                        )
                    }
                    return try rows.first?.decode(Int.self, "n") == 1
                }

                let started = ContinuousClock.now
                try await Self.run(script, "restart")
                print("postgres.sh restart took \(ContinuousClock.now - started)")

                let error = await #expect(throws: PostgresError.self) { try await inFlight.value }
                #expect(error?.isConnectionLoss == true)

                // The idle connection was also closed by the restart. The pool must notice that
                // before handing it out, so these succeed without any retry.
                for _ in 0..<3 {
                    let rows = try await client.withConnection { try await $0.query("select 1 as n") }
                    #expect(try rows.first?.decode(Int.self, "n") == 1)
                }
                let both = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            try await client.withTransaction { tx in
                                try #require(try await tx.query("select 1 as n, pg_sleep(0.05)").first).decode(Int.self, "n")
                            }
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(both == 2)
                await client.shutdown()
            } catch {
                await client.shutdown()
                throw error
            }
        }
    }

    struct ScriptFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// `QBSYNC_TEST_POSTGRES_SCRIPT`, else `scripts/postgres.sh` of the package these tests belong to.
    static func serverScript() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["QBSYNC_TEST_POSTGRES_SCRIPT"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = packageRoot.appendingPathComponent("scripts/postgres.sh")
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw ScriptFailed(
                description:
                    "cannot restart PostgreSQL: \(script.path) does not exist; set QBSYNC_TEST_POSTGRES_SCRIPT to the scripts/postgres.sh that manages the test server"
            )
        }
        return script
    }

    /// Runs the script on a thread of its own (spawn and wait block).
    ///
    /// Plain posix_spawn + waitpid: Foundation's `Process` did not always report
    /// the exit of this script, which daemonizes the server.
    static func run(_ script: URL, _ argument: String) async throws {
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                var pid: pid_t = 0
                let argv: [UnsafeMutablePointer<CChar>?] = [strdup(script.path), strdup(argument), nil]
                defer { argv.forEach { free($0) } }
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                let spawned = posix_spawn(&pid, script.path, &actions, nil, argv, environ)
                guard spawned == 0 else {
                    continuation.resume(throwing: ScriptFailed(description: "could not start \(script.path): errno \(spawned)"))
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        guard status == 0 else {
            throw ScriptFailed(description: "\(script.path) \(argument) failed (wait status \(status))")
        }
    }
}

import Foundation

/// The shared test PostgreSQL server, driven through `scripts/postgres.sh` (restart, stop, start).
/// Only the suites that run on their own (scripts/test.sh gives them a step of their own) use it.
enum PostgresServer {
    /// Runs `scripts/postgres.sh <command>`, spawned directly: Foundation's `Process` does not
    /// always notice the exit of a script that daemonizes the server, so this waits with waitpid.
    static func run(_ command: String) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/postgres.sh").path
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var pid: pid_t = 0
                let argv: [UnsafeMutablePointer<CChar>?] = [strdup(script), strdup(command), nil]
                defer { argv.forEach { free($0) } }
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                guard posix_spawn(&pid, script, &actions, nil, argv, environ) == 0 else { return continuation.resume(returning: -1) }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        guard status == 0 else { throw StatusStream.StreamFailed(message: "scripts/postgres.sh \(command) failed (wait status \(status))") }
    }
}

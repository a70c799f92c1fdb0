import Foundation
import Logging
import Postgres

/// Readings of this machine's processes from /proc.
struct Machine {
    var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// User plus system CPU seconds a process has used.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // Fields after the command name: state is field 3, utime 14 and stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident set size in bytes.
    static func residentBytes(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }

    /// CPU seconds of every running PostgreSQL process (the server and its backends).
    static func postgresCPUSeconds() -> Double {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var total = 0.0
        for entry in entries {
            guard let pid = Int32(entry),
                  let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                  command.hasPrefix("postgres") else { continue }
            total += cpuSeconds(pid)
        }
        return total
    }
}

/// A database of its own per scenario on the server QBSYNC_DATABASE_URL names.
enum BenchDatabase {
    static func create(server: String, logger: Logger) async throws -> (url: String, drop: @Sendable () async -> Void) {
        guard var components = URLComponents(string: server) else { throw BenchFailure("QBSYNC_DATABASE_URL is not a URL: \(server)") }
        let name = "qbsync_bench_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
        let admin = try PostgresClient(configuration: PostgresConfiguration(connectionString: server, poolSize: 1), logger: logger)
        try await admin.withConnection { try await $0.executeScript("create database \(name)") }
        components.path = "/\(name)"
        return (components.string ?? server, {
            _ = try? await admin.withConnection { try await $0.executeScript("drop database if exists \(name) with (force)") }
            await admin.shutdown()
        })
    }
}

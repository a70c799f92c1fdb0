import AsyncHTTPClient
import Foundation
import Logging
import Postgres

/// Readings of this machine's processes from /proc.
struct Machine {
    var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// User plus system CPU seconds a process has used.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name: state is field 3, utime 14 and stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident set size in bytes.
    static func residentBytes(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    /// CPU seconds of every running PostgreSQL process (the server and its backends).
    static func postgresCPUSeconds() -> Double {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var total = 0.0
        for entry in entries {
            guard let pid = Int32(entry),
                let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                command.hasPrefix("postgres")
            else { continue }
            total += cpuSeconds(pid)
        }
        return total
    }
}

extension Machine {
    /// A TCP port nothing listens on right now (the kernel picks it), for a worker's HTTP server.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw BenchFailure("no socket for a free port: errno \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw BenchFailure("could not bind a socket to find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The value of an unlabelled counter on a worker's /metrics (0 when not exported yet).
    static func scrape(port: Int, _ names: [String]) async throws -> [String: Double] {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, names.contains(String(parts[0])), let value = Double(parts[1]) else { continue }
            values[String(parts[0])] = value
        }
        return values
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
        return (
            components.string ?? server,
            {
                _ = try? await admin.withConnection { try await $0.executeScript("drop database if exists \(name) with (force)") }
                await admin.shutdown()
            }
        )
    }
}

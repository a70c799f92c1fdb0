import Foundation

/// A `qbsync worker` running as a process of its own, so it can be killed with SIGKILL.
final class WorkerProcess: @unchecked Sendable {
    let name: String
    private let binary: URL
    private let environment: [String: String]
    private let logDirectory: URL
    private var process: Process?
    private(set) var starts = 0
    private let lock = NSLock()

    init(name: String, binary: URL, environment: [String: String], logDirectory: URL) {
        self.name = name
        self.binary = binary
        self.environment = environment
        self.logDirectory = logDirectory
    }

    /// The `qbsync` executable built next to the test bundle.
    static func binary() throws -> URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for directory in [here.deletingLastPathComponent(), here.deletingLastPathComponent().deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("qbsync")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw MissingBinary(searchedFrom: here.path)
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var searchedFrom: String
        var description: String { "no qbsync executable next to \(searchedFrom); run `swift build --build-tests` first" }
    }

    func start() throws {
        lock.lock()
        defer { lock.unlock() }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["worker", "--log-level", "warning"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        starts += 1
        let log = logDirectory.appendingPathComponent("\(name)-\(starts).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// The log of the current (or last) start.
    var log: URL { logDirectory.appendingPathComponent("\(name)-\(lock.withLock { starts }).log") }

    /// Whether the last process ended by a signal it did not handle (its status is then the signal).
    var endedBySignal: Bool { lock.withLock { process.map { !$0.isRunning && $0.terminationReason == .uncaughtSignal } ?? false } }

    /// SIGKILL: no drain, no commit, nothing flushed.
    func kill() async throws {
        guard let process = lock.withLock({ self.process }) else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        try await waitForExit(process)
    }

    /// SIGTERM: the graceful path; returns the exit status.
    func terminate() async throws -> Int32 {
        guard let process = lock.withLock({ self.process }) else { return 0 }
        process.terminate()
        try await waitForExit(process, timeout: .seconds(60))
        return process.terminationStatus
    }

    private func waitForExit(_ process: Process, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw StatusStream.Timeout(what: "\(name) to exit", seen: []) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

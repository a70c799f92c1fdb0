import Foundation
import Testing

/// Secrets never travel on the command line, and no error prints one.
@Suite("Secrets on the command line", .timeLimit(.minutes(1)))
struct CommandLineSecretsTests {
    /// Runs the qbsync executable; returns its exit status and standard error.
    static func qbsync(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = try WorkerProcess.binary()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QBSYNC_") }.merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test("a refresh token on the command line is refused before anything runs, pointing at the safe ways")
    func refreshTokenNotInArguments() throws {
        let answer = try Self.qbsync(["firm", "connect", "--firm", "f1", "--realm", "1234", "--refresh-token", "AB11-secret"])
        #expect(answer.status != 0)
        #expect(answer.stderr.contains("QBSYNC_FIRM_REFRESH_TOKEN") && answer.stderr.contains("--refresh-token-file"), "\(answer.stderr)")
    }

    @Test("a bad database URL is reported without its password")
    func databaseURLRedacted() throws {
        let answer = try Self.qbsync(
            ["migrate"],
            environment: [
                "QBSYNC_DATABASE_URL": "postgress://qbsync:hunter2@db:5432/qbsync",
                "QBSYNC_TOKEN_KEY": Data(repeating: 1, count: 32).base64EncodedString(),
            ])
        #expect(answer.status != 0)
        #expect(answer.stderr.contains("database URL"), "\(answer.stderr)")
        #expect(!answer.stderr.contains("hunter2"), "\(answer.stderr)")
    }
}

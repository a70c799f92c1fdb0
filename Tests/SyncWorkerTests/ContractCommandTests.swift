import Foundation
import Testing

/// `qbsync contract` prints the event contract from the binary alone: run from an empty
/// directory, it prints what contract/ holds.
@Suite("The event contract command", .timeLimit(.minutes(1)))
struct ContractCommandTests {
    static let contractFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("contract")

    /// Runs the qbsync executable in an empty directory; returns its exit status, standard output and standard error.
    static func contract(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("qbsync-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let process = Process()
        process.executableURL = try WorkerProcess.binary()
        process.arguments = ["contract"] + arguments
        process.currentDirectoryURL = elsewhere
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, printed, text)
    }

    @Test("qbsync contract prints the AsyncAPI document, and --schema one schema, exactly as contract/ has them")
    func printsTheContract() throws {
        let document = try Self.contract([])
        #expect(document.status == 0, "\(document.stderr)")
        #expect(document.stdout == (try Data(contentsOf: Self.contractFolder.appendingPathComponent("asyncapi.yaml"))))
        let schema = try Self.contract(["--schema", "invoice.upserted"])
        #expect(schema.status == 0, "\(schema.stderr)")
        #expect(schema.stdout == (try Data(contentsOf: Self.contractFolder.appendingPathComponent("schemas/invoice.upserted.json"))))
        let list = try Self.contract(["--list"])
        #expect(String(decoding: list.stdout, as: UTF8.self).split(separator: "\n").contains("quickbooks.sync_status_changed"))
    }

    @Test("an unknown schema is refused, naming the ones there are")
    func unknownSchema() throws {
        let answer = try Self.contract(["--schema", "invoice.exploded"])
        #expect(answer.status != 0)
        #expect(answer.stderr.contains("invoice.exploded") && answer.stderr.contains("payment.refunded"), "\(answer.stderr)")
    }

    @Test("--output writes the document with its schemas, so its references resolve")
    func writesTheFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qbsync-contract-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let answer = try Self.contract(["--output", folder.path])
        #expect(answer.status == 0, "\(answer.stderr)")
        for path in ["asyncapi.yaml", "schemas/common.json", "schemas/payment.upserted.json", "schemas/dead-letter.headers.json"] {
            #expect(
                try Data(contentsOf: folder.appendingPathComponent(path))
                    == Data(contentsOf: Self.contractFolder.appendingPathComponent(path)), "\(path)")
        }
    }
}

import ArgumentParser
import Foundation
import SyncCore

struct ContractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract",
        abstract:
            "Print the event contract: the AsyncAPI 3.0 document of every topic qbsync reads and writes, or one message's JSON Schema.",
        discussion: """
            The document refers to its schemas as ./schemas/<name>.json; --output writes it with \
            them into a directory, so that AsyncAPI and JSON Schema tools can resolve the references.
            """)

    @Option(
        help:
            "Print this JSON Schema instead: an event type (invoice.upserted, quickbooks.sync_status_changed…), common or dead-letter.headers."
    )
    var schema: String?
    @Flag(help: "List the schemas, one a line.") var list = false
    @Option(help: "Write asyncapi.yaml and schemas/ into this directory (created if missing) instead of printing.")
    var output: String?

    func validate() throws {
        if let schema, EventContract.schema(schema) == nil {
            throw ValidationError("no schema '\(schema)'; the contract has \(EventContract.schemaNames.joined(separator: ", "))")
        }
        if [schema != nil, list, output != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --schema, --list and --output")
        }
    }

    func run() throws {
        if list {
            write(EventContract.schemaNames.map { "\($0)\n" }.joined())
        } else if let schema {
            write(EventContract.schema(schema) ?? "")
        } else if let output {
            let root = URL(fileURLWithPath: output, isDirectory: true)
            for (path, contents) in EventContract.files.sorted(by: { $0.key < $1.key }) {
                let file = root.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(contents.utf8).write(to: file, options: .atomic)
            }
            print("wrote \(EventContract.files.count) files of the event contract to \(root.path)")
        } else {
            write(EventContract.asyncAPI)
        }
    }

    /// The files end with their own newline; they are written byte for byte.
    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

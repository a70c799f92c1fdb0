import Foundation
import SyncCore
import Testing

@Suite("Event contract")
struct EventContractTests {
    /// The repository's contract/ folder, found from this file.
    static let contractFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("contract")

    @Test("the contract built into the binary is contract/ byte for byte (else run scripts/embed-contract.sh)")
    func embeddedCopyIsCurrent() throws {
        let enumerator = try #require(
            FileManager.default.enumerator(at: Self.contractFolder, includingPropertiesForKeys: [.isRegularFileKey]))
        var onDisk: [String: String] = [:]
        for case let url as URL in enumerator where ["yaml", "json"].contains(url.pathExtension) {
            let path = String(url.standardizedFileURL.path.dropFirst(Self.contractFolder.standardizedFileURL.path.count + 1))
            onDisk[path] = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        }
        #expect(!onDisk.isEmpty, "no contract files under \(Self.contractFolder.path)")
        #expect(
            Set(EventContract.files.keys) == Set(onDisk.keys), "files in contract/ and in the binary differ: run scripts/embed-contract.sh")
        for (path, contents) in onDisk.sorted(by: { $0.key < $1.key }) {
            let embedded = (EventContract.files[path] ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            let lines = contents.split(separator: "\n", omittingEmptySubsequences: false)
            let differs =
                zip(embedded, lines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? (embedded.count == lines.count ? nil : min(embedded.count, lines.count))
            #expect(
                differs == nil,
                "contract/\(path) differs from the copy in the binary from line \((differs ?? 0) + 1): run scripts/embed-contract.sh")
        }
    }

    @Test("every event type the decoder knows has a schema, and the status event too")
    func everyTypeHasASchema() {
        for type in IngressEvent.knownTypes + ["quickbooks.sync_status_changed"] {
            #expect(EventContract.schema(type)?.contains("\"const\": \"\(type)\"") == true, "no schema for \(type)")
            #expect(EventContract.asyncAPI.contains("name: \(type)\n"), "no message \(type) in the AsyncAPI document")
        }
        #expect(EventContract.schema("common") != nil && EventContract.schema("dead-letter.headers.json") != nil)
        #expect(EventContract.schema("invoice.exploded") == nil)
        #expect(EventContract.asyncAPI.hasPrefix("# The event contract") && EventContract.asyncAPI.contains("asyncapi: 3.0.0\n"))
    }
}

/// The event contract, built into the binary: the AsyncAPI 3.0 document of every topic qbsync
/// reads and writes, and the JSON Schemas (draft 2020-12) of its messages.
///
/// The files live in the repository's `contract/`; `scripts/embed-contract.sh` copies them into
/// `EventContract+Files.swift`, and a test fails when the two differ.
public enum EventContract {
    /// The AsyncAPI document (`contract/asyncapi.yaml`).
    public static var asyncAPI: String { embeddedFiles["asyncapi.yaml"] ?? "" }

    /// The schemas by name: each event type (`invoice.upserted`, `quickbooks.sync_status_changed`…),
    /// `common` (the envelope and shared parts) and `dead-letter.headers`.
    public static var schemaNames: [String] {
        embeddedFiles.keys.compactMap { path -> String? in
            guard path.hasPrefix(schemaFolder), path.hasSuffix(".json") else { return nil }
            return String(path.dropFirst(schemaFolder.count).dropLast(".json".count))
        }.sorted()
    }

    /// One schema by name (with or without `.json`); nil when there is none of that name.
    public static func schema(_ name: String) -> String? {
        let file = name.hasSuffix(".json") ? name : "\(name).json"
        return embeddedFiles[schemaFolder + file]
    }

    /// Every file of the contract by its path inside `contract/` (`asyncapi.yaml`, `schemas/common.json`…).
    public static var files: [String: String] { embeddedFiles }

    private static let schemaFolder = "schemas/"
}

import Foundation
import SyncCore
import Testing

/// Records the decoder's fixtures as contract samples for `scripts/check-contract.sh`, in the
/// format of the integration tests' recorder (Tests/SyncWorkerTests/Support/ContractSamples.swift):
/// one JSON file per message with the decoder's verdict. Nothing is recorded unless
/// `QBSYNC_CONTRACT_SAMPLES` names a directory. Fixtures have no topic.
enum ContractSamples {
    static let directory: URL? = {
        guard let path = ProcessInfo.processInfo.environment["QBSYNC_CONTRACT_SAMPLES"], !path.isEmpty else { return nil }
        let folder = URL(fileURLWithPath: path, isDirectory: true).appendingPathComponent("ingress")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }()

    static func ingress(key: [UInt8]?, value: [UInt8]?) {
        guard let directory else { return }
        var record: [String: Any] = [
            "topic": NSNull(),
            "recorded_by": Test.current.map { "\($0.sourceLocation.fileID):\($0.sourceLocation.line) \($0.displayName ?? $0.name)" } ?? "?",
        ]
        for (name, bytes) in [("key", key), ("value", value)] {
            if let bytes, let text = String(validating: bytes, as: UTF8.self) {
                record[name] = text
            } else if let bytes {
                record["\(name)_base64"] = Data(bytes).base64EncodedString()
            } else {
                record[name] = NSNull()
            }
        }
        do {
            _ = try IngressEvent.decode(value: value, key: key)
            record["decoder"] = ["accepted": true]
        } catch {
            record["decoder"] = ["accepted": false, "reason": error.reason.rawValue, "error": error.message]
        }
        let file = directory.appendingPathComponent("\(UUID().uuidString.lowercased()).json")
        do {
            try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]).write(to: file, options: .atomic)
        } catch {
            Issue.record("could not record a contract sample in \(file.path): \(error)")
        }
    }
}

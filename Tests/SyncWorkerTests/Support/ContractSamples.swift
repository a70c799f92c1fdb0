import Foundation
import Kafka
import SyncCore
import Testing

/// Records the messages the integration tests send, observe on `quickbooks.sync-status` and read
/// from the dead-letter topic, one JSON file each, for `scripts/check-contract.sh` to validate
/// against `contract/`. Nothing is recorded unless `QBSYNC_CONTRACT_SAMPLES` names a directory.
///
/// An ingress message is recorded with the decoder's verdict: what the decoder accepts the
/// schemas must accept, and what it refuses (a bad message sent on purpose) they must refuse too,
/// save the few rules JSON Schema cannot state, so they are shown to be neither too loose nor
/// too strict.
enum ContractSamples {
    static let directory: URL? = {
        guard let path = ProcessInfo.processInfo.environment["QBSYNC_CONTRACT_SAMPLES"], !path.isEmpty else { return nil }
        let root = URL(fileURLWithPath: path, isDirectory: true)
        for kind in ["ingress", "status", "dead-letter"] {
            try? FileManager.default.createDirectory(at: root.appendingPathComponent(kind), withIntermediateDirectories: true)
        }
        return root
    }()

    /// An ingress message as a test sends it.
    static func ingress(topic: String, key: [UInt8]?, value: [UInt8]?) {
        guard directory != nil else { return }
        let verdict: [String: Any]
        do {
            _ = try IngressEvent.decode(value: value, key: key)
            verdict = ["accepted": true]
        } catch {
            verdict = ["accepted": false, "reason": error.reason.rawValue, "error": error.message]
        }
        write("ingress", fields(topic: topic, key: key, value: value).merging(["decoder": verdict]) { $1 })
    }

    /// A status event as a test reads it.
    static func status(_ message: KafkaMessage) {
        guard directory != nil else { return }
        write("status", fields(topic: message.topic, key: message.key, value: message.value))
    }

    /// A dead letter as a test reads it, with its headers.
    static func deadLetter(_ message: KafkaMessage) {
        guard directory != nil else { return }
        let headers = message.headers.map { header -> [String: Any] in
            ["name": header.name, "value": header.value.map { String(decoding: $0, as: UTF8.self) } ?? NSNull()]
        }
        write("dead-letter", fields(topic: message.topic, key: message.key, value: message.value).merging(["headers": headers]) { $1 })
    }

    /// Key and value as text when they are UTF-8 (readable when a check fails), else base64.
    private static func fields(topic: String, key: [UInt8]?, value: [UInt8]?) -> [String: Any] {
        var fields: [String: Any] = ["topic": topic, "recorded_by": recorder]
        for (name, bytes) in [("key", key), ("value", value)] {
            if let bytes, let text = String(validating: bytes, as: UTF8.self) {
                fields[name] = text
            } else if let bytes {
                fields["\(name)_base64"] = Data(bytes).base64EncodedString()
            } else {
                fields[name] = NSNull()
            }
        }
        return fields
    }

    /// The test that recorded it, as `Module/File.swift:line name`.
    private static var recorder: String {
        guard let test = Test.current else { return "?" }
        return "\(test.sourceLocation.fileID):\(test.sourceLocation.line) \(test.displayName ?? test.name)"
    }

    private static func write(_ kind: String, _ record: [String: Any]) {
        guard let directory, let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return }
        let file = directory.appendingPathComponent(kind).appendingPathComponent("\(UUID().uuidString.lowercased()).json")
        do {
            try data.write(to: file, options: .atomic)
        } catch {
            Issue.record("could not record a contract sample in \(file.path): \(error)")
        }
    }
}

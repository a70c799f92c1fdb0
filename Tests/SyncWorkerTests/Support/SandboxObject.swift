import Foundation
import QuickBooksSandbox

/// One QuickBooks object read from the sandbox, with its JSON fields at hand.
struct SandboxObject: @unchecked Sendable {
    let record: SandboxRecord
    let fields: [String: Any]

    init(_ record: SandboxRecord) {
        self.record = record
        fields = (try? JSONSerialization.jsonObject(with: Data(record.json.utf8)) as? [String: Any]) ?? [:]
    }

    var id: String { record.id }
    var status: SandboxRecord.Status { record.status }

    /// The value at a path of keys and array indexes: `value("Line", 0, "Amount")`.
    func value(_ path: Any...) -> Any? {
        value(path)
    }

    func string(_ path: Any...) -> String? {
        let found = value(path)
        return found as? String ?? (found as? NSNumber)?.stringValue
    }

    func number(_ path: Any...) -> Double? {
        (value(path) as? NSNumber)?.doubleValue
    }

    /// The lines that sell something (not the subtotal QuickBooks appends).
    var salesLines: [[String: Any]] {
        ((fields["Line"] as? [[String: Any]]) ?? []).filter { $0["DetailType"] as? String == "SalesItemLineDetail" }
    }

    private func value(_ path: [Any]) -> Any? {
        var current: Any? = fields
        for step in path {
            switch step {
            case let key as String: current = (current as? [String: Any])?[key]
            case let index as Int:
                guard let array = current as? [Any], array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
        }
        return current
    }
}

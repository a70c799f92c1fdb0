import Foundation

/// A test-side view of a JSON document, decoded with Foundation rather than the sandbox's own
/// parser so the assertions do not trust the code under test.
struct JSONDoc: CustomStringConvertible {
    let raw: Any?

    init(raw: Any?) {
        self.raw = raw
    }

    init(text: String) {
        raw = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    subscript(key: String) -> JSONDoc { JSONDoc(raw: (raw as? [String: Any])?[key]) }

    subscript(index: Int) -> JSONDoc {
        guard let items = raw as? [Any], items.indices.contains(index) else { return JSONDoc(raw: nil) }
        return JSONDoc(raw: items[index])
    }

    var exists: Bool { raw != nil && !(raw is NSNull) }
    var string: String? { raw as? String }
    var double: Double? { (raw as? NSNumber)?.doubleValue }
    var int: Int? { (raw as? NSNumber)?.intValue }
    var bool: Bool? { (raw as? NSNumber).map(\.boolValue) }
    var array: [JSONDoc] { (raw as? [Any])?.map { JSONDoc(raw: $0) } ?? [] }
    var keys: Set<String> { Set((raw as? [String: Any])?.keys ?? [:].keys) }

    var description: String {
        guard let raw, JSONSerialization.isValidJSONObject(raw),
            let data = try? JSONSerialization.data(withJSONObject: raw, options: [.sortedKeys])
        else { return String(describing: raw) }
        return String(decoding: data, as: UTF8.self)
    }
}

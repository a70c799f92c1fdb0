/// Decoded `key=value&…` pairs of a URL query or an `application/x-www-form-urlencoded` body.
/// Looks keys up without regard to case (`changedSince`, `changedsince`).
struct FormFields: Sendable {
    private var values: [String: String] = [:]

    init(_ encoded: String?) {
        guard let encoded, !encoded.isEmpty else { return }
        for pair in encoded.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawKey = parts.first else { continue }
            let key = Self.decode(rawKey).lowercased()
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if values[key] == nil { values[key] = value }
        }
    }

    subscript(key: String) -> String? {
        values[key.lowercased()]
    }

    /// Percent-decoding, with '+' as a space (an encoded plus, %2B, stays a plus). A malformed
    /// escape is kept as written.
    private static func decode(_ component: Substring.UTF8View.SubSequence) -> String {
        guard component.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(decoding: component, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(component.count)
        var index = component.startIndex
        while index < component.endIndex {
            let byte = component[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                let high = component.index(index, offsetBy: 1, limitedBy: component.endIndex),
                let low = component.index(index, offsetBy: 2, limitedBy: component.endIndex), low < component.endIndex,
                let highValue = hexValue(component[high]), let lowValue = hexValue(component[low])
            {
                bytes.append(highValue << 4 | lowValue)
                index = low
            } else {
                bytes.append(byte)
            }
            index = component.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

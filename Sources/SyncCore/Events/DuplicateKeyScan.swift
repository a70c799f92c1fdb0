/// Finds the first object key that appears twice in one JSON object.
///
/// Foundation's decoder keeps one of two equal keys and says nothing, so `{"amount":"1.00",
/// "amount":"900.00"}` would be read as whichever it keeps while another consumer of the same
/// event may read the other: an event that means two things is refused instead. The scan only
/// tracks structure; it runs on JSON the decoder has accepted, and gives up
/// (finding nothing) on anything malformed.
enum DuplicateKeyScan {
    /// The path and name of the first repeated key (`data.lines[0].amount`), or nil.
    static func firstDuplicate(in bytes: [UInt8]) -> String? {
        struct Level {
            var isObject: Bool
            var keys: Set<[UInt8]> = []
            var name: String
            var index = 0
            var expectingKey: Bool
        }
        var stack: [Level] = []
        var pendingKey: String?
        var i = 0
        func path(_ stack: [Level]) -> String {
            stack.dropFirst().map(\.name).joined()
        }
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = byte == UInt8(ascii: "{")
                var name = ""
                if let top = stack.last {
                    name = top.isObject ? ((stack.count > 1 ? "." : "") + (pendingKey ?? "")) : "[\(top.index)]"
                }
                stack.append(Level(isObject: isObject, name: name, expectingKey: isObject))
                pendingKey = nil
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard !stack.isEmpty else { return nil }  // not JSON: the decoder says so
                stack.removeLast()
                i += 1
            case UInt8(ascii: ","):
                if let last = stack.indices.last {
                    if stack[last].isObject { stack[last].expectingKey = true } else { stack[last].index += 1 }
                }
                i += 1
            case UInt8(ascii: "\""):
                // Read the string's raw bytes up to its closing quote.
                var j = i + 1
                var escaped = false
                while j < bytes.count {
                    if escaped {
                        escaped = false
                    } else if bytes[j] == UInt8(ascii: "\\") {
                        escaped = true
                    } else if bytes[j] == UInt8(ascii: "\"") {
                        break
                    }
                    j += 1
                }
                if let last = stack.indices.last, stack[last].isObject, stack[last].expectingKey {
                    let raw = Array(bytes[(i + 1)..<min(j, bytes.count)])
                    let key = raw.contains(UInt8(ascii: "\\")) ? unescape(raw) : raw
                    let name = String(decoding: key, as: UTF8.self)
                    if !stack[last].keys.insert(key).inserted {
                        let prefix = path(stack)
                        return prefix.isEmpty ? name : "\(prefix).\(name)"
                    }
                    stack[last].expectingKey = false
                    pendingKey = name
                }
                i = j + 1
            default:
                i += 1
            }
        }
        return nil
    }

    /// JSON string escapes turned into the bytes they stand for, so `"a"` and `"\u0061"` compare equal.
    private static func unescape(_ raw: [UInt8]) -> [UInt8] {
        var i = 0
        func hex(_ from: Int) -> UInt32? {
            guard from + 4 <= raw.count else { return nil }
            return UInt32(String(decoding: raw[from..<from + 4], as: UTF8.self), radix: 16)
        }
        var pendingHigh: UInt32?
        var out: [UInt8] = []
        while i < raw.count {
            if raw[i] == UInt8(ascii: "\\"), i + 1 < raw.count {
                let next = raw[i + 1]
                if next == UInt8(ascii: "u"), let code = hex(i + 2) {
                    if (0xD800...0xDBFF).contains(code) {
                        pendingHigh = code
                    } else {
                        let value = pendingHigh.map { 0x10000 + (($0 - 0xD800) << 10) + (code - 0xDC00) } ?? code
                        pendingHigh = nil
                        if let scalar = Unicode.Scalar(value) { out += Array(String(scalar).utf8) }
                    }
                    i += 6
                    continue
                }
                let mapped: UInt8
                switch next {
                case UInt8(ascii: "n"): mapped = 0x0A
                case UInt8(ascii: "t"): mapped = 0x09
                case UInt8(ascii: "r"): mapped = 0x0D
                case UInt8(ascii: "b"): mapped = 0x08
                case UInt8(ascii: "f"): mapped = 0x0C
                default: mapped = next
                }
                out.append(mapped)
                i += 2
            } else {
                out.append(raw[i])
                i += 1
            }
        }
        return out
    }
}

import Foundation

/// Encodes request bodies as JSON the way QuickBooks should receive money.
///
/// `JSONEncoder` can only write a number from a `Double` or a `Decimal`, so `450.00` leaves as
/// `450` and an amount that went through binary floating point can leave as
/// `0.30000000000000004`. This encoder writes a ``QuickBooksDecimal`` as a JSON number with its
/// exact decimal text, and everything else as `JSONEncoder` would with default strategies.
struct ExactJSONEncoder {
    func encode(_ value: some Encodable) throws -> Data {
        let node = try ExactJSONEncoding.node(for: value, codingPath: [])
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        node.write(into: &bytes)
        return Data(bytes)
    }
}

/// The `Encoder` behind ``ExactJSONEncoder``: one instance per value, producing a ``JSONNode``.
final class ExactJSONEncoding: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    private(set) var node: JSONNode?
    /// Where a `superEncoder` hands its result back once the caller is done with it.
    private let deliver: ((JSONNode) -> Void)?

    init(codingPath: [any CodingKey], deliver: ((JSONNode) -> Void)? = nil) {
        self.codingPath = codingPath
        self.deliver = deliver
    }

    deinit {
        deliver?(node ?? .object(JSONObjectBox()))
    }

    static func node(for value: some Encodable, codingPath: [any CodingKey]) throws -> JSONNode {
        // The Foundation types JSONEncoder writes specially (by default strategies).
        if let decimal = value as? Decimal { return .number(decimal.description) }
        if let url = value as? URL { return .string(url.absoluteString) }
        let encoder = ExactJSONEncoding(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.node ?? .object(JSONObjectBox())
    }

    /// Writes `text`, which must be a valid JSON number, as the value.
    func encodeExactNumber(_ text: String) {
        node = .number(text)
    }

    fileprivate func set(_ node: JSONNode) {
        self.node = node
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: JSONObjectBox
        if case .object(let existing)? = node {
            box = existing
        } else {
            box = JSONObjectBox()
            node = .object(box)
        }
        return KeyedEncodingContainer(ExactObjectContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: JSONArrayBox
        if case .array(let existing)? = node {
            box = existing
        } else {
            box = JSONArrayBox()
            node = .array(box)
        }
        return ExactArrayContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        ExactValueContainer(encoder: self)
    }

    static func number(_ value: some BinaryFloatingPoint & LosslessStringConvertible, codingPath: [any CodingKey]) throws -> JSONNode {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "JSON has no representation for \(value)"))
        }
        return .number(value.description)
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.index = intValue }
}

private struct ExactObjectContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONObjectBox
    let codingPath: [any CodingKey]

    private func put(_ node: JSONNode, _ key: Key) { box[key.stringValue] = node }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        put(try ExactJSONEncoding.number(value, codingPath: codingPath + [key]), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        put(try ExactJSONEncoding.number(value, codingPath: codingPath + [key]), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        put(try ExactJSONEncoding.node(for: value, codingPath: codingPath + [key]), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        put(.object(nested), key)
        return KeyedEncodingContainer(ExactObjectContainer<NestedKey>(box: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        put(.array(nested), key)
        return ExactArrayContainer(box: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        let box = self.box
        return ExactJSONEncoding(codingPath: codingPath) { box["super"] = $0 }
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let box = self.box
        return ExactJSONEncoding(codingPath: codingPath + [key]) { box[key.stringValue] = $0 }
    }
}

private struct ExactArrayContainer: UnkeyedEncodingContainer {
    let box: JSONArrayBox
    let codingPath: [any CodingKey]
    var count: Int { box.items.count }

    private var nextPath: [any CodingKey] { codingPath + [IndexKey(box.items.count)] }

    mutating func encodeNil() throws { box.items.append(.null) }
    mutating func encode(_ value: Bool) throws { box.items.append(.bool(value)) }
    mutating func encode(_ value: String) throws { box.items.append(.string(value)) }
    mutating func encode(_ value: Double) throws { box.items.append(try ExactJSONEncoding.number(value, codingPath: nextPath)) }
    mutating func encode(_ value: Float) throws { box.items.append(try ExactJSONEncoding.number(value, codingPath: nextPath)) }
    mutating func encode(_ value: Int) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { box.items.append(.number(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        box.items.append(try ExactJSONEncoding.node(for: value, codingPath: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let nested = JSONObjectBox()
        box.items.append(.object(nested))
        return KeyedEncodingContainer(ExactObjectContainer<NestedKey>(box: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let nested = JSONArrayBox()
        box.items.append(.array(nested))
        return ExactArrayContainer(box: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let box = self.box
        let index = box.items.count
        box.items.append(.null)  // holds the place until the super encoder delivers
        return ExactJSONEncoding(codingPath: nextPath) { box.items[index] = $0 }
    }
}

private struct ExactValueContainer: SingleValueEncodingContainer {
    let encoder: ExactJSONEncoding
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.set(.null) }
    mutating func encode(_ value: Bool) throws { encoder.set(.bool(value)) }
    mutating func encode(_ value: String) throws { encoder.set(.string(value)) }
    mutating func encode(_ value: Double) throws { encoder.set(try ExactJSONEncoding.number(value, codingPath: codingPath)) }
    mutating func encode(_ value: Float) throws { encoder.set(try ExactJSONEncoding.number(value, codingPath: codingPath)) }
    mutating func encode(_ value: Int) throws { encoder.set(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { encoder.set(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { encoder.set(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { encoder.set(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { encoder.set(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { encoder.set(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { encoder.set(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { encoder.set(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { encoder.set(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { encoder.set(.number(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.set(try ExactJSONEncoding.node(for: value, codingPath: codingPath))
    }
}

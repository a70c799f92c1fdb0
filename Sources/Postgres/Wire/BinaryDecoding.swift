#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Why a binary value could not be decoded; the cell adds column and type context.
enum BinaryDecodingFailure: Error {
    case typeMismatch
    case malformed(String)
}

/// Built-in types that read PostgreSQL's binary wire format.
///
/// Results are always requested in binary format: it is exact for floats and
/// timestamps and cheaper to parse than text.
protocol PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> Self
}

extension UnsafeRawBufferPointer {
    func readBigEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int = 0) throws(BinaryDecodingFailure) -> T {
        guard offset >= 0, offset + MemoryLayout<T>.size <= count else {
            throw .malformed("value is \(count) bytes, too short for its type")
        }
        return T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    func requireCount(_ expected: Int) throws(BinaryDecodingFailure) {
        guard count == expected else { throw .malformed("expected \(expected) bytes, got \(count)") }
    }
}

extension String: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> String {
        switch type {
        case .text, .varchar, .bpchar, .name, .unknown, .json:
            return String(decoding: bytes, as: UTF8.self)
        case .jsonb:
            guard bytes.first == 1 else { throw .malformed("unknown jsonb format version") }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes.dropFirst()), as: UTF8.self)
        case .numeric:
            return try PostgresNumeric.decimalString(bytes)
        case .uuid:
            return try UUID.decodeBinary(bytes, type: type).uuidString.lowercased()
        default:
            throw .typeMismatch
        }
    }
}

extension Int64: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> Int64 {
        switch type {
        case .int8:
            try bytes.requireCount(8)
            return try bytes.readBigEndian(Int64.self)
        case .int4:
            try bytes.requireCount(4)
            return Int64(try bytes.readBigEndian(Int32.self))
        case .int2:
            try bytes.requireCount(2)
            return Int64(try bytes.readBigEndian(Int16.self))
        case .oidType:
            try bytes.requireCount(4)
            return Int64(try bytes.readBigEndian(UInt32.self))
        default:
            throw .typeMismatch
        }
    }
}

/// Narrower integers accept any integer column whose value fits.
private func decodeNarrowInteger<T: FixedWidthInteger>(
    _ bytes: UnsafeRawBufferPointer,
    type: PostgresDataType
) throws(BinaryDecodingFailure) -> T {
    let wide = try Int64.decodeBinary(bytes, type: type)
    guard let value = T(exactly: wide) else { throw .malformed("\(wide) does not fit in \(T.self)") }
    return value
}

extension Int: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> Int {
        try decodeNarrowInteger(bytes, type: type)
    }
}

extension Int32: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> Int32 {
        try decodeNarrowInteger(bytes, type: type)
    }
}

extension Int16: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> Int16 {
        try decodeNarrowInteger(bytes, type: type)
    }
}

extension Bool: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> Bool {
        guard type == .bool else { throw .typeMismatch }
        try bytes.requireCount(1)
        return bytes[0] != 0
    }
}

extension Double: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> Double {
        switch type {
        case .float8:
            try bytes.requireCount(8)
            return Double(bitPattern: try bytes.readBigEndian(UInt64.self))
        case .float4:
            try bytes.requireCount(4)
            return Double(Float(bitPattern: try bytes.readBigEndian(UInt32.self)))
        default:
            throw .typeMismatch
        }
    }
}

extension UUID: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> UUID {
        guard type == .uuid else { throw .typeMismatch }
        try bytes.requireCount(16)
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: bytes) }
        return UUID(uuid: raw)
    }
}

extension Date: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> Date {
        // `timestamp` (without time zone) is read as UTC, which is what the worker stores.
        guard type == .timestamptz || type == .timestamp else { throw .typeMismatch }
        try bytes.requireCount(8)
        return PostgresTime.date(microsecondsSince2000: try bytes.readBigEndian(Int64.self))
    }
}

extension PostgresDate: PostgresBinaryDecodable {
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: PostgresDataType) throws(BinaryDecodingFailure) -> PostgresDate {
        guard type == .date else { throw .typeMismatch }
        try bytes.requireCount(4)
        let days = try bytes.readBigEndian(Int32.self)
        guard days != .max, days != .min else { throw .malformed("the date is 'infinity' or '-infinity'") }
        return PostgresDate(daysSince2000: days)
    }
}

/// Reads a one-dimensional array in PostgreSQL's binary array format.
enum BinaryArrayDecoder {
    static let arrayTypes: Set<PostgresDataType> = [
        .boolArray, .byteaArray, .int2Array, .int4Array, .textArray, .bpcharArray, .varcharArray,
        .int8Array, .float4Array, .float8Array, .timestampArray, .dateArray, .timestamptzArray,
        .uuidArray, PostgresDataType(oid: 199), PostgresDataType(oid: 3807), PostgresDataType(oid: 1231),
    ]

    /// Elements in order; `nullAt` is thrown (as the index) for a NULL element.
    static func decode<Element>(
        _ bytes: UnsafeRawBufferPointer,
        type: PostgresDataType,
        element: (UnsafeRawBufferPointer, PostgresDataType) throws(BinaryDecodingFailure) -> Element
    ) throws(BinaryDecodingFailure) -> [Element] {
        guard arrayTypes.contains(type) else { throw .typeMismatch }
        let dimensions = try bytes.readBigEndian(Int32.self, at: 0)
        let elementType = PostgresDataType(oid: try bytes.readBigEndian(UInt32.self, at: 8))
        if dimensions == 0 { return [] }
        guard dimensions == 1 else {
            throw .malformed("\(dimensions)-dimensional arrays are not supported; unnest them in SQL")
        }
        let count = Int(try bytes.readBigEndian(Int32.self, at: 12))
        var offset = 20
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for index in 0..<count {
            let length = Int(try bytes.readBigEndian(Int32.self, at: offset))
            offset += 4
            guard length >= 0 else {
                throw .malformed("element \(index + 1) is NULL; filter NULLs out in SQL (array_remove)")
            }
            guard offset + length <= bytes.count else { throw .malformed("array element runs past the value") }
            elements.append(try element(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), elementType))
            offset += length
        }
        return elements
    }
}

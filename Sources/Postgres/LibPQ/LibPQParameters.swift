#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Bound parameters laid out the way `PQexecParams` wants them.
///
/// All values share one byte buffer so a statement costs a handful of
/// allocations regardless of the parameter count. Values are sent in binary
/// format except `numeric`, which goes as text so the server does the parsing.
struct LibPQParameters: Sendable {
    private(set) var types: [UInt32]
    private(set) var lengths: [Int32]
    private(set) var formats: [Int32]
    private var offsets: [Int]
    private var storage: [UInt8]

    var count: Int { types.count }

    init(_ values: [PostgresValue]) throws(PostgresError) {
        types = []
        lengths = []
        formats = []
        offsets = []
        types.reserveCapacity(values.count)
        lengths.reserveCapacity(values.count)
        formats.reserveCapacity(values.count)
        offsets.reserveCapacity(values.count)
        storage = []
        storage.reserveCapacity(values.count * 16 + 1)

        guard values.count <= 65_535 else {
            throw PostgresError.misuse("a statement can take at most 65535 parameters, got \(values.count)")
        }
        for (index, value) in values.enumerated() {
            types.append(value.dataType.oid)
            guard value != .null else {
                offsets.append(-1)
                lengths.append(0)
                formats.append(1)
                continue
            }
            let start = storage.count
            let format = try Self.append(value, to: &storage, parameter: index + 1)
            let length = storage.count - start
            guard length <= Int(Int32.max) else {
                throw PostgresError.misuse(
                    "parameter $\(index + 1) is \(length) bytes, more than PostgreSQL accepts in one value"
                )
            }
            offsets.append(start)
            lengths.append(Int32(format == 0 ? length - 1 : length))
            formats.append(format)
        }
        // Guarantees a non-nil base address, which empty strings and bytea need:
        // a NULL value pointer would mean SQL NULL.
        storage.append(0)
    }

    /// Calls `body` with the four C arrays `PQexecParams` takes (types, values,
    /// lengths, formats); the pointers are valid only inside `body`.
    func withUnsafeArrays<R>(
        _ body: (
            UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?
        ) throws -> R
    ) rethrows -> R {
        try types.withUnsafeBufferPointer { types in
            try lengths.withUnsafeBufferPointer { lengths in
                try formats.withUnsafeBufferPointer { formats in
                    try withUnsafeValues { values in
                        try body(types.baseAddress, values, lengths.baseAddress, formats.baseAddress)
                    }
                }
            }
        }
    }

    private func withUnsafeValues<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { bytes in
            let base = bytes.baseAddress!.assumingMemoryBound(to: CChar.self)
            return try withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: max(count, 1)) { pointers in
                for index in 0..<count {
                    let offset = offsets[index]
                    pointers[index] = offset < 0 ? nil : base + offset
                }
                return try body(UnsafePointer(pointers.baseAddress))
            }
        }
    }

    /// Appends the wire form of `value`; returns the format code (0 text, 1 binary).
    private static func append(_ value: PostgresValue, to buffer: inout [UInt8], parameter: Int) throws(PostgresError) -> Int32 {
        switch value {
        case .null:
            return 1
        case .text(let string), .json(let string):
            buffer.append(contentsOf: string.utf8)
        case .jsonb(let string):
            buffer.append(1)  // jsonb binary format version
            buffer.append(contentsOf: string.utf8)
        case .numeric(let string):
            buffer.append(contentsOf: string.utf8)
            buffer.append(0)
            return 0
        case .int16(let number):
            buffer.appendBigEndian(number)
        case .int32(let number):
            buffer.appendBigEndian(number)
        case .int64(let number):
            buffer.appendBigEndian(number)
        case .bool(let flag):
            buffer.append(flag ? 1 : 0)
        case .double(let number):
            buffer.appendBigEndian(number.bitPattern)
        case .bytea(let bytes):
            buffer.append(contentsOf: bytes)
        case .uuid(let uuid):
            buffer.appendUUID(uuid)
        case .date(let date):
            buffer.appendBigEndian(date.daysSince2000)
        case .timestamptz(let date):
            buffer.appendBigEndian(PostgresTime.microsecondsSince2000(date))
        case .textArray(let strings):
            buffer.appendArrayHeader(elementType: .text, count: strings.count)
            for string in strings {
                buffer.appendBigEndian(Int32(truncatingIfNeeded: string.utf8.count))
                buffer.append(contentsOf: string.utf8)
            }
        case .int64Array(let numbers):
            buffer.appendArrayHeader(elementType: .int8, count: numbers.count)
            for number in numbers {
                buffer.appendBigEndian(Int32(8))
                buffer.appendBigEndian(number)
            }
        case .uuidArray(let uuids):
            buffer.appendArrayHeader(elementType: .uuid, count: uuids.count)
            for uuid in uuids {
                buffer.appendBigEndian(Int32(16))
                buffer.appendUUID(uuid)
            }
        case .array(let elements, let element):
            try appendArray(elements, of: element, to: &buffer, parameter: parameter)
        }
        return 1
    }

    /// PostgreSQL's binary array format: a header, then each element's length (-1 for NULL) and bytes.
    private static func appendArray(_ elements: [PostgresValue], of element: PostgresDataType, to buffer: inout [UInt8], parameter: Int)
        throws(PostgresError)
    {
        guard element.arrayType != nil else {
            throw PostgresError.misuse("parameter $\(parameter) is an array of \(element), which this package cannot send")
        }
        buffer.appendArrayHeader(elementType: element, count: elements.count, hasNulls: elements.contains(.null))
        for (position, value) in elements.enumerated() {
            if value == .null {
                buffer.appendBigEndian(Int32(-1))
                continue
            }
            guard value.dataType == element else {
                throw PostgresError.misuse(
                    "element \(position + 1) of array parameter $\(parameter) is \(value.dataType), not \(element) like the array")
            }
            let lengthAt = buffer.count
            buffer.appendBigEndian(Int32(0))
            let start = buffer.count
            _ = try append(value, to: &buffer, parameter: parameter)
            let length = buffer.count - start
            guard length <= Int(Int32.max) else {
                throw PostgresError.misuse(
                    "element \(position + 1) of parameter $\(parameter) is \(length) bytes, more than PostgreSQL accepts in one value")
            }
            withUnsafeBytes(of: Int32(length).bigEndian) { bytes in
                for offset in 0..<4 { buffer[lengthAt + offset] = bytes[offset] }
            }
        }
    }
}

extension [UInt8] {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    mutating func appendUUID(_ uuid: UUID) {
        Swift.withUnsafeBytes(of: uuid.uuid) { append(contentsOf: $0) }
    }

    /// One-dimensional array header of PostgreSQL's binary array format.
    mutating func appendArrayHeader(elementType: PostgresDataType, count: Int, hasNulls: Bool = false) {
        appendBigEndian(Int32(count == 0 ? 0 : 1))  // dimensions
        appendBigEndian(Int32(hasNulls ? 1 : 0))  // flags: whether some elements are NULL
        appendBigEndian(elementType.oid)
        if count > 0 {
            appendBigEndian(Int32(truncatingIfNeeded: count))
            appendBigEndian(Int32(1))  // lower bound
        }
    }
}

/// Turns PostgreSQL's binary `numeric` into its exact decimal text, so money
/// amounts arrive as strings like `"450.00"` without passing through `Double`.
enum PostgresNumeric {
    // Layout: ndigits, weight, sign, dscale (Int16 each), then ndigits base-10000 digits.
    // The value is sum(digit[i] * 10000^(weight - i)); dscale is the number of
    // decimal places to display.
    static func decimalString(_ bytes: UnsafeRawBufferPointer) throws(BinaryDecodingFailure) -> String {
        let digitCount = Int(try bytes.readBigEndian(Int16.self, at: 0))
        let weight = Int(try bytes.readBigEndian(Int16.self, at: 2))
        let sign = try bytes.readBigEndian(UInt16.self, at: 4)
        let displayScale = Int(try bytes.readBigEndian(Int16.self, at: 6))
        switch sign {
        case 0xC000: return "NaN"
        case 0xD000: return "Infinity"
        case 0xF000: return "-Infinity"
        case 0x0000, 0x4000: break
        default: throw .malformed("unknown numeric sign 0x\(String(sign, radix: 16))")
        }
        guard digitCount >= 0, displayScale >= 0, bytes.count == 8 + 2 * digitCount else {
            throw .malformed("numeric header does not match its length")
        }
        func digit(_ index: Int) throws(BinaryDecodingFailure) -> Int {
            guard index >= 0, index < digitCount else { return 0 }
            return Int(try bytes.readBigEndian(Int16.self, at: 8 + 2 * index))
        }
        func fourDigits(_ value: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: 4 - text.count) + text
        }

        var text = sign == 0x4000 ? "-" : ""
        if weight < 0 {
            text += "0"
        } else {
            text += String(try digit(0))
            if weight >= 1 {
                for index in 1...weight { text += fourDigits(try digit(index)) }
            }
        }
        if displayScale > 0 {
            var fraction = ""
            var index = weight + 1
            while fraction.count < displayScale {
                fraction += fourDigits(try digit(index))
                index += 1
            }
            text += "." + fraction.prefix(displayScale)
        }
        return text
    }
}

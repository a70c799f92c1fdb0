/// Reads and validates the fields of one JSON object, turning every problem into an
/// ``EventRejection`` that names the field by its path (e.g. `data.lines[2].amount`).
struct FieldReader {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    let container: KeyedDecodingContainer<Key>
    let path: String
    let limits: EventLimits

    init(decoder: any Decoder, path: String, limits: EventLimits) throws {
        do {
            container = try decoder.container(keyedBy: Key.self)
        } catch {
            throw EventRejection(
                path == "" ? .invalidEnvelope : .invalidField, "\(path.isEmpty ? "the message" : path) must be a JSON object")
        }
        self.path = path
        self.limits = limits
    }

    private init(container: KeyedDecodingContainer<Key>, path: String, limits: EventLimits) {
        self.container = container
        self.path = path
        self.limits = limits
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool {
        container.contains(Key(key)) && !((try? container.decodeNil(forKey: Key(key))) ?? false)
    }

    func optionalString(_ key: String, maxLength: Int) throws -> String? {
        guard has(key) else { return nil }
        let value: String
        do { value = try container.decode(String.self, forKey: Key(key)) } catch {
            throw EventRejection(.invalidField, "\(field(key)) must be a string")
        }
        guard value.unicodeScalars.count <= maxLength else {
            throw EventRejection(.invalidField, "\(field(key)) is longer than \(maxLength) characters")
        }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" }) else {
            throw EventRejection(.invalidField, "\(field(key)) contains control characters")
        }
        return value
    }

    func string(_ key: String, maxLength: Int) throws -> String {
        guard let value = try optionalString(key, maxLength: maxLength) else {
            throw EventRejection(.missingField, "\(field(key)) is required")
        }
        guard !value.trimmingWhitespace.isEmpty else {
            throw EventRejection(.invalidField, "\(field(key)) must not be empty")
        }
        return value
    }

    func id(_ key: String) throws -> String { try string(key, maxLength: limits.maxIDLength) }
    func name(_ key: String) throws -> String { try string(key, maxLength: limits.maxNameLength) }
    func text(_ key: String) throws -> String? { try optionalString(key, maxLength: limits.maxTextLength) }

    func money(_ key: String) throws -> FixedDecimal {
        guard has(key) else { throw EventRejection(.missingField, "\(field(key)) is required") }
        guard let text = try? container.decode(String.self, forKey: Key(key)) else {
            throw EventRejection(.invalidField, "\(field(key)) must be a decimal string such as \"450.00\", not a JSON number")
        }
        guard let value = FixedDecimal(text) else {
            throw EventRejection(.invalidField, "\(field(key)) is not a decimal amount: '\(text.prefix(40))'")
        }
        return value
    }

    /// Refuses an amount with more decimals than `currency` has: QuickBooks would round it, and the
    /// books would differ from the platform while the column says `synced`.
    func check(_ amount: FixedDecimal, fits currency: String, field key: String) throws {
        let decimals = CurrencyMinorUnits.of(currency)
        guard amount.fits(decimals: decimals) else {
            throw EventRejection(
                .invalidField,
                "\(field(key)) is \(amount), but \(currency) amounts have at most \(decimals) decimal\(decimals == 1 ? "" : "s"); send the exact amount, rounded as the books hold it"
            )
        }
    }

    func optionalMoney(_ key: String) throws -> FixedDecimal? {
        has(key) ? try money(key) : nil
    }

    /// A non-money decimal (a quantity) may come as a JSON number or a decimal string.
    func decimal(_ key: String) throws -> FixedDecimal {
        guard has(key) else { throw EventRejection(.missingField, "\(field(key)) is required") }
        if let text = try? container.decode(String.self, forKey: Key(key)) {
            guard let value = FixedDecimal(text) else {
                throw EventRejection(.invalidField, "\(field(key)) is not a decimal number: '\(text.prefix(40))'")
            }
            return value
        }
        guard let number = try? container.decode(Double.self, forKey: Key(key)), let value = FixedDecimal(number) else {
            throw EventRejection(.invalidField, "\(field(key)) must be a number")
        }
        return value
    }

    func date(_ key: String) throws -> CalendarDate {
        guard let text = try optionalString(key, maxLength: 10) else {
            throw EventRejection(.missingField, "\(field(key)) is required")
        }
        guard let date = CalendarDate(text) else {
            throw EventRejection(.invalidField, "\(field(key)) must be a YYYY-MM-DD date, got '\(text)'")
        }
        return date
    }

    func optionalDate(_ key: String) throws -> CalendarDate? {
        has(key) ? try date(key) : nil
    }

    func revision(_ key: String = "revision") throws -> Int64 {
        guard has(key) else { throw EventRejection(.missingField, "\(field(key)) is required") }
        guard let value = try? container.decode(Int64.self, forKey: Key(key)), value >= 0 else {
            throw EventRejection(.invalidField, "\(field(key)) must be a non-negative integer")
        }
        return value
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        guard let value = try? container.decode(Bool.self, forKey: Key(key)) else {
            throw EventRejection(.invalidField, "\(field(key)) must be true or false")
        }
        return value
    }

    func currency(_ key: String) throws -> String {
        let value = try string(key, maxLength: 3)
        guard value.utf8.count == 3, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw EventRejection(.invalidField, "\(field(key)) must be an ISO 4217 code such as \"USD\", got '\(value)'")
        }
        return value
    }

    func object(_ key: String) throws -> FieldReader {
        guard has(key) else { throw EventRejection(.missingField, "\(field(key)) is required") }
        guard let nested = try? container.nestedContainer(keyedBy: Key.self, forKey: Key(key)) else {
            throw EventRejection(.invalidField, "\(field(key)) must be a JSON object")
        }
        return FieldReader(container: nested, path: field(key), limits: limits)
    }

    func objects(_ key: String, allowEmpty: Bool) throws -> [FieldReader] {
        guard has(key) else {
            if allowEmpty { return [] }
            throw EventRejection(.missingField, "\(field(key)) is required")
        }
        guard var array = try? container.nestedUnkeyedContainer(forKey: Key(key)) else {
            throw EventRejection(.invalidField, "\(field(key)) must be a JSON array")
        }
        if let count = array.count, count > limits.maxLines {
            throw EventRejection(.invalidField, "\(field(key)) has \(count) entries; at most \(limits.maxLines) are accepted")
        }
        var readers: [FieldReader] = []
        while !array.isAtEnd {
            let index = readers.count
            guard let nested = try? array.nestedContainer(keyedBy: Key.self) else {
                throw EventRejection(.invalidField, "\(field(key))[\(index)] must be a JSON object")
            }
            readers.append(FieldReader(container: nested, path: "\(field(key))[\(index)]", limits: limits))
        }
        if readers.isEmpty, !allowEmpty {
            throw EventRejection(.invalidField, "\(field(key)) must have at least one entry")
        }
        return readers
    }
}

extension String {
    /// The text without leading and trailing whitespace (newlines included).
    public var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return Substring(scalars[first...last])
    }
}

import Foundation

/// Timestamps and dates the way QuickBooks Online writes them: Pacific time with an explicit
/// offset (`2015-07-23T10:58:12.099-07:00`), and plain `yyyy-MM-dd` transaction dates.
///
/// Hand-rolled rather than `DateFormatter` because every response carries at least one timestamp.
enum IntuitTime {
    static let zone: TimeZone = TimeZone(identifier: "America/Los_Angeles") ?? TimeZone(secondsFromGMT: 0) ?? .current

    /// `2015-07-23T10:58:12.099-07:00`, as in the `time` field of every response.
    static func responseTime(_ date: Date) -> String {
        format(date, milliseconds: true)
    }

    /// `2015-07-23T10:58:12-07:00`, as in `MetaData.CreateTime` / `LastUpdatedTime`.
    static func metadataTime(_ date: Date) -> String {
        format(date, milliseconds: false)
    }

    /// `2015-07-23T17:58:12.099Z`: UTC with milliseconds, as in webhook notifications.
    static func utcTimestamp(_ date: Date) -> String {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = floorDiv(totalMilliseconds, 1000)
        let millisecond = Int(totalMilliseconds - seconds * 1000)
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civilFromDays(days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
            + ".\(pad(millisecond, 3))Z"
    }

    /// The company-local calendar date, `yyyy-MM-dd`.
    static func calendarDate(_ date: Date) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let local = Int64((date.timeIntervalSince1970).rounded(.down)) + Int64(offset)
        let days = floorDiv(local, 86_400)
        let (year, month, day) = civilFromDays(days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Adds whole days to a `yyyy-MM-dd` date.
    static func addingDays(_ days: Int, to date: String) -> String? {
        guard let start = daysSinceEpoch(date) else { return nil }
        let (year, month, day) = civilFromDays(start + Int64(days))
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Whether the text is a valid `yyyy-MM-dd` calendar date.
    static func isCalendarDate(_ text: String) -> Bool {
        daysSinceEpoch(text) != nil
    }

    /// Parses `yyyy-MM-dd`, or an ISO 8601 timestamp with optional fraction and `Z` or `±hh:mm`
    /// offset (a timestamp without offset is taken as Pacific time, as QuickBooks does).
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, let days = daysSinceEpoch(String(decoding: bytes[0..<10], as: UTF8.self)) else {
            return nil
        }
        var seconds = Double(days * 86_400)
        if bytes.count == 10 {
            return Date(
                timeIntervalSince1970: seconds - Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds))))
        }
        guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
            let hour = number(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"),
            let minute = number(bytes, 14, 2), bytes[16] == UInt8(ascii: ":"),
            let second = number(bytes, 17, 2), hour < 24, minute < 60, second < 61
        else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second)
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                seconds += Double(bytes[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        if index == bytes.count {
            let guess = Date(timeIntervalSince1970: seconds)
            return Date(timeIntervalSince1970: seconds - Double(zone.secondsFromGMT(for: guess)))
        }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            return index + 1 == bytes.count ? Date(timeIntervalSince1970: seconds) : nil
        }
        // A '+' offset that reached us unencoded in a URL has become a space.
        let positive = bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: " ")
        guard positive || bytes[index] == UInt8(ascii: "-"), bytes.count == index + 6,
            let offsetHours = number(bytes, index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
            let offsetMinutes = number(bytes, index + 4, 2)
        else { return nil }
        let offset = Double(offsetHours * 3600 + offsetMinutes * 60)
        return Date(timeIntervalSince1970: positive ? seconds - offset : seconds + offset)
    }

    // MARK: - Internals

    private static func format(_ date: Date, milliseconds: Bool) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) + Int64(offset) * 1000
        let localSeconds = floorDiv(totalMilliseconds, 1000)
        let millisecond = Int(totalMilliseconds - localSeconds * 1000)
        let days = floorDiv(localSeconds, 86_400)
        let secondOfDay = Int(localSeconds - days * 86_400)
        let (year, month, day) = civilFromDays(days)
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
        text += "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if milliseconds { text += ".\(pad(millisecond, 3))" }
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        text += "\(sign)\(pad(magnitude / 3600, 2)):\(pad(magnitude / 60 % 60, 2))"
        return text
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<(start + count)] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func daysSinceEpoch(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
            (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day)
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    // Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civilFromDays(_ days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

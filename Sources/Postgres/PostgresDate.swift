/// A calendar date without time or time zone: PostgreSQL's `date`.
///
/// Foundation has no date-only type, and modelling one as a `Date` at midnight
/// invites time-zone bugs, so dates travel as this value (`YYYY-MM-DD` as text).
public struct PostgresDate: Sendable, Hashable, Comparable, LosslessStringConvertible {
    /// Days since 2000-01-01, PostgreSQL's own representation.
    let daysSince2000: Int32

    init(daysSince2000: Int32) {
        self.daysSince2000 = daysSince2000
    }

    /// Creates a date from its parts; `nil` when the date does not exist
    /// (for example February 30th) or the year is outside 1...9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        let days = Self.daysSince1970(year: year, month: month, day: day)
        let roundTrip = Self.civil(daysSince1970: days)
        guard roundTrip.year == year, roundTrip.month == month, roundTrip.day == day else { return nil }
        self.daysSince2000 = Int32(days - Self.days1970To2000)
    }

    /// Parses `YYYY-MM-DD`; `nil` for anything else or for a date that does not exist.
    public init?(_ description: String) {
        let parts = description.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var year: Int { Self.civil(daysSince1970: Int(daysSince2000) + Self.days1970To2000).year }
    public var month: Int { Self.civil(daysSince1970: Int(daysSince2000) + Self.days1970To2000).month }
    public var day: Int { Self.civil(daysSince1970: Int(daysSince2000) + Self.days1970To2000).day }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (year, month, day) = Self.civil(daysSince1970: Int(daysSince2000) + Self.days1970To2000)
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
    }

    public static func < (lhs: PostgresDate, rhs: PostgresDate) -> Bool {
        lhs.daysSince2000 < rhs.daysSince2000
    }

    private static let days1970To2000 = 10_957

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // Proleptic Gregorian conversions (the "days from civil" method: eras of 400 years
    // starting in March, so the leap day is the last day of the shifted year).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

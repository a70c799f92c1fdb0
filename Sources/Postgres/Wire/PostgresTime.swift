#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Conversions between `Date` and PostgreSQL's timestamp representation
/// (microseconds since 2000-01-01 00:00:00 UTC).
enum PostgresTime {
    /// 2000-01-01 is 366 days (2000 is a leap year) before 2001-01-01, Foundation's reference date.
    private static let referenceDateInMicroseconds: Int64 = 366 * 86_400 * 1_000_000

    static func microsecondsSince2000(_ date: Date) -> Int64 {
        if date == .distantFuture { return .max }
        if date == .distantPast { return .min }
        let micros = (date.timeIntervalSinceReferenceDate * 1_000_000).rounded()
        // Clamp instead of trapping on absurd dates; the server rejects out-of-range values.
        guard micros.isFinite, micros < 9.2e18, micros > -9.2e18 else { return micros > 0 ? .max : .min }
        return Int64(micros) + referenceDateInMicroseconds
    }

    static func date(microsecondsSince2000 micros: Int64) -> Date {
        // PostgreSQL's 'infinity' and '-infinity'.
        if micros == .max { return .distantFuture }
        if micros == .min { return .distantPast }
        return Date(timeIntervalSinceReferenceDate: Double(micros - referenceDateInMicroseconds) / 1_000_000)
    }
}

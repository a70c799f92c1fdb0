import Foundation

/// Money arithmetic in whole cents, the way QuickBooks rounds (half away from zero).
enum Money {
    /// Cents for an amount as sent by a client.
    static func cents(_ amount: Decimal) -> Int {
        var scaled = amount * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        return NSDecimalNumber(decimal: rounded).intValue
    }

    /// `Qty × UnitPrice` rounded to cents, in decimal: 128.35 × 14.50 is 1861.08 as QuickBooks
    /// computes it, not 1861.07 as binary floating point would.
    static func lineCents(quantity: Decimal, unitPrice: Decimal) -> Int {
        cents(quantity * unitPrice)
    }

    static func text(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = abs(cents)
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

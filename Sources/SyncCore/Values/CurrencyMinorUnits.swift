/// How many decimals an amount in a currency may carry (ISO 4217's minor unit).
///
/// QuickBooks rounds anything finer, so an amount with more decimals than its currency has would
/// reach the books as a different number while the column says `synced`: such events are refused
/// at intake instead.
public enum CurrencyMinorUnits {
    /// The ISO 4217 currencies without a minor unit.
    static let none: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
    ]
    /// The ISO 4217 currencies with three decimals.
    static let three: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
    /// The most decimals any currency allows; what an amount without a currency of its own is held to.
    public static let most = 3

    /// The decimals `currency` (an ISO 4217 code) allows: 2 unless the standard says 0 or 3.
    public static func of(_ currency: String) -> Int {
        if none.contains(currency) { return 0 }
        if three.contains(currency) { return 3 }
        return 2
    }
}

extension FixedDecimal {
    /// Whether the value has no more than `decimals` fractional digits ("450.10" fits 2, "0.001" does not).
    public func fits(decimals: Int) -> Bool {
        guard decimals < 6 else { return true }
        var unit: Int64 = 1
        for _ in decimals..<6 { unit *= 10 }
        return micros % unit == 0
    }
}

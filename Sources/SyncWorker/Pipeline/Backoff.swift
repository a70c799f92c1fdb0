/// Exponential backoff with equal jitter (a delay drawn from half to all of the exponential
/// ceiling): spreads retries of many accounts over time so a recovering QuickBooks is not hit by
/// all of them at once, while each still waits at least half its step.
enum Backoff {
    static func delay(attempt: Int, base: Duration, cap: Duration) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let ceiling = min(base * (1 << exponent), cap)
        return ceiling * Double.random(in: 0.5...1.0)
    }
}

extension Duration {
    var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

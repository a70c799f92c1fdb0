import Testing

@testable import SyncWorker

@Suite("Waking polling services")
struct WakeSignalTests {
    @Test("without a nudge every wait lasts its timeout, not only the first")
    func waitsOutEveryTimeout() async {
        let signal = WakeSignal()
        let clock = ContinuousClock()
        for _ in 0..<3 {
            let waited = await clock.measure { await signal.wait(timeout: .milliseconds(60)) }
            #expect(waited >= .milliseconds(55), "a wait returned after \(waited) without a nudge")
        }
    }

    @Test("a nudge ends the wait at once, and a nudge while nobody waits ends the next wait")
    func nudgeWakes() async {
        let signal = WakeSignal()
        let clock = ContinuousClock()
        signal.nudge()
        #expect(await clock.measure { await signal.wait(timeout: .seconds(10)) } < .seconds(5))
        // The buffered nudge was used up: the next wait runs to its timeout.
        #expect(await clock.measure { await signal.wait(timeout: .milliseconds(60)) } >= .milliseconds(55))
        async let waited = clock.measure { await signal.wait(timeout: .seconds(10)) }
        try? await Task.sleep(for: .milliseconds(50))
        signal.nudge()
        #expect(await waited < .seconds(5))
    }
}

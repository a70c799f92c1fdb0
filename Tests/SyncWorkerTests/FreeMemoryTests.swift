import Testing

@testable import SyncWorker

@Suite("Free memory")
struct FreeMemoryTests {
    @Test("free memory is handed back at most once per gap, however often it is asked")
    func throttled() {
        let memory = FreeMemory(minimumGap: .seconds(10))
        let start = ContinuousClock.now
        #expect(memory.release(now: start))
        #expect(!memory.release(now: start + .seconds(5)))
        #expect(!memory.release(now: start + .milliseconds(9_999)))
        #expect(memory.release(now: start + .seconds(10)))
        #expect(!memory.release(now: start + .seconds(11)))
    }
}

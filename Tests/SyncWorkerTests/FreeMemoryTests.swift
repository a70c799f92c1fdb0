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

    @Test("a running worker hands free memory back every gap, not only after bursts, and stops on shutdown")
    func periodically() async throws {
        let memory = FreeMemory(minimumGap: .milliseconds(20))
        let running = Task { try await MemoryReturn(memory: memory).run() }
        let deadline = ContinuousClock.now + .seconds(10)
        while memory.released < 3 {
            #expect(ContinuousClock.now < deadline, "released \(memory.released) times")
            if ContinuousClock.now >= deadline { break }
            await Task.yield()
            try await Task.sleep(for: .milliseconds(5))
        }
        running.cancel()
        try await running.value
        let stopped = memory.released
        try await Task.sleep(for: .milliseconds(100))
        #expect(memory.released == stopped, "nothing after it stopped")
    }
}

import Synchronization
import Testing

@testable import SyncWorker

/// The change-data-capture sweep claims many companies at a time but sweeps a few at once.
@Suite("Turns")
struct TurnsTests {
    struct Refused: Error {}

    /// The bodies running now, each parked until the test lets it finish.
    final class Parked: Sendable {
        let continuations = Mutex<[CheckedContinuation<Void, Never>]>([])
        var count: Int { continuations.withLock { $0.count } }
        func park() async { await withCheckedContinuation { continuation in continuations.withLock { $0.append(continuation) } } }
        func releaseFirst() { continuations.withLock { $0.removeFirst() }.resume() }
    }

    @Test("no more bodies run at once than there are turns; a waiting one runs when a turn is free, and an error frees its turn")
    func boundedAtOnce() async throws {
        let turns = Turns(atOnce: 2)
        let parked = Parked()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<3 {
                group.addTask {
                    try await turns.run { () async throws -> Int in
                        await parked.park()
                        if index == 0 { throw Refused() }
                        return index
                    }
                }
            }
            // Two bodies run and the third waits for a turn (or, were the bound broken, all three run).
            while parked.count < 3, await turns.waitingCount < 1 || parked.count < 2 { await Task.yield() }
            #expect(parked.count == 2)
            #expect(await turns.waitingCount == 1)
            var finished: [Int] = []
            var failures = 0
            for _ in 0..<3 {
                while parked.count == 0 { await Task.yield() }
                #expect(parked.count <= 2)
                parked.releaseFirst()
                do {
                    if let index = try await group.next() { finished.append(index) }
                } catch {
                    failures += 1
                }
            }
            #expect(failures == 1)
            #expect(finished.sorted() == [1, 2])
            #expect(await turns.waitingCount == 0)
        }
    }
}

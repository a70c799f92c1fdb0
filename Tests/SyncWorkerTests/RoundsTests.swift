import Synchronization
import Testing

@testable import SyncWorker

/// The rounds the pusher's write records are made in: many tasks hand work in, one task does it,
/// what came in while a round ran going together in the next.
@Suite("Rounds", .timeLimit(.minutes(1)))
struct RoundsTests {
    /// The rounds a body saw, and a latch that holds the first one until opened.
    private final class Probe: Sendable {
        private let state = Mutex<(rounds: [[Int]], held: CheckedContinuation<Void, Never>?, open: Bool)>(([], nil, false))

        var rounds: [[Int]] { state.withLock { $0.rounds } }

        func saw(_ items: [Int]) { state.withLock { $0.rounds.append(items) } }

        /// Waits until ``open()`` (at once if it was).
        func hold() async {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.open { return true }
                    state.held = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        }

        func open() {
            let held = state.withLock { state in
                state.open = true
                defer { state.held = nil }
                return state.held
            }
            held?.resume()
        }
    }

    /// Polls `condition` (no sleeping: each look yields to the other tasks).
    private func until(_ condition: () -> Bool) async {
        while !condition() { await Task.yield() }
    }

    @Test("an item alone goes at once; the items handed in while a round runs go together in the next, each with its own answer")
    func together() async throws {
        let rounds = Rounds<Int, Int, Int> { $0 }
        let probe = Probe()
        let runner = Task {
            await rounds.run(limit: 10) { items in
                probe.saw(items)
                if items == [1] { await probe.hold() }
                return items.map { $0 * 10 }
            }
        }
        let first = Task { await rounds.submit(1) }
        await until { probe.rounds.count == 1 }
        let later = (2...4).map { item in Task { await rounds.submit(item) } }
        await until { rounds.waitingCount == 3 }
        probe.open()
        #expect(await first.value == 10)
        var answers: [Int?] = []
        for task in later { answers.append(await task.value) }
        #expect(answers == [20, 30, 40])
        #expect(probe.rounds.count == 2)
        #expect(probe.rounds.first == [1])
        #expect(probe.rounds.last?.sorted() == [2, 3, 4])
        rounds.close()
        await runner.value
    }

    @Test("items with one key never share a round, and a round takes at most its limit; the others wait for the next")
    func keysAndLimit() async throws {
        let rounds = Rounds<Int, Int, Int> { $0 % 3 }  // 1 and 4 share a key
        let probe = Probe()
        let runner = Task {
            await rounds.run(limit: 2) { items in
                probe.saw(items)
                if items == [0] { await probe.hold() }
                return items
            }
        }
        let first = Task { await rounds.submit(0) }
        await until { probe.rounds.count == 1 }
        let second = Task { await rounds.submit(1) }
        await until { rounds.waitingCount == 1 }
        let third = Task { await rounds.submit(4) }
        await until { rounds.waitingCount == 2 }
        let fourth = Task { await rounds.submit(5) }
        await until { rounds.waitingCount == 3 }
        probe.open()
        #expect(await first.value == 0)
        #expect(await second.value == 1)
        #expect(await third.value == 4)
        #expect(await fourth.value == 5)
        // 1 and 5 fit the limit of two; 4 shares 1's key and waits for the round after.
        #expect(probe.rounds == [[0], [1, 5], [4]])
        rounds.close()
        await runner.value
    }

    @Test("a round that fails answers each of its items nil; after close, new items are answered nil and the runner ends")
    func failureAndClose() async throws {
        struct Refused: Error {}
        let rounds = Rounds<Int, Int, Int> { $0 }
        let runner = Task {
            await rounds.run(limit: 10) { items in
                if items.contains(13) { throw Refused() }
                if items.contains(7) { return [] }  // answers another number of items than it took
                return items
            }
        }
        #expect(await rounds.submit(13) == nil)
        #expect(await rounds.submit(7) == nil)
        #expect(await rounds.submit(2) == 2)
        rounds.close()
        await runner.value
        #expect(await rounds.submit(3) == nil)
    }

    @Test("items handed in before the close are still answered by the rounds")
    func closeAnswersWaiting() async throws {
        let rounds = Rounds<Int, Int, Int> { $0 }
        let probe = Probe()
        let runner = Task {
            await rounds.run(limit: 10) { items in
                probe.saw(items)
                if items == [1] { await probe.hold() }
                return items
            }
        }
        let first = Task { await rounds.submit(1) }
        await until { probe.rounds.count == 1 }
        let waiting = Task { await rounds.submit(2) }
        await until { rounds.waitingCount == 1 }
        rounds.close()
        probe.open()
        #expect(await first.value == 1)
        #expect(await waiting.value == 2)
        await runner.value
    }
}

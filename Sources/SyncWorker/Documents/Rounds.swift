import DequeModule
import Synchronization

/// Work handed in by many tasks and done by one, in rounds: each round takes what was handed in
/// while the one before ran (up to a limit, one item per key), so under load the work of many
/// tasks shares one transaction, and with none waiting an item goes at once, alone.
///
/// The document pusher's drains hand in their writes' results; one task records them, and plans
/// each account's next write, many accounts to a transaction.
final class Rounds<Key: Hashable & Sendable, Item: Sendable, Answer: Sendable>: Sendable {
    private struct Waiting {
        var key: Key
        var item: Item
        var reply: CheckedContinuation<Answer?, Never>
    }

    private struct State {
        var closed = false
        var waiting: Deque<Waiting> = []
        var runner: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let key: @Sendable (Item) -> Key

    /// - Parameter key: items with the same key never share a round; a later one waits for the next.
    init(key: @escaping @Sendable (Item) -> Key) {
        self.key = key
    }

    /// Hands `item` in and waits for its answer: nil when its round failed, or when the rounds
    /// have ended (``close()``). The caller then does the work itself.
    func submit(_ item: Item) async -> Answer? {
        let key = key(item)
        return await withCheckedContinuation { reply in
            let (accepted, runner) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                guard !state.closed else { return (false, nil) }
                state.waiting.append(Waiting(key: key, item: item, reply: reply))
                defer { state.runner = nil }
                return (true, state.runner)
            }
            if !accepted { reply.resume(returning: nil) }
            runner?.resume()
        }
    }

    /// Items handed in and not yet taken by a round.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Runs rounds of up to `limit` items until ``close()`` and every item handed in before it is
    /// answered. `body` answers a round's items in their order; when it throws, or answers
    /// another number of them, each item of the round is answered nil.
    func run(limit: Int, _ body: ([Item]) async throws -> [Answer]) async {
        precondition(limit > 0, "a round takes at least one item")
        while let round = await nextRound(limit: limit) {
            var answers = [Answer?](repeating: nil, count: round.count)
            if let done = try? await body(round.map(\.item)), done.count == round.count { answers = done }
            for (waiting, answer) in zip(round, answers) { waiting.reply.resume(returning: answer) }
        }
    }

    /// Ends the rounds once the items handed in so far are answered; later items are answered nil at once.
    func close() {
        let runner = state.withLock { state in
            state.closed = true
            defer { state.runner = nil }
            return state.runner
        }
        runner?.resume()
    }

    private enum Step {
        case round([Waiting])
        case done
        case wait
    }

    /// The next round's items, waiting for one to be handed in; nil when closed and none waits.
    private func nextRound(limit: Int) async -> [Waiting]? {
        while true {
            let step = state.withLock { state -> Step in
                guard !state.waiting.isEmpty else { return state.closed ? .done : .wait }
                var round: [Waiting] = []
                var keys: Set<Key> = []
                var later: Deque<Waiting> = []
                while let waiting = state.waiting.popFirst() {
                    if round.count < limit, keys.insert(waiting.key).inserted { round.append(waiting) } else { later.append(waiting) }
                }
                state.waiting = later
                return .round(round)
            }
            switch step {
            case .round(let round): return round
            case .done: return nil
            case .wait:
                await withCheckedContinuation { (runner: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { state -> Bool in
                        guard state.waiting.isEmpty, !state.closed else { return true }
                        state.runner = runner
                        return false
                    }
                    if now { runner.resume() }
                }
            }
        }
    }
}

import Synchronization

/// Wakes a polling service (the outbox relay, the document pusher) right after a commit instead
/// of at its next poll.
///
/// One task waits at a time. A nudge while nobody waits is kept (one), so the next wait returns
/// at once; a wait that times out leaves the signal as it was, ready for the next one.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        /// The wait cancelled before it registered (the timeout won the race); ids only grow, so
        /// one left from an earlier wait never matches a later one.
        var cancelledBeforeRegistering: UInt64?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    func nudge() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Waits for a nudge or `timeout`, whichever comes first.
    func wait(timeout: Duration) async {
        let nudged = state.withLock { state in
            defer { state.pending = false }
            return state.pending
        }
        if nudged { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForNudge() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForNudge() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.cancelledBeforeRegistering == id { return true }
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiter, waiter.id == id else {
                    state.cancelledBeforeRegistering = id
                    return nil
                }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume()
        }
    }
}

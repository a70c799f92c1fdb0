import CMalloc
import Synchronization

/// Gives memory malloc holds free back to the system, at most once per ``minimumGap``.
///
/// After a burst (a change-data-capture pass receiving and decoding megabytes of answers) glibc
/// keeps the freed pages in its heaps, and the worker's resident memory stays at the burst's
/// level; `malloc_trim` hands them back.
final class FreeMemory: Sendable {
    /// The worker's.
    static let process = FreeMemory(minimumGap: .seconds(10))

    let minimumGap: Duration
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(minimumGap: Duration) {
        self.minimumGap = minimumGap
    }

    /// Releases free memory unless that was done less than ``minimumGap`` before `now`; returns
    /// whether it asked malloc to.
    @discardableResult
    func release(now: ContinuousClock.Instant = .now) -> Bool {
        let due = last.withLock { last in
            guard last.map({ now - $0 >= minimumGap }) ?? true else { return false }
            last = now
            return true
        }
        if due { _ = cmalloc_release_free_memory() }
        return due
    }
}

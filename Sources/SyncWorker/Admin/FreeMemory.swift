import CMalloc
import ServiceLifecycle
import Synchronization

/// Gives memory malloc holds free back to the system, at most once per ``minimumGap``.
///
/// After a burst (a change-data-capture pass receiving and decoding megabytes of answers, the
/// reconciler working through them, a backlog drained) glibc keeps the freed pages in its heaps,
/// and the worker's resident memory stays at the burst's level; `malloc_trim` hands them back.
/// ``MemoryReturn`` asks for it every gap, whatever the burst was.
final class FreeMemory: Sendable {
    /// The worker's.
    static let process = FreeMemory(minimumGap: .seconds(10))

    let minimumGap: Duration
    private let last = Mutex<ContinuousClock.Instant?>(nil)
    private let releases = Atomic<Int>(0)

    /// How many times malloc was asked to hand memory back.
    var released: Int { releases.load(ordering: .relaxed) }

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
        if due {
            _ = cmalloc_release_free_memory()
            releases.add(1, ordering: .relaxed)
        }
        return due
    }
}

/// Hands free memory back every ``FreeMemory/minimumGap`` while the worker runs (a long run ended
/// with 16 MiB in use and 87 MiB held by malloc before it did).
struct MemoryReturn: Service {
    var memory = FreeMemory.process

    func run() async throws {
        await repeatUntilShutdown(every: memory.minimumGap) { memory.release() }
    }
}

internal import CLibPQ
import NIOConcurrencyHelpers
import NIOPosix

/// The dedicated thread of one connection.
///
/// It runs the connection's blocking libpq calls, so they never occupy Swift's
/// cooperative pool. Inside `withConnection` it is also the block's preferred
/// task executor: the block's own (nonisolated) code runs here, so a statement
/// is a direct call instead of two thread hops. Code that runs elsewhere (on an
/// actor, or a connection used from another block) falls back to submitting the
/// call to this thread and awaiting the result.
final class ConnectionThread: Sendable {
    private let thread: NIOThreadPool
    private let threadID = NIOLockedValueBox<UInt?>(nil)

    init() {
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let threadID = threadID
        thread.submit { _ in
            let id = UInt(clibpq_current_thread())
            threadID.withLockedValue { $0 = id }
        }
    }

    /// Whether the caller is running on this thread right now.
    var isCurrent: Bool {
        threadID.withLockedValue { $0 } == UInt(clibpq_current_thread())
    }

    /// Runs blocking work here and awaits its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            thread.submit { state in
                guard case .active = state else {
                    continuation.resume(throwing: PostgresError.clientShutdown)
                    return
                }
                continuation.resume(with: Result(catching: body))
            }
        }
    }

    /// Starts long-running blocking work here without waiting for it.
    func submit(_ body: @escaping @Sendable (_ isActive: Bool) -> Void) {
        thread.submit { state in
            if case .active = state {
                body(true)
            } else {
                body(false)
            }
        }
    }

    /// Stops the thread once the work already queued has run.
    func shutdown() async {
        do {
            try await thread.shutdownGracefully()
        } catch {
            // Only fails when already shut down, which is the state we want.
        }
    }

    /// For deinit paths that cannot await.
    func shutdownWithoutWaiting() {
        thread.shutdownGracefully { _ in }
    }
}

@available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
extension ConnectionThread: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        thread.submit { state in
            if case .active = state {
                job.runSynchronously(on: self.asUnownedTaskExecutor())
            } else {
                // Shut down already: a job must never be dropped, so let the global executor run it.
                globalConcurrentExecutor.enqueue(ExecutorJob(job))
            }
        }
    }
}

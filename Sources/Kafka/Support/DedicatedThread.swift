import Foundation

/// Runs blocking librdkafka calls on a thread of their own, never on Swift's cooperative pool.
enum DedicatedThread {
    /// Starts a named thread that runs `body` and resumes the caller with its result.
    /// Used for rare calls (commit, lag, flush); the hot paths have long-lived poll threads.
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: body())
            }
            thread.name = name
            thread.start()
        }
    }

    /// Starts a long-lived named thread.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }
}

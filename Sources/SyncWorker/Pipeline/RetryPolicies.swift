import Retry
import SyncCore

/// The worker's retry policies, all of one ``RetryPolicy`` type.
extension WorkerConfiguration {
    /// A QuickBooks call that failed transiently (429, 5xx, a timeout), retried in place before the
    /// work is parked: `immediateRetries` more attempts, from `retryBaseDelay`, with equal jitter.
    var quickBooksCallRetry: RetryPolicy {
        RetryPolicy(maxAttempts: immediateRetries + 1, baseDelay: retryBaseDelay, maxDelay: maxRetryDelay)
    }

    /// Parked work (an account's link, a document's write): its next attempt waits from 1 s,
    /// doubling with each attempt up to `maxRetryDelay`, with equal jitter; `maxAttempts` ends it.
    var parkedWorkRetry: RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelay: min(.seconds(1), maxRetryDelay), maxDelay: maxRetryDelay)
    }
}

extension RetryPolicy {
    /// A message whose processing failed for lack of the database or the broker: retried until it
    /// is applied or the consumer stops, because skipping it would lose the event.
    static let messageProcessing = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(5))

    /// Start-up while PostgreSQL refuses connections, for up to `wait`.
    static func databaseStartup(waitingUpTo wait: Duration) -> RetryPolicy {
        RetryPolicy(baseDelay: .milliseconds(200), maxDelay: .seconds(5), budget: wait)
    }
}

extension QuickBooksProblem {
    /// Whether `error` is QuickBooks asking to be called again later (429, 5xx, a timeout): what
    /// ``WorkerConfiguration/quickBooksCallRetry`` retries in place.
    static func asksToRetry(_ error: any Error) -> Bool {
        guard let problem = error as? QuickBooksProblem, case .retryLater = problem.disposition else { return false }
        return true
    }
}

extension Duration {
    var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

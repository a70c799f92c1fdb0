/// The consumer's lifecycle as a value: transitions return what the caller must do, side effects
/// happen outside (under no lock).
struct ConsumerLifecycle {
    typealias CloseWaiter = CheckedContinuation<Result<Void, KafkaError>, Never>

    enum State {
        /// The poll thread is polling and delivering events.
        case running
        /// Close was requested (or a fatal error occurred); the poll thread is committing and leaving the group.
        case closing(waiters: [CloseWaiter], fatal: KafkaError?)
        /// The poll thread has finished; the consumer left the group.
        case closed(Result<Void, KafkaError>)
    }

    enum CloseAction {
        /// First request: stop delivering, release a revocation in progress, let the poll thread wind down.
        case beginShutdown
        /// Already shutting down; the waiter (if any) was queued.
        case none
        /// Already closed: answer the waiter now.
        case resume(CloseWaiter, Result<Void, KafkaError>)
    }

    private(set) var state: State = .running

    var isRunning: Bool {
        if case .running = self.state { return true }
        return false
    }

    var isClosed: Bool {
        if case .closed = self.state { return true }
        return false
    }

    var fatalError: KafkaError? {
        if case .closing(_, let fatal) = self.state { return fatal }
        return nil
    }

    mutating func requestClose(waiter: CloseWaiter?) -> CloseAction {
        switch self.state {
        case .running:
            self.state = .closing(waiters: waiter.map { [$0] } ?? [], fatal: nil)
            return .beginShutdown
        case .closing(var waiters, let fatal):
            if let waiter { waiters.append(waiter) }
            self.state = .closing(waiters: waiters, fatal: fatal)
            return .none
        case .closed(let result):
            guard let waiter else { return .none }
            return .resume(waiter, result)
        }
    }

    /// librdkafka reported a fatal error: shut down without committing (the client cannot).
    mutating func fail(_ error: KafkaError) -> CloseAction {
        switch self.state {
        case .running:
            self.state = .closing(waiters: [], fatal: error)
            return .beginShutdown
        case .closing(let waiters, nil):
            self.state = .closing(waiters: waiters, fatal: error)
            return .none
        case .closing, .closed:
            return .none
        }
    }

    /// The poll thread finished; returns the waiters to resume with `result`.
    mutating func pollThreadFinished(_ result: Result<Void, KafkaError>) -> [CloseWaiter] {
        switch self.state {
        case .closing(let waiters, _):
            self.state = .closed(result)
            return waiters
        case .running, .closed:
            // The poll thread only finishes after a close request; keep the first outcome.
            self.state = .closed(result)
            return []
        }
    }
}

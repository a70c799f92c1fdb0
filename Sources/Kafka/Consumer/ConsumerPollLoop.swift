import Foundation
import Logging
internal import Retry

/// Owns the consumer's dedicated poll thread: polls librdkafka, hands events to the application
/// through a bounded hand-off, runs rebalances, and at the end commits and leaves the group.
///
/// The thread keeps this object (and so the librdkafka handle) alive until it has closed the
/// consumer, so `rd_kafka_destroy` never runs while it polls.
final class ConsumerPollLoop: RDKafkaRebalanceHandler, @unchecked Sendable {
    let client: RDKafkaClient
    let events: BlockingHandoff<KafkaConsumerEvent>
    private let logger: Logger
    private let pollTimeoutMilliseconds: Int32
    private let revocationTimeout: Duration
    private let commitRetryTimeout: Duration
    private let lock = NSLock()
    private var lifecycle = ConsumerLifecycle()
    private var pendingRevocation: RevocationSignal?
    /// Whether the group has assigned this consumer anything (possibly nothing) yet.
    private var joined = false

    init(client: RDKafkaClient, configuration: KafkaConsumerConfiguration, logger: Logger) {
        self.client = client
        self.events = BlockingHandoff(capacity: configuration.eventBufferCapacity)
        self.logger = logger
        self.pollTimeoutMilliseconds = max(1, configuration.pollTimeout.clampedMilliseconds)
        self.revocationTimeout = configuration.revocationTimeout
        self.commitRetryTimeout = configuration.commitRetryTimeout
    }

    func start() {
        self.client.callbacks.rebalanceHandler = self
        DedicatedThread.start(name: "kafka-consumer-poll") {
            self.run()
        }
    }

    var isClosed: Bool {
        self.lock.withLock { self.lifecycle.isClosed }
    }

    private var isRunning: Bool {
        self.lock.withLock { self.lifecycle.isRunning }
    }

    /// Asks the poll thread to stop; `waiter` (if any) is resumed once the consumer has left the group.
    func requestClose(waiter: ConsumerLifecycle.CloseWaiter?) {
        let (action, revocation) = self.lock.withLock {
            (self.lifecycle.requestClose(waiter: waiter), self.pendingRevocation)
        }
        self.perform(action, revocation: revocation, failure: nil)
    }

    private func fail(_ error: KafkaError) {
        let (action, revocation) = self.lock.withLock {
            (self.lifecycle.fail(error), self.pendingRevocation)
        }
        self.perform(action, revocation: revocation, failure: error)
    }

    private func perform(_ action: ConsumerLifecycle.CloseAction, revocation: RevocationSignal?, failure: KafkaError?) {
        switch action {
        case .beginShutdown:
            // Unblocks the poll thread if it waits for buffer space or for the application.
            self.events.finish(failure: failure)
            revocation?.complete(.abandoned)
        case .none:
            break
        case .resume(let waiter, let result):
            waiter.resume(returning: result)
        }
    }

    // MARK: - Poll thread

    private func run() {
        self.logger.debug("Kafka consumer poll thread started")
        while self.isRunning {
            switch self.client.consumerPoll(timeoutMilliseconds: self.pollTimeoutMilliseconds) {
            case .none:
                break
            case .message(let message):
                // false only when closing: the record was not processed, so its offset is not
                // stored and the partition's next owner receives it again.
                _ = self.events.send(.message(message))
            case .error(let error):
                if error.isFatal {
                    self.fail(error)
                } else {
                    self.logger.warning("Kafka consumer error; librdkafka retries by itself", metadata: ["kafka.error": "\(error)"])
                }
            }
            if let fatal = self.client.callbacks.fatalError {
                self.fail(fatal)
            }
        }
        let result = self.shutDown()
        self.client.callbacks.rebalanceHandler = nil
        let waiters = self.lock.withLock { self.lifecycle.pollThreadFinished(result) }
        for waiter in waiters { waiter.resume(returning: result) }
        self.logger.debug("Kafka consumer poll thread finished")
    }

    /// Commits what the application stored and leaves the group (which revokes, commits again
    /// and unassigns through ``handle(_:)``).
    private func shutDown() -> Result<Void, KafkaError> {
        let fatal = self.lock.withLock { self.lifecycle.fatalError }
        if fatal == nil { self.awaitFirstAssignment(timeout: self.commitRetryTimeout) }
        var result: Result<Void, KafkaError> = fatal.map { .failure($0) } ?? .success(())
        if fatal == nil, let error = self.commitStoredOffsetsRetrying() {
            self.logger.error(
                "Committing stored offsets at close failed; records since the last commit will be delivered again",
                metadata: ["kafka.error": "\(error)"]
            )
            result = .failure(error)
        }
        do {
            try self.client.closeConsumer()
        } catch {
            self.logger.warning("Closing the Kafka consumer reported an error", metadata: ["kafka.error": "\(error)"])
        }
        if !self.lock.withLock({ self.joined }) {
            self.logger.notice(
                "The consumer closed before its group assigned it anything; its librdkafka handle is kept until the process exits (librdkafka 2.0.2 cannot destroy it safely)"
            )
            self.client.keepHandleUntilExit()
        }
        self.events.finish()
        return result
    }

    /// librdkafka 2.0.2 (Debian 12's) aborts in `rd_kafka_sticky_assignor_state_destroy` when a
    /// cooperative-sticky consumer is destroyed before its first assignment: a consumer closed just
    /// after it started first serves callbacks until the group has assigned it, for a bounded time
    /// (past it, its handle is kept rather than destroyed). Records polled meanwhile are dropped
    /// unprocessed; their offsets are not stored, so they are delivered again.
    private func awaitFirstAssignment(timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        while !self.lock.withLock({ self.joined }), ContinuousClock.now < deadline, self.client.callbacks.fatalError == nil {
            _ = self.client.consumerPoll(timeoutMilliseconds: self.pollTimeoutMilliseconds)
        }
    }

    // MARK: - Rebalances (called on the poll thread, inside librdkafka's callback)

    func handle(_ rebalance: RDKafkaRebalance) {
        let partitions = rebalance.partitions
        switch rebalance.kind {
        case .assign:
            self.lock.withLock { self.joined = true }
            if let error = rebalance.apply() {
                self.logger.error(
                    "Assigning partitions failed", metadata: ["kafka.error": "\(error)", "kafka.partitions": "\(partitions)"])
                return
            }
            // Cooperative rebalances often end with an empty incremental assignment: nothing to tell.
            if !partitions.isEmpty {
                self.logger.info("Partitions assigned", metadata: ["kafka.partitions": "\(partitions)"])
                _ = self.events.send(.partitionsAssigned(partitions))
            }

        case .revoke:
            var revocation: RevocationSignal?
            if !partitions.isEmpty {
                self.logger.info("Partitions revoked", metadata: ["kafka.partitions": "\(partitions)"])
                revocation = self.awaitApplication(releasing: partitions)
            }
            // The revoked partitions stay assigned until apply(), so their stored offsets are included.
            let commitError = self.commitStoredOffsetsRetrying()
            if let commitError {
                self.logger.warning(
                    "Committing before releasing partitions failed; their next owner re-processes records since the last commit",
                    metadata: ["kafka.error": "\(commitError)", "kafka.partitions": "\(partitions)"]
                )
            } else {
                self.logger.debug("Committed stored offsets before releasing partitions", metadata: ["kafka.partitions": "\(partitions)"])
            }
            revocation?.commitFinished(commitError.map { .failure($0) } ?? .success(()))
            if let error = rebalance.apply() {
                self.logger.error("Releasing revoked partitions failed", metadata: ["kafka.error": "\(error)"])
            }

        case .lost:
            self.logger.warning(
                "Partitions lost; their records will be processed again by their next owner",
                metadata: ["kafka.partitions": "\(partitions)"])
            if self.isRunning && !partitions.isEmpty {
                _ = self.events.send(.partitionsLost(partitions))
            }
            if let error = rebalance.apply() {
                self.logger.error("Releasing lost partitions failed", metadata: ["kafka.error": "\(error)"])
            }

        case .failure(let error):
            self.logger.error("Rebalance failed; dropping the assignment to resynchronise", metadata: ["kafka.error": "\(error)"])
            if let error = rebalance.apply() {
                self.logger.error("Dropping the assignment failed", metadata: ["kafka.error": "\(error)"])
            }
        }
    }

    /// Commits synchronously, retrying transient failures for up to `commitRetryTimeout`: while
    /// a rebalance completes (other members joining or leaving) the coordinator answers
    /// `REBALANCE_IN_PROGRESS`, and cooperative rebalancing keeps the partitions with this
    /// consumer meanwhile, so a later attempt succeeds. `ILLEGAL_GENERATION` is not retried:
    /// librdkafka has then declared the assignment lost and no commit can succeed.
    /// Runs on the poll thread, so sleeping is fine.
    private func commitStoredOffsetsRetrying() -> KafkaError? {
        let policy = RetryPolicy(baseDelay: .milliseconds(50), maxDelay: .seconds(1), jitter: .none, budget: self.commitRetryTimeout)
        do throws(KafkaError) {
            try policy.runBlocking(
                transient: { $0.isRetriable },
                willRetry: { error, _, delay in
                    self.logger.debug(
                        "Commit failed transiently; retrying", metadata: ["kafka.error": "\(error.code)", "kafka.backoff": "\(delay)"])
                }
            ) { _ throws(KafkaError) in
                try self.client.commitStoredOffsets()
            }
            return nil
        } catch {
            return error
        }
    }

    /// Delivers the revocation after every record already handed out and blocks until the
    /// application completes it, the timeout passes, or the consumer closes. Returns the
    /// revocation, to publish the commit's outcome to, unless the consumer was already closing.
    private func awaitApplication(releasing partitions: [TopicPartition]) -> RevocationSignal? {
        let signal = RevocationSignal()
        let running = self.lock.withLock {
            guard self.lifecycle.isRunning else { return false }
            self.pendingRevocation = signal
            return true
        }
        guard running else { return nil }  // closing: the application has already finished
        defer { self.lock.withLock { self.pendingRevocation = nil } }

        guard self.events.send(.partitionsRevoked(partitions, RevocationCompletion(signal: signal))) else { return signal }
        let started = ContinuousClock.now
        switch signal.wait(timeout: self.revocationTimeout) {
        case .completed:
            self.logger.debug("Application completed the revocation", metadata: ["kafka.waited": "\(ContinuousClock.now - started)"])
        case .abandoned:
            self.logger.debug("Revocation released without completion (dropped or consumer closing)")
        case .timedOut:
            self.logger.warning(
                "The application did not complete the revocation in time; committing what it stored and releasing the partitions",
                metadata: ["kafka.partitions": "\(partitions)", "kafka.timeout": "\(self.revocationTimeout)"]
            )
        }
        return signal
    }
}

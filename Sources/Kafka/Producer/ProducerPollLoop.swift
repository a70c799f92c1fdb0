import Foundation
import Logging

/// Owns the producer's dedicated poll thread, which serves delivery reports (resuming senders
/// right there, no extra hop), and its shutdown: wait for sends being handed over, flush, purge
/// what is left so every sender gets an answer, then release the handle.
final class ProducerPollLoop: @unchecked Sendable {
    typealias ShutdownWaiter = CheckedContinuation<Result<Void, KafkaError>, Never>

    private enum State {
        case running
        case shuttingDown(waiters: [ShutdownWaiter])
        case finished(Result<Void, KafkaError>)
    }

    let client: RDKafkaClient
    private let logger: Logger
    private let pollTimeoutMilliseconds: Int32
    private let flushTimeout: Duration
    private let condition = NSCondition()
    private var state: State = .running
    /// Sends between their state check and librdkafka accepting the record. Shutdown waits for
    /// them, so no record can slip in after the final poll and leave its sender waiting forever.
    private var handingOver = 0

    init(client: RDKafkaClient, configuration: KafkaProducerConfiguration, logger: Logger) {
        self.client = client
        self.logger = logger
        self.pollTimeoutMilliseconds = max(1, configuration.pollTimeout.clampedMilliseconds)
        self.flushTimeout = configuration.shutdownFlushTimeout
    }

    func start() {
        DedicatedThread.start(name: "kafka-producer-poll") {
            self.run()
        }
    }

    /// Runs `handOver` unless the producer is shutting down; `false` when it did not run.
    func whileRunning(_ handOver: () -> Void) -> Bool {
        self.condition.lock()
        guard case .running = self.state else {
            self.condition.unlock()
            return false
        }
        self.handingOver += 1
        self.condition.unlock()

        handOver()

        self.condition.lock()
        self.handingOver -= 1
        if self.handingOver == 0 { self.condition.broadcast() }
        self.condition.unlock()
        return true
    }

    func requestShutdown(waiter: ShutdownWaiter?) {
        self.condition.lock()
        switch self.state {
        case .running:
            self.state = .shuttingDown(waiters: waiter.map { [$0] } ?? [])
            self.condition.unlock()
        case .shuttingDown(var waiters):
            if let waiter { waiters.append(waiter) }
            self.state = .shuttingDown(waiters: waiters)
            self.condition.unlock()
        case .finished(let result):
            self.condition.unlock()
            waiter?.resume(returning: result)
        }
    }

    private var isRunning: Bool {
        self.condition.lock()
        defer { self.condition.unlock() }
        if case .running = self.state { return true }
        return false
    }

    // MARK: - Poll thread

    private func run() {
        self.logger.debug("Kafka producer poll thread started")
        while self.isRunning {
            self.client.poll(timeoutMilliseconds: self.pollTimeoutMilliseconds)
        }

        self.condition.lock()
        while self.handingOver > 0 { self.condition.wait() }
        self.condition.unlock()

        let result = self.drain()

        self.condition.lock()
        var waiters: [ShutdownWaiter] = []
        if case .shuttingDown(let queued) = self.state { waiters = queued }
        self.state = .finished(result)
        self.condition.unlock()
        for waiter in waiters { waiter.resume(returning: result) }
        self.logger.debug("Kafka producer poll thread finished")
    }

    private func drain() -> Result<Void, KafkaError> {
        do {
            try self.client.flush(timeoutMilliseconds: self.flushTimeout.clampedMilliseconds)
            return .success(())
        } catch {
            self.logger.error(
                "Records were still unacknowledged at shutdown; failing them with a purge error",
                metadata: ["kafka.error": "\(error)", "kafka.outstanding": "\(self.client.outstandingCount)"]
            )
            self.client.purgeOutstanding()
            // Purged records get their (failed) delivery reports through poll.
            var rounds = 0
            while self.client.outstandingCount > 0 && rounds < 100 {
                self.client.poll(timeoutMilliseconds: 100)
                rounds += 1
            }
            return .failure(error)
        }
    }
}

import Foundation
import Kafka
import Logging
import Testing

/// Log level for test clients: `KAFKA_TEST_LOG_LEVEL=debug swift test` to see librdkafka's logs.
let testLogger: Logger = {
    var logger = Logger(label: "kafka.tests")
    logger.logLevel = ProcessInfo.processInfo.environment["KAFKA_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// `KAFKA_TEST_DEBUG=cgrp,fetch` turns on librdkafka debug contexts (with `KAFKA_TEST_LOG_LEVEL=debug`).
let debugProperties: [String: String] = ProcessInfo.processInfo.environment["KAFKA_TEST_DEBUG"].map { ["debug": $0] } ?? [:]

/// A name no other test (or earlier run) uses, so tests can share nothing and run in parallel.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(self.what)" }
}

/// Re-checks `condition` every few milliseconds until it holds; fails after `timeout`.
/// For waiting on asynchronous effects (rebalances, deliveries) without guessing a sleep.
func waitUntil(
    _ what: String,
    timeout: Duration = .seconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A lock-protected box for state shared between a test and the tasks it starts.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        self.lock.lock()
        defer { self.lock.unlock() }
        return try body(&self.value)
    }

    var current: Value { self.withLock { $0 } }
}

extension KafkaConsumerConfiguration {
    static func test(
        _ cluster: KafkaMockCluster,
        group: String,
        topics: [String],
        autoCommitInterval: Duration = .seconds(60),
        eventBufferCapacity: Int = 64,
        revocationTimeout: Duration = .seconds(10)
    ) -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(
            connection: KafkaConfiguration(
                bootstrapServers: cluster.bootstrapServers,
                clientID: "qbsync-tests",
                properties: debugProperties.merging(["reconnect.backoff.max.ms": "200"]) { $1 }
            ),
            groupID: group,
            topics: topics,
            autoCommitInterval: autoCommitInterval,
            pollTimeout: .milliseconds(50),
            revocationTimeout: revocationTimeout,
            eventBufferCapacity: eventBufferCapacity
        ).tunedForMockCluster()
    }
}

extension KafkaProducerConfiguration {
    static func test(_ cluster: KafkaMockCluster) -> KafkaProducerConfiguration {
        KafkaProducerConfiguration(
            connection: KafkaConfiguration(
                bootstrapServers: cluster.bootstrapServers,
                clientID: "qbsync-tests",
                properties: ["reconnect.backoff.max.ms": "200"]
            ),
            linger: .milliseconds(1),
            deliveryTimeout: .seconds(30),
            shutdownFlushTimeout: .seconds(5)
        )
    }
}

/// Runs a consumer's event loop in a task and records what it sees.
///
/// Each record is "processed" on receipt (its offset stored) unless `storeOnReceipt` is false;
/// revocations are completed right away unless the test installs its own handler.
final class ConsumerProbe: Sendable {
    struct Seen: Sendable {
        var messages: [KafkaMessage] = []
        var log: [Entry] = []
        var assigned: Set<TopicPartition> = []
        var revocations: [[TopicPartition]] = []
        /// How the commit after each revocation ended (`nil`: accepted), in the order of `revocations`.
        var revocationCommits: [KafkaError?] = []
        var failure: KafkaError?
    }

    enum Entry: Sendable {
        case message(TopicPartition, Int64)
        case assigned([TopicPartition])
        case revoked([TopicPartition])
        case lost([TopicPartition])
    }

    let consumer: KafkaConsumer
    let seen = Locked(Seen())
    private let task: Locked<Task<Void, Never>?> = Locked(nil)

    init(
        _ consumer: KafkaConsumer,
        storeOnReceipt: Bool = true,
        onRevoke: (@Sendable (KafkaConsumer, [TopicPartition], Seen) -> Void)? = nil
    ) {
        self.consumer = consumer
        let seen = self.seen
        let task = Task {
            do {
                for try await event in consumer.events {
                    switch event {
                    case .message(let message):
                        seen.withLock {
                            $0.messages.append(message)
                            $0.log.append(.message(message.topicPartition, message.offset))
                        }
                        if storeOnReceipt {
                            do throws(KafkaError) {
                                try consumer.storeOffset(for: message)
                            } catch {
                                // A record whose partition was just revoked, or whose consumer is closing:
                                // its partition's next owner gets it.
                                #expect(error.code == .invalidState || error.code == .destroyed, "unexpected store failure: \(error)")
                            }
                        }
                    case .partitionsAssigned(let partitions):
                        seen.withLock {
                            $0.assigned.formUnion(partitions)
                            $0.log.append(.assigned(partitions))
                        }
                    case .partitionsRevoked(let partitions, let completion):
                        let snapshot = seen.withLock {
                            $0.assigned.subtract(partitions)
                            $0.revocations.append(partitions)
                            $0.log.append(.revoked(partitions))
                            return $0
                        }
                        onRevoke?(consumer, partitions, snapshot)
                        completion.complete()
                        var commitError: KafkaError?
                        do throws(KafkaError) {
                            try await completion.waitForCommit()
                        } catch {
                            commitError = error
                        }
                        seen.withLock { $0.revocationCommits.append(commitError) }
                    case .partitionsLost(let partitions):
                        seen.withLock {
                            $0.assigned.subtract(partitions)
                            $0.log.append(.lost(partitions))
                        }
                    }
                }
            } catch {
                seen.withLock { $0.failure = error as? KafkaError }
            }
        }
        self.task.withLock { $0 = task }
    }

    var messages: [KafkaMessage] { self.seen.current.messages }
    var assigned: Set<TopicPartition> { self.seen.current.assigned }

    /// Closes the consumer and waits for the event loop to end.
    func close() async throws {
        try await self.consumer.close()
        await self.finished()
    }

    /// Waits for the event loop to end (after the consumer closed).
    func finished() async {
        await self.task.current?.value
    }
}

/// How librdkafka 2.0.2's mock coordinator refuses a commit while it rebalances, where a real
/// broker accepts commits of the current generation: `REBALANCE_IN_PROGRESS`, then
/// `ILLEGAL_GENERATION` once it has formed a generation without the committing member (after
/// which librdkafka reports the assignment lost, or the member unknown).
let mockCoordinatorCommitRefusals: Set<KafkaErrorCode> = [.rebalanceInProgress, .illegalGeneration, .assignmentLost, .unknownMemberID]

/// Closes consumers of one group at the same time.
///
/// With several members leaving together the mock coordinator refuses their final commits
/// (``mockCoordinatorCommitRefusals``). Those outcomes are expected here; any other is not.
func closeTogether(_ probes: [ConsumerProbe]) async {
    await withTaskGroup(of: Void.self) { group in
        for probe in probes {
            group.addTask {
                do throws(KafkaError) {
                    try await probe.consumer.close()
                } catch {
                    #expect(mockCoordinatorCommitRefusals.contains(error.code), "unexpected close failure: \(error)")
                }
                await probe.finished()
            }
        }
    }
}

/// Sends `count` records to one partition, one after the other, with values "<prefix>-<i>".
@discardableResult
func produce(
    _ producer: KafkaProducer,
    topic: String,
    partition: Int32,
    count: Int,
    prefix: String
) async throws -> [KafkaDeliveryReport] {
    var reports: [KafkaDeliveryReport] = []
    for index in 0..<count {
        reports.append(
            try await producer.send(topic: topic, partition: partition, key: "firm-\(partition)", value: "\(prefix)-\(index)")
        )
    }
    return reports
}

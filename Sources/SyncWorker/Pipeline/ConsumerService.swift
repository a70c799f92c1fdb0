import Foundation
import Kafka
import Logging
import Postgres
import Retry
import ServiceLifecycle
import SyncCore
import Tracing

/// Reads the ingress topics and feeds the ``Dispatcher``; on shutdown or revocation it drains
/// in-flight work and stores its offsets before the consumer commits and lets go.
///
/// Offsets are stored only after the database commit of a message's effect (or after its
/// dead-letter delivery), so a crash at any point redelivers exactly the unfinished messages.
final class ConsumerService: Service, Sendable {
    let consumer: KafkaConsumer
    let processor: EventProcessor
    let deadLetters: DeadLetterRecorder
    let limits: EventLimits
    let dispatch: Dispatcher.Settings
    let drainTimeout: Duration
    let assignment: PartitionAssignment
    let metrics: WorkerMetrics
    let logger: Logger
    let readiness: Readiness
    let tracing: PipelineTracing

    init(
        _ context: WorkerContext, consumer: KafkaConsumer, processor: EventProcessor, assignment: PartitionAssignment, readiness: Readiness
    ) {
        let configuration = context.configuration
        self.consumer = consumer
        self.processor = processor
        self.deadLetters = DeadLetterRecorder(context)
        self.limits = configuration.eventLimits
        self.dispatch = configuration.dispatcherSettings
        self.drainTimeout = configuration.drainTimeout
        self.assignment = assignment
        self.metrics = context.metrics
        self.logger = context.logger
        self.readiness = readiness
        self.tracing = context.tracing
    }

    func run() async throws {
        let consumer = self.consumer
        let logger = self.logger
        let dispatcher = Dispatcher(
            dispatch,
            handler: { [self] batch in await self.handle(batch) },
            storeOffset: { partition, offset in
                do {
                    try consumer.storeOffset(topic: partition.topic, partition: partition.partition, offset: offset)
                } catch {
                    // The partition moved on; its next owner reprocesses from the last commit.
                    logger.info(
                        "offset not stored: partition no longer assigned", metadata: ["partition": "\(partition)", "error": "\(error)"])
                }
            })
        await readiness.set(.consumer, ready: true)
        // The handlers are children of this task group: past the drain budget they are cancelled
        // (they give up without storing offsets; the next owner redoes that work), so shutdown
        // never waits on a database or broker that does not answer.
        let failure: (any Error)? = await withTaskGroup(of: Void.self) { group in
            group.addTask { await dispatcher.run() }
            var failure: (any Error)?
            do {
                try await cancelWhenGracefulShutdown {
                    for try await event in consumer.events {
                        switch event {
                        case .message(let message):
                            await dispatcher.submit(self.work(for: message))
                        case .partitionsAssigned(let partitions):
                            logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.description))"])
                            await dispatcher.assigned(partitions)
                            await self.assignment.assigned(partitions)
                        case .partitionsRevoked(let partitions, let completion):
                            logger.info("partitions revoked; draining", metadata: ["partitions": "\(partitions.map(\.description))"])
                            await self.assignment.revoked(partitions)
                            await self.drain { await dispatcher.drain(partitions) }
                            await dispatcher.abandon(partitions)
                            completion.complete()
                        case .partitionsLost(let partitions):
                            logger.warning(
                                "partitions lost; their in-flight work will be redone by the next owner",
                                metadata: ["partitions": "\(partitions.map(\.description))"])
                            await self.assignment.revoked(partitions)
                            await dispatcher.abandon(partitions)
                        }
                    }
                }
            } catch {
                logger.error("Kafka consumer failed", metadata: ["error": "\(error)"])
                failure = error
            }
            await readiness.set(.consumer, ready: false)
            let inFlight = await dispatcher.pending
            logger.info("draining in-flight work before closing the consumer", metadata: ["in_flight": "\(inFlight)"])
            if await !self.drain({ await dispatcher.drainAll() }) {
                group.cancelAll()
            }
            await dispatcher.finish()
            await group.waitForAll()
            return failure
        }
        if let failure { throw failure }
        do {
            try await consumer.close()
        } catch {
            // Everything processed is in the database; a refused final commit only means those
            // records are delivered again, and the ledger turns them into no-ops.
            logger.warning(
                "final Kafka commit failed; records since the last commit will be redelivered and skipped as duplicates",
                metadata: ["error": "\(error)"])
        }
    }

    /// Decodes once, up front, to know the message's lane (its account).
    func work(for message: KafkaMessage) -> Dispatcher.Work {
        let started = DefaultTracerClock.now
        do {
            let event = try IngressEvent.decode(value: message.value, key: message.key, limits: limits)
            return Dispatcher.Work(
                message: message, lane: "\(event.firmID)\u{1F}\(event.accountID)", event: .success(event),
                decodeStarted: started, decodeEnded: DefaultTracerClock.now)
        } catch {
            return Dispatcher.Work(
                message: message, lane: "dlq\u{1F}\(message.topic)\u{1F}\(message.partition)\u{1F}\(message.offset)",
                event: .failure(error), decodeStarted: started, decodeEnded: DefaultTracerClock.now)
        }
    }

    /// Applies a batch in one transaction. Dead letters, items whose account another worker
    /// holds, and every item of a batch whose transaction failed go one at a time: a message that
    /// cannot be applied is dead-lettered alone, and its neighbours apply.
    func handle(_ batch: [Dispatcher.Work]) async -> Bool {
        var items: [EventProcessor.BatchItem] = []
        var alone: [Dispatcher.Work] = []
        var itemWork: [Dispatcher.Work] = []
        for work in batch {
            if case .success(let event) = work.event, batch.count > 1 {
                let message = work.message
                items.append(
                    EventProcessor.BatchItem(
                        event: event, origin: MessageOrigin(topic: message.topic, partition: message.partition, offset: message.offset),
                        value: message.value ?? [], lane: work.lane, trace: trace(of: work)))
                itemWork.append(work)
            } else {
                alone.append(work)
            }
        }
        if !items.isEmpty {
            do {
                let outcome = try await processor.process(batch: items)
                for (index, result) in outcome.outcomes {
                    metrics.event(topic: itemWork[index].message.topic, outcome: Self.metricOutcome(result))
                }
                alone += outcome.deferred.map { itemWork[$0] }
                metrics.consumerBatch(messages: items.count, committed: true)
            } catch {
                if !Task.isCancelled {
                    logger.info(
                        "a batch failed; applying its messages one at a time",
                        metadata: ["messages": "\(items.count)", "error": "\(error)"])
                }
                metrics.consumerBatch(messages: items.count, committed: false)
                alone += itemWork
            }
        }
        return await handleOneByOne(alone)
    }

    /// Each lane's messages in order, the lanes concurrently.
    private func handleOneByOne(_ works: [Dispatcher.Work]) async -> Bool {
        if works.isEmpty { return true }
        if works.count == 1 { return await handle(works[0]) }
        var lanes: [String: [Dispatcher.Work]] = [:]
        for work in works { lanes[work.lane, default: []].append(work) }
        return await withTaskGroup(of: Bool.self) { group in
            for lane in lanes.values {
                group.addTask {
                    for work in lane where !(await self.handle(work)) { return false }
                    return true
                }
            }
            var finished = true
            for await laneFinished in group { finished = finished && laneFinished }
            return finished
        }
    }

    func trace(of work: Dispatcher.Work) -> EventTrace {
        let event = try? work.event.get()
        let message = work.message
        var attributes = [
            "messaging.system": "kafka", "messaging.destination.name": message.topic, "messaging.kafka.partition": "\(message.partition)",
            "messaging.kafka.offset": "\(message.offset)", "messaging.message.id": event?.id ?? "", "qbsync.firm_id": event?.firmID ?? "",
        ]
        if case .failure(let rejection) = work.event { attributes["qbsync.dead_letter.reason"] = rejection.reason.rawValue }
        return EventTrace(
            name: "qbsync.event \(event?.type ?? "unreadable")", parent: TraceHeaders(event: event, headers: message.headers),
            attributes: attributes, decodeStarted: work.decodeStarted, decodeEnded: work.decodeEnded)
    }

    /// Processes one message until it is applied or dead-lettered; infrastructure failures
    /// (database or broker away) are retried, because skipping would lose the event.
    func handle(_ work: Dispatcher.Work) async -> Bool {
        await trace(of: work).run(tracing) { span in await process(work, span: span) }
    }

    private func process(_ work: Dispatcher.Work, span: any Span) async -> Bool {
        let message = work.message
        do {
            try await RetryPolicy.messageProcessing.run(willRetry: { error, attempt, _ in
                logger.warning(
                    "processing failed; retrying",
                    metadata: [
                        "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
                        "attempt": "\(attempt)", "error": "\(error)",
                    ])
            }) { attempt in
                try await apply(work, attempt: attempt, span: span)
            }
            return true
        } catch {
            return false  // stopped while the database or the broker was away: the message is read again
        }
    }

    /// Applies or dead-letters one message; throws when the database or the broker is away.
    private func apply(_ work: Dispatcher.Work, attempt: Int, span: any Span) async throws {
        let message = work.message
        do {
            switch work.event {
            case .failure(let rejection):
                let fresh = try await deadLetters.record(message, rejection: rejection)
                logger.warning(
                    fresh ? "dead-lettered a message that cannot be applied" : "a message dead-lettered before was read again",
                    metadata: [
                        "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
                        "reason": "\(rejection.reason.rawValue)", "error": "\(rejection.message)",
                    ])
                metrics.event(topic: message.topic, outcome: .deadLettered)
            case .success(let event):
                let origin = MessageOrigin(topic: message.topic, partition: message.partition, offset: message.offset)
                let outcome = try await processor.process(event, origin: origin, value: message.value ?? [])
                span.attributes["qbsync.outcome"] = Self.metricOutcome(outcome).rawValue
                metrics.event(topic: message.topic, outcome: Self.metricOutcome(outcome))
            }
        } catch let error as PostgresError where error.isDataError {
            // The event is well-formed JSON but its values do not fit the database: park it in the DLQ.
            try await deadLetters.record(message, rejection: EventRejection(.unprocessable, error.description), attempts: attempt)
            metrics.event(topic: message.topic, outcome: .deadLettered)
        }
    }

    /// Runs `body` (a drain) for at most the drain budget; returns whether it finished.
    @discardableResult
    private func drain(_ body: @escaping @Sendable () async -> Void) async -> Bool {
        let timeout = drainTimeout
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !finished {
            logger.warning("in-flight work did not finish in time; it will be redelivered", metadata: ["timeout": "\(timeout)"])
        }
        return finished
    }

    static func metricOutcome(_ outcome: EventProcessor.Outcome) -> WorkerMetrics.EventOutcome {
        switch outcome {
        case .applied: .applied
        case .duplicate: .duplicate
        case .rejectedToggle: .rejectedToggle
        case .superseded: .superseded
        }
    }
}

import Kafka
import Logging
import Postgres

/// What the parts of one worker share: its database, who it is, how it is configured, where it
/// reports, and the signal that wakes its outbox relay. Each part takes this and only what is
/// its own, so the worker's wiring (``Worker``) reads as what connects to what.
struct WorkerContext: Sendable {
    let database: PostgresClient
    let workerID: String
    let configuration: WorkerConfiguration
    let metrics: WorkerMetrics
    let logger: Logger
    let tracing: PipelineTracing
    /// Nudged after a commit that wrote status events, so the relay publishes them at once.
    let outboxSignal: WakeSignal
    /// The payloads the consumer decoded, handed to the pusher once committed.
    let payloads: PayloadHandOff
}

extension DocumentPusher {
    init(_ context: WorkerContext, writer: DocumentWriter, review: DocumentReview, assignment: PartitionAssignment, signal: WakeSignal) {
        self.init(
            database: context.database, writer: writer, review: review, assignment: assignment, signal: signal,
            outboxSignal: context.outboxSignal, payloads: context.payloads, workerID: context.workerID,
            configuration: context.configuration, metrics: context.metrics, logger: context.logger, tracing: context.tracing)
    }
}

extension RetrySweeper {
    init(_ context: WorkerContext, processor: EventProcessor) {
        self.init(
            database: context.database, processor: processor, workerID: context.workerID,
            interval: context.configuration.sweepInterval, leaseDuration: context.configuration.leaseDuration, batchSize: 32,
            metrics: context.metrics, logger: context.logger)
    }
}

extension DeadLetterRecorder {
    init(_ context: WorkerContext) {
        self.init(
            database: context.database, topic: context.configuration.topics.deadLetter,
            consumerGroup: context.configuration.kafka.groupID, metrics: context.metrics, outboxSignal: context.outboxSignal)
    }
}

extension ChangeReconciler {
    init(_ context: WorkerContext, gateway: QuickBooksGateway, review: DocumentReview) {
        self.init(
            database: context.database, gateway: gateway, review: review, workerID: context.workerID,
            statusTopic: context.configuration.topics.syncStatus, outboxSignal: context.outboxSignal, metrics: context.metrics,
            logger: context.logger)
    }
}

extension ChangeDataCaptureSweep {
    init(_ context: WorkerContext, gateway: QuickBooksGateway) {
        self.init(
            database: context.database, gateway: gateway, workerID: context.workerID,
            interval: context.configuration.changeDataCaptureInterval, metrics: context.metrics, logger: context.logger)
    }
}

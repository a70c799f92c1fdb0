import AsyncHTTPClient
import Foundation
import Kafka
import Logging
import Postgres
import Prometheus
import QuickBooks
import ServiceLifecycle
import SyncCore
import UnixSignals

/// One qbsync worker process: consumer, retry sweeper, outbox relay and HTTP server in one
/// ServiceGroup. On SIGTERM the consumer stops taking messages and drains what is in flight,
/// then the sweeper stops, the relay publishes what was committed, and the HTTP server stops last.
public final class Worker: Sendable {
    public let workerID: String
    private let group: ServiceGroup
    private let database: PostgresClient
    private let producer: KafkaProducer
    private let logger: Logger

    /// Connects to PostgreSQL (applying migrations) and Kafka; nothing is consumed until ``run()``.
    public init(
        configuration: WorkerConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry? = nil,
        workerID: String = Worker.defaultWorkerID(), gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onHTTPListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try configuration.validate()
        self.workerID = workerID
        self.logger = logger
        let database = try PostgresClient(
            configuration: PostgresConfiguration(connectionString: configuration.databaseURL, poolSize: configuration.databasePoolSize, applicationName: "qbsync-worker"),
            logger: logger)
        self.database = database
        let readiness = Readiness()
        do {
            try await Migrator(database: database, logger: logger).migrate()
            await readiness.set(.database, ready: true)
        } catch {
            await database.shutdown()
            throw error
        }
        let kafkaConnection = KafkaConfiguration(bootstrapServers: configuration.kafka.bootstrapServers, clientID: configuration.kafka.clientID,
                                                 properties: configuration.kafka.properties)
        let producer: KafkaProducer
        let consumer: KafkaConsumer
        do {
            producer = try KafkaProducer(configuration: KafkaProducerConfiguration(connection: kafkaConnection), logger: logger)
            var consumerConfiguration = KafkaConsumerConfiguration(
                connection: kafkaConnection, groupID: configuration.kafka.groupID, topics: configuration.topics.ingress,
                revocationTimeout: configuration.drainTimeout)
            if configuration.kafka.tunedForMockCluster { consumerConfiguration = consumerConfiguration.tunedForMockCluster() }
            // A bounded read-ahead keeps memory flat while a backlog drains (librdkafka's default
            // prefetches up to 64 MB); QBSYNC_KAFKA_PROPERTY_* still overrides it.
            for (name, value) in WorkerConfiguration.Kafka.consumerPrefetch where configuration.kafka.properties[name] == nil {
                consumerConfiguration.properties[name] = value
            }
            consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        } catch {
            await database.shutdown()
            throw error
        }
        self.producer = producer

        let metrics = WorkerMetrics()
        let cipher = try TokenCipher(keyMaterial: configuration.tokenKey)
        let gate = RealmGate(limits: configuration.realmLimits)
        let client = QuickBooksClient(configuration: configuration.quickBooks, limiter: gate, logger: logger)
        let gateway = QuickBooksGateway(
            client: client, sessions: FirmSessions(database: database, client: client, cipher: cipher, logger: logger),
            gate: gate, throttlePause: configuration.throttlePause, metrics: metrics)
        let signal = WakeSignal()
        let pusherSignal = WakeSignal()
        let review = DocumentReview(statusTopic: configuration.topics.syncStatus)
        let assignment = PartitionAssignment()
        let processor = EventProcessor(database: database, linker: CustomerLinker(gateway: gateway),
                                       documents: DocumentIngest(review: review, pusherSignal: pusherSignal), configuration: configuration,
                                       workerID: workerID, metrics: metrics, logger: logger, outboxSignal: signal)
        let pusher = DocumentPusher(
            database: database, writer: DocumentWriter(gateway: gateway, references: QuickBooksReferences(database: database, gateway: gateway)),
            review: review, assignment: assignment, signal: pusherSignal, outboxSignal: signal, workerID: workerID,
            configuration: configuration, metrics: metrics, logger: logger)
        let connector = try FirmConnector(database: database, client: client, tokenKey: configuration.tokenKey,
                                          statusTopic: configuration.topics.syncStatus, logger: logger)
        let http = AdminServer.application(
            host: configuration.httpHost, port: configuration.httpPort, adminToken: configuration.adminToken, readiness: readiness,
            registry: metricsRegistry, database: database, connector: connector, logger: logger, onListening: onHTTPListening)
        let relay = OutboxRelay(database: database, producer: producer, signal: signal, pollInterval: configuration.outboxPollInterval,
                                batchSize: 500, metrics: metrics, logger: logger)
        let sweeper = RetrySweeper(database: database, processor: processor, workerID: workerID, interval: configuration.sweepInterval,
                                   leaseDuration: configuration.leaseDuration, batchSize: 32, metrics: metrics, logger: logger)
        let consumerService = ConsumerService(
            consumer: consumer, processor: processor,
            deadLetters: DeadLetterRecorder(database: database, topic: configuration.topics.deadLetter, consumerGroup: configuration.kafka.groupID,
                                            metrics: metrics, outboxSignal: signal),
            limits: configuration.eventLimits, maxInFlight: configuration.maxInFlight, drainTimeout: configuration.drainTimeout,
            assignment: assignment, metrics: metrics, logger: logger, readiness: readiness)
        // Shut down in reverse: consumer first (it drains), then the pusher and sweeper finish their
        // writes, the relay publishes what was committed, and HTTP stops last.
        group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: http), .init(service: relay), .init(service: sweeper), .init(service: pusher), .init(service: consumerService)],
            gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
    }

    /// Runs until a shutdown signal or ``shutdown()``, then releases every connection.
    public func run() async throws {
        logger.info("qbsync worker starting", metadata: ["worker_id": "\(workerID)"])
        let outcome: Result<Void, any Error>
        do { try await group.run(); outcome = .success(()) } catch { outcome = .failure(error) }
        do { try await producer.shutdown() } catch { logger.warning("Kafka producer did not flush cleanly", metadata: ["error": "\(error)"]) }
        await database.shutdown()
        logger.info("qbsync worker stopped", metadata: ["worker_id": "\(workerID)"])
        try outcome.get()
    }

    /// Starts a graceful shutdown, as SIGTERM does.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    public static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

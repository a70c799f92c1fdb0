import AsyncHTTPClient
import Foundation
import Kafka
import Logging
import Postgres
import Prometheus
import QuickBooks
import Retry
import ServiceLifecycle
import SyncCore
import Tracing
import UnixSignals

/// One qbsync worker process: consumer, document pusher, retry sweeper, outbox relay, retention
/// job, readiness monitor and HTTP server in one ServiceGroup. On SIGTERM the consumer stops
/// taking messages and drains what is in flight, then the pusher and sweeper stop, the relay
/// publishes what was committed, and the HTTP server stops last. Past
/// ``WorkerConfiguration/shutdownBudget`` everything still running is cancelled.
public final class Worker: Sendable {
    public let workerID: String
    private let group: ServiceGroup
    private let database: PostgresClient
    private let producer: KafkaProducer
    private let httpClient: HTTPClient
    private let logger: Logger

    /// Connects to PostgreSQL (applying migrations) and Kafka; nothing is consumed until ``run()``.
    ///
    /// A worker whose token key cannot open what the firms' tokens were sealed with does not
    /// join the consumer group: it serves `/readyz` (not ready, saying why) and waits for SIGTERM.
    ///
    /// - Parameters:
    ///   - tracer: where spans go (a no-op unless tracing is configured).
    ///   - observability: services the tracer needs (its exporter); they stop after everything
    ///     else, so the last spans are exported.
    public init(
        configuration: WorkerConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry? = nil,
        tracer: any Tracer = NoOpTracer(), observability: [any Service] = [],
        workerID: String = Worker.defaultWorkerID(), gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onHTTPListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let tracing = PipelineTracing(tracer: tracer)
        try configuration.validate()
        self.workerID = workerID
        self.logger = logger
        let database = try PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: configuration.databaseURL, poolSize: configuration.databasePoolSize, applicationName: "qbsync-worker"),
            logger: logger)
        self.database = database
        let readiness = Readiness()
        let cipher = try TokenCipher(keyMaterial: configuration.tokenKey)
        let keyVerdict: TokenKeyCheck.Verdict
        do {
            try await Self.waitForDatabase(database, upTo: configuration.databaseStartupWait, logger: logger)
            try await Migrator(database: database, logger: logger).migrate()
            await readiness.set(.database, ready: true)
            keyVerdict = try await TokenKeyCheck.verify(cipher, database: database)
        } catch {
            await database.shutdown()
            throw error
        }
        await readiness.set(.tokenKey, ready: keyVerdict == .matches, detail: TokenKeyCheck.differsDetail)
        let producer: KafkaProducer
        do {
            producer = try KafkaProducer(configuration: configuration.producerConfiguration(), logger: logger)
        } catch {
            await database.shutdown()
            throw error
        }
        self.producer = producer

        // With a registry of its own (tests, or the command's), metrics go where /metrics reads them.
        let metrics = metricsRegistry.map { WorkerMetrics(factory: PrometheusMetricsFactory.qbsync(registry: $0)) } ?? WorkerMetrics()
        let signal = WakeSignal()
        // One budget per realm for the consumer group: a worker calls a realm while it holds its lease.
        let gate = RealmGate(
            limits: configuration.realmLimits,
            leases: RealmLeases(
                database: database, workerID: workerID,
                window: configuration.realmLimits.window + configuration.realmLimits.margin))
        let httpClient = QuickBooksClient.makeHTTPClient(
            maxConnections: configuration.qboMaxConnections,
            requestTimeout: configuration.quickBooks.requestTimeout)
        self.httpClient = httpClient
        let client = QuickBooksClient(configuration: configuration.quickBooks, httpClient: httpClient, limiter: gate, logger: logger)
        let connector: FirmConnector
        do {
            connector = try FirmConnector(
                database: database, client: client, tokenKey: configuration.tokenKey,
                statusTopic: configuration.topics.syncStatus, logger: logger,
                invoiceWait: configuration.paymentInvoiceWait)
        } catch {
            try? await httpClient.shutdown()
            await database.shutdown()
            throw error
        }
        let gateway = QuickBooksGateway(
            client: client, sessions: FirmSessions(database: database, client: client, cipher: cipher, logger: logger),
            gate: gate, throttlePause: configuration.throttlePause, metrics: metrics, tracing: tracing,
            batcher: RealmBatcher(
                client: client, gate: gate, store: BatchStore(database: database), settings: configuration.batchSettings,
                metrics: metrics, logger: logger))
        let http = AdminServer.application(
            host: configuration.httpHost, port: configuration.httpPort, adminToken: configuration.adminToken, readiness: readiness,
            registry: metricsRegistry, database: database, connector: connector,
            picker: keyVerdict == .matches ? CustomerPicker(database: database, gateway: gateway) : nil,
            webhooks: configuration.webhookVerifierToken.isEmpty
                ? nil
                : WebhookIntake(database: database, verifierToken: configuration.webhookVerifierToken, metrics: metrics, logger: logger),
            logger: logger,
            onListening: onHTTPListening)
        let relay = OutboxRelay(
            database: database, producer: producer, signal: signal, pollInterval: configuration.outboxPollInterval,
            batchSize: 500, relayID: workerID, claimDuration: configuration.leaseDuration,
            metrics: metrics, tracing: tracing, logger: logger)
        let retention = RetentionJob(database: database, ledgerRetention: configuration.ledgerRetention, logger: logger)

        let figures = DeploymentFigureReporter(
            database: database, workerID: workerID, interval: configuration.metricsInterval, metrics: metrics, logger: logger)
        // The lease keeper stops after everything that calls QuickBooks, and then releases the leases.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] =
            observability.map { .init(service: $0) } + [
                .init(service: RealmLeaseKeeper(gate: gate)), .init(service: http), .init(service: relay), .init(service: retention),
                .init(service: figures),
                .init(service: RealmUsageReporter(gate: gate, interval: configuration.metricsInterval, metrics: metrics)),
                .init(service: DatabaseStatisticsReporter(database: database, interval: configuration.metricsInterval, metrics: metrics)),
                .init(service: MemoryReturn()),
            ]
        if keyVerdict == .differs {
            logger.critical("not consuming: \(TokenKeyCheck.differsDetail)")
            services.append(
                .init(
                    service: ReadinessMonitor(
                        database: database, brokersReachable: { await producer.brokersReachable(timeout: $0) },
                        readiness: readiness, interval: configuration.readinessInterval, logger: logger)))
            services.append(.init(service: IdleUntilShutdown()))
        } else {
            let consumer: KafkaConsumer
            do {
                consumer = try KafkaConsumer(configuration: configuration.consumerConfiguration(), logger: logger)
            } catch {
                try? await httpClient.shutdown()
                await database.shutdown()
                throw error
            }
            let pusherSignal = WakeSignal()
            let review = DocumentReview(statusTopic: configuration.topics.syncStatus, invoiceWait: configuration.paymentInvoiceWait)
            let assignment = PartitionAssignment()
            let context = WorkerContext(
                database: database, workerID: workerID, configuration: configuration, metrics: metrics, logger: logger,
                tracing: tracing, outboxSignal: signal, payloads: PayloadHandOff(capacity: PayloadHandOff.defaultCapacity, metrics: metrics)
            )
            let processor = EventProcessor(
                context, linker: CustomerLinker(gateway: gateway), documents: DocumentIngest(review: review), pusherSignal: pusherSignal)
            let pusher = DocumentPusher(
                context, writer: DocumentWriter(gateway: gateway, references: QuickBooksReferences(database: database, gateway: gateway)),
                review: review, assignment: assignment, signal: pusherSignal)
            let sweeper = RetrySweeper(context, processor: processor)
            let consumerService = ConsumerService(
                context, consumer: consumer, processor: processor, assignment: assignment, readiness: readiness)
            let monitor = ReadinessMonitor(
                database: database, brokersReachable: { await consumer.brokersReachable(timeout: $0) },
                readiness: readiness, interval: configuration.readinessInterval, logger: logger)
            let lag = ConsumerLagReporter(consumer: consumer, interval: configuration.metricsInterval, metrics: metrics, logger: logger)
            let reconciler = ChangeReconciler(context, gateway: gateway, review: review)
            let changeCapture = ChangeDataCaptureSweep(context, gateway: gateway)
            services += [
                .init(service: monitor), .init(service: lag), .init(service: sweeper), .init(service: pusher), .init(service: reconciler),
                .init(service: changeCapture),
                .init(service: consumerService),
            ]
        }
        // Shut down in reverse: consumer first (it drains), then the pusher and sweeper finish their
        // writes, the relay publishes what was committed, and HTTP stops last.
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownBudget
        group = ServiceGroup(configuration: groupConfiguration)
    }

    /// Runs until a shutdown signal or ``shutdown()``, then releases every connection.
    public func run() async throws {
        logger.info("qbsync worker starting", metadata: ["worker_id": "\(workerID)"])
        let outcome: Result<Void, any Error>
        do {
            try await group.run()
            outcome = .success(())
        } catch { outcome = .failure(error) }
        do { try await producer.shutdown() } catch {
            logger.warning("Kafka producer did not flush cleanly", metadata: ["error": "\(error)"])
        }
        do { try await httpClient.shutdown() } catch {
            logger.warning("QuickBooks HTTP client did not shut down cleanly", metadata: ["error": "\(error)"])
        }
        await database.shutdown()
        logger.info("qbsync worker stopped", metadata: ["worker_id": "\(workerID)"])
        try outcome.get()
    }

    /// Starts a graceful shutdown, as SIGTERM does.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// Returns once PostgreSQL accepts a connection: a worker started beside a database that is
    /// starting, restarting or failing over waits for it, up to `wait`, instead of exiting at once.
    /// Errors other than a refused or lost connection (a malformed URL) end the wait at once.
    private static func waitForDatabase(_ database: PostgresClient, upTo wait: Duration, logger: Logger) async throws {
        do {
            let attempts = try await RetryPolicy.databaseStartup(waitingUpTo: wait).run(
                transient: { (error: any Error) in
                    (error as? PostgresError)?.isConnectionLoss == true
                },
                willRetry: { error, attempt, _ in
                    logger.warning(
                        "waiting for PostgreSQL to accept connections", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                }
            ) { attempt in
                try await database.withConnection { connection in _ = try await connection.execute("select 1") }
                return attempt
            }
            if attempts > 1 { logger.notice("PostgreSQL accepts connections", metadata: ["attempts": "\(attempts)"]) }
        } catch let error as PostgresError where error.isConnectionLoss {
            throw WorkerStartError(
                "PostgreSQL did not accept a connection within QBSYNC_DATABASE_WAIT_MS (\(wait.milliseconds) ms): \(error)")
        }
    }

    public static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Keeps a worker that must not consume alive (serving `/readyz`) until it is told to stop.
struct IdleUntilShutdown: Service {
    func run() async throws {
        try? await gracefulShutdown()
    }
}

/// A worker could not start: what it needs did not come (its database, within the time allowed).
public struct WorkerStartError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "could not start: \(message)" }
}

import Foundation
import Kafka
import Logging
import Postgres
import QuickBooksSandbox
import SyncWorker

/// Everything one integration test needs, real and private to it: its own database on the
/// test PostgreSQL server, its own librdkafka mock cluster with the topics created, and its own
/// QuickBooks sandbox over HTTP.
struct TestEnvironment: Sendable {
    let databaseURL: String
    let database: PostgresClient
    let cluster: KafkaMockCluster
    let sandbox: QuickBooksSandbox
    let endpoint: SandboxEndpoint
    let producer: KafkaProducer
    let status: StatusStream
    let tokenKey: [UInt8]
    let logger: Logger

    static let partitions = 3

    /// Runs `body` with a fresh environment and tears it down afterwards.
    static func with<T: Sendable>(
        sandboxConfiguration: SandboxConfiguration = SandboxConfiguration(),
        brokers: Int = 1,
        _ body: @Sendable (TestEnvironment) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "qbsync.test")
        logger.logLevel = ProcessInfo.processInfo.environment["QBSYNC_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        let (databaseURL, dropDatabase) = try await TestDatabase.create(logger: logger)
        let cluster = try KafkaMockCluster(brokerCount: brokers, logger: logger)
        let topics = WorkerConfiguration.Topics()
        for topic in topics.ingress + [topics.syncStatus, topics.deadLetter] {
            try cluster.createTopic(topic, partitions: partitions)
        }
        let sandbox = QuickBooksSandbox(configuration: sandboxConfiguration, logger: logger)
        let database = try PostgresClient(configuration: PostgresConfiguration(connectionString: databaseURL, poolSize: 4), logger: logger)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(connection: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)),
            logger: logger)
        let status = try StatusStream(bootstrapServers: cluster.bootstrapServers, topic: topics.syncStatus, logger: logger)
        let outcome: Result<T, any Error>
        do {
            let value = try await sandbox.withRunning { endpoint in
                let environment = TestEnvironment(
                    databaseURL: databaseURL, database: database, cluster: cluster, sandbox: sandbox, endpoint: endpoint,
                    producer: producer, status: status, tokenKey: (0..<32).map { _ in UInt8.random(in: 0...255) }, logger: logger)
                return try await body(environment)
            }
            outcome = .success(value)
        } catch {
            outcome = .failure(error)
        }
        await status.stop()
        try? await producer.shutdown()
        await database.shutdown()
        await dropDatabase()
        return try outcome.get()
    }

    /// A worker configuration pointing at this environment, with short timings for tests.
    func workerConfiguration(group: String = "qbsync-test") -> WorkerConfiguration {
        var configuration = WorkerConfiguration()
        configuration.databaseURL = databaseURL
        configuration.databasePoolSize = 6
        configuration.kafka.bootstrapServers = cluster.bootstrapServers
        configuration.kafka.groupID = group
        configuration.kafka.tunedForMockCluster = true
        configuration.quickBooks.apiBaseURL = endpoint.apiBaseURL
        configuration.quickBooks.tokenURL = endpoint.tokenURL
        configuration.quickBooks.revokeURL = endpoint.revokeURL
        configuration.quickBooks.requestTimeout = .seconds(5)
        configuration.tokenKey = tokenKey
        configuration.httpHost = "127.0.0.1"
        configuration.httpPort = 0
        configuration.adminToken = "test-admin-token"
        configuration.leaseDuration = .seconds(3)
        configuration.sweepInterval = .milliseconds(100)
        configuration.outboxPollInterval = .milliseconds(50)
        configuration.retryBaseDelay = .milliseconds(20)
        configuration.drainTimeout = .seconds(10)
        return configuration
    }
}

import Foundation
import Kafka
import Logging
import QuickBooks
import QuickBooksSandbox
import SyncCore
import SyncWorker

extension TestEnvironment {
    /// Sends ingress messages with the firm as key, as the platform does, and waits for the acks.
    /// Each is recorded as a contract sample (``ContractSamples``), bad ones sent on purpose too.
    func send(_ messages: TestEvents.Message...) async throws {
        try await send(messages)
    }

    func send(_ messages: [TestEvents.Message]) async throws {
        for message in messages {
            ContractSamples.ingress(topic: message.topic, key: Array(message.key.utf8), value: message.value)
            _ = try await producer.send(topic: message.topic, key: Array(message.key.utf8), value: message.value)
        }
    }

    func sendRaw(topic: String, key: [UInt8]?, value: [UInt8]?) async throws {
        ContractSamples.ingress(topic: topic, key: key, value: value)
        _ = try await producer.send(topic: topic, key: key, value: value)
    }

    /// Creates a sandbox company and connects `firm` to it through the OAuth code flow.
    @discardableResult
    func connectFirm(_ firm: String, policy: FirmPolicy = .accountsWithActivity, settings: (inout FirmSettings) -> Void = { _ in })
        async throws -> String
    {
        let grant = sandbox.inspector.createRealm(companyName: "Firm \(firm)")
        let configuration = workerConfiguration()
        let connector = try FirmConnector(
            database: database, client: QuickBooksClient(configuration: configuration.quickBooks, logger: logger),
            tokenKey: tokenKey, statusTopic: configuration.topics.syncStatus, logger: logger)
        try await Migrator(database: database, logger: logger).migrate()
        var firmSettings = FirmSettings(firmID: firm, realmID: grant.realmId, policy: policy)
        settings(&firmSettings)
        _ = try await connector.connect(
            firmSettings, credential: .authorizationCode(grant.authorizationCode, redirectURI: "http://localhost/callback"))
        return grant.realmId
    }

    /// Reconnects an existing realm (after its tokens were revoked) with a fresh authorization code.
    func reconnectFirm(_ firm: String, realm: String, policy: FirmPolicy = .accountsWithActivity) async throws -> FirmConnector.Result {
        let grant = sandbox.inspector.createRealm(realmId: realm)
        let configuration = workerConfiguration()
        let connector = try FirmConnector(
            database: database, client: QuickBooksClient(configuration: configuration.quickBooks, logger: logger),
            tokenKey: tokenKey, statusTopic: configuration.topics.syncStatus, logger: logger)
        return try await connector.connect(
            FirmSettings(firmID: firm, realmID: realm, policy: policy),
            credential: .authorizationCode(grant.authorizationCode, redirectURI: "http://localhost/callback"))
    }

    /// Starts a worker in this process; stop it with ``RunningWorker/stop()``.
    func startWorker(group: String = "qbsync-test", configure: (inout WorkerConfiguration) -> Void = { _ in }) async throws -> RunningWorker
    {
        var configuration = workerConfiguration(group: group)
        configure(&configuration)
        let worker = try await Worker(configuration: configuration, logger: logger, gracefulShutdownSignals: [])
        return RunningWorker(worker: worker)
    }

    /// Customers in the sandbox company, as QuickBooks holds them.
    func customers(realm: String) async throws -> [SandboxRecord] {
        try await sandbox.inspector.records(realmId: realm, entity: .customer)
    }

    /// Objects of one type in the sandbox company, as QuickBooks serves them, in creation order.
    func objects(realm: String, _ entity: QuickBooksEntityType) async throws -> [SandboxObject] {
        try await sandbox.inspector.records(realmId: realm, entity: entity).map(SandboxObject.init)
            .sorted { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
    }

    /// Backends of this test's database, other than the caller's, waiting for a lock.
    func backendsWaitingForLocks() async throws -> Int {
        try await database.withConnection { connection in
            try await connection.query(
                """
                select 1 from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()
                """
            ).count
        }
    }

    /// Polls a database condition until it holds or `timeout` passes.
    func eventually(_ description: String, timeout: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw StatusStream.Timeout(what: description, seen: []) }
            try await Task.sleep(for: .milliseconds(25))
        }
    }
}

/// A worker running in a background task of the test process.
final class RunningWorker: Sendable {
    let worker: Worker
    private let task: Task<Void, any Error>

    init(worker: Worker) {
        self.worker = worker
        task = Task { try await worker.run() }
    }

    /// Graceful shutdown, as SIGTERM: drains, commits, publishes what was committed.
    func stop() async throws {
        await worker.shutdown()
        try await task.value
    }
}

extension TestEnvironment {
    /// A QuickBooks client with a fresh access token for `realm`, for arranging sandbox state.
    func apiAccess(realm: String) async throws -> (QuickBooksClient, RealmAccess) {
        let grant = sandbox.inspector.createRealm(realmId: realm)
        let client = QuickBooksClient(configuration: workerConfiguration().quickBooks, logger: logger)
        let tokens = try await client.exchangeAuthorizationCode(grant.authorizationCode, redirectURI: "http://localhost/callback")
        return (client, RealmAccess(realmID: realm, accessToken: tokens.accessToken))
    }

    /// Creates a customer directly in the sandbox company, as a bookkeeper would in QuickBooks.
    func seedCustomer(realm: String, name: String) async throws -> String {
        let (client, access) = try await apiAccess(realm: realm)
        let customer = try await client.createCustomer(displayName: name, requestID: UUID().uuidString, access: access)
        return customer.id ?? ""
    }
}

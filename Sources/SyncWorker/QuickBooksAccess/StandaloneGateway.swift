import Logging
import Postgres
import QuickBooks

extension QuickBooksGateway {
    /// A database pool and a gateway for one command (`qbsync customers`, `qbsync reconcile`), with
    /// a realm gate of its own at the configured limits; both released when `body` returns.
    static func withStandalone<T: Sendable>(
        configuration: WorkerConfiguration, applicationName: String, logger: Logger,
        _ body: (PostgresClient, QuickBooksGateway) async throws -> T
    ) async throws -> T {
        let database = try PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: configuration.databaseURL, poolSize: 2, applicationName: applicationName),
            logger: logger)
        do {
            let gate = RealmGate(limits: configuration.realmLimits)
            let client = QuickBooksClient(configuration: configuration.quickBooks, limiter: gate, logger: logger)
            let sessions = FirmSessions(
                database: database, client: client, cipher: try TokenCipher(keyMaterial: configuration.tokenKey), logger: logger)
            let gateway = QuickBooksGateway(
                client: client, sessions: sessions, gate: gate, throttlePause: configuration.throttlePause,
                metrics: WorkerMetrics())
            let result = try await body(database, gateway)
            await database.shutdown()
            return result
        } catch {
            await database.shutdown()
            throw error
        }
    }
}

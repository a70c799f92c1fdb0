import ArgumentParser
import CommandLineSupport
import Postgres
import SyncWorker

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database migrations (workers also apply them at start).")

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap()
        let configuration = try WorkerConfiguration.fromEnvironment()
        let database = try PostgresClient(
            configuration: PostgresConfiguration(connectionString: configuration.databaseURL, poolSize: 1), logger: logger)
        do {
            let applied = try await Migrator(database: database, logger: logger).migrate()
            print(applied.isEmpty ? "schema up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
    }
}

import ArgumentParser
import CommandLineSupport
import Foundation
import Postgres
import SyncWorker

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print a firm's QuickBooks column: every account, invoice and payment with its sync status and detail.")

    @OptionGroup var logging: LoggingOptions
    @Option(help: "The firm id.") var firm: String
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() async throws {
        let logger = logging.bootstrap()
        let configuration = try WorkerConfiguration.fromEnvironment()
        let database = try PostgresClient(
            configuration: PostgresConfiguration(connectionString: configuration.databaseURL, poolSize: 1), logger: logger)
        do {
            let column = try await QuickBooksColumn.load(firmID: firm, from: database)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(column), as: UTF8.self))
            } else {
                print(column.rendered())
            }
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
    }
}

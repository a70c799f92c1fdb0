import ArgumentParser
import CommandLineSupport
import Foundation
import Postgres
import SyncWorker

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Show outbox rows Kafka refused for good, and send them again after a fix.",
        subcommands: [Held.self, Release.self])

    struct Held: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rows set aside, with why.")
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = logging.bootstrap()
            let configuration = try WorkerConfiguration.fromEnvironment()
            let database = try PostgresClient(
                configuration: PostgresConfiguration(connectionString: configuration.databaseURL, poolSize: 1), logger: logger)
            let rows: [OutboxSetAside.Row]
            do { rows = try await OutboxSetAside.list(database) } catch {
                await database.shutdown()
                throw error
            }
            print("ID\tTOPIC\tKEY\tBYTES\tSET ASIDE\tREASON")
            for row in rows {
                print("\(row.id)\t\(row.topic)\t\(row.key)\t\(row.bytes)\t\(row.setAsideAt.formatted(.iso8601))\t\(row.reason)")
            }
            print("\(rows.count) row(s) set aside")
            await database.shutdown()
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put set-aside rows back in line for publishing (after raising the size limit, say).")
        @OptionGroup var logging: LoggingOptions
        @Argument(help: "Row ids, as `qbsync outbox held` prints them.") var ids: [Int64] = []
        @Flag(help: "Release every row set aside.") var all = false

        func validate() throws {
            guard all != !ids.isEmpty else { throw ValidationError("give row ids or --all") }
        }

        func run() async throws {
            let logger = logging.bootstrap()
            let configuration = try WorkerConfiguration.fromEnvironment()
            let database = try PostgresClient(
                configuration: PostgresConfiguration(connectionString: configuration.databaseURL, poolSize: 1), logger: logger)
            let released: Int
            do { released = try await OutboxSetAside.release(all ? nil : ids, from: database) } catch {
                await database.shutdown()
                throw error
            }
            await database.shutdown()
            print("released \(released) row(s); the relay publishes them next")
        }
    }
}

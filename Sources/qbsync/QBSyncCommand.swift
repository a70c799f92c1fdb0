import ArgumentParser
import Logging
import SyncWorker

@main
struct QBSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qbsync",
        abstract: "Syncs client accounts, invoices and payments one way into QuickBooks Online.",
        discussion: """
            Configuration comes from QBSYNC_* environment variables (see README.md). \
            Every command logs JSON lines to standard error.
            """,
        subcommands: [
            WorkerCommand.self, MigrateCommand.self, FirmCommand.self, StatusCommand.self, CustomersCommand.self,
            SandboxCommand.self, KafkaMockCommand.self, DeadLetterCommand.self, OutboxCommand.self, ConfigCommand.self, DemoCommand.self,
            ProbeCommand.self, ContractCommand.self,
        ])
}

/// Options every command shares.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Lowest log level written: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func bootstrap() -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        return Logger(label: "qbsync")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

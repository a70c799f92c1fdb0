import ArgumentParser

@main
struct QBSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qbsync",
        abstract: "Syncs client accounts, invoices and payments one way into QuickBooks Online.",
        discussion: """
            Configuration comes from QBSYNC_* environment variables (see README.md). \
            Every command logs JSON lines to standard error. The QuickBooks sandbox, the Kafka mock \
            cluster and the demo are in qbsync-dev, not in this production binary.
            """,
        subcommands: [
            WorkerCommand.self, MigrateCommand.self, FirmCommand.self, StatusCommand.self, CustomersCommand.self, ReconcileCommand.self,
            DeadLetterCommand.self, OutboxCommand.self, ConfigCommand.self, ProbeCommand.self, ContractCommand.self,
        ])
}

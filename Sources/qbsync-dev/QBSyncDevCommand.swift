import ArgumentParser

/// Development and test tools, kept out of the production binary: the QuickBooks Online
/// emulator, librdkafka's mock cluster, and the newcomer's demo.
@main
struct QBSyncDevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qbsync-dev",
        abstract: "qbsync's development tools: the QuickBooks sandbox, the Kafka mock cluster and the demo.",
        discussion: "Configuration comes from the same QBSYNC_* environment variables as qbsync (see README.md).",
        subcommands: [SandboxCommand.self, KafkaMockCommand.self, DemoCommand.self])
}

import ArgumentParser
import CommandLineSupport
import QuickBooksSandbox
import ServiceLifecycle

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the QuickBooks Online sandbox: the API v3 subset qbsync uses, OAuth, limits and fault injection.")

    @OptionGroup var logging: LoggingOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8081
    @Option(help: "Length of a throttling window in seconds (QuickBooks: 60).") var windowSeconds = 60
    @Option(help: "Requests allowed per realm and window (QuickBooks: 500).") var requestsPerWindow = 500
    @Option(help: "Access token lifetime in seconds (QuickBooks: 3600).") var accessTokenSeconds = 3600
    @Option(help: "Bearer token required by the admin API (none: open, loopback use only).") var adminToken: String?

    func run() async throws {
        let logger = logging.bootstrap()
        var configuration = SandboxConfiguration(host: host, port: port)
        configuration.throttleWindow = .seconds(windowSeconds)
        configuration.requestsPerWindow = requestsPerWindow
        configuration.accessTokenLifetime = .seconds(accessTokenSeconds)
        configuration.adminToken = adminToken
        try configuration.validate()
        let sandbox = QuickBooksSandbox(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [sandbox], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("QuickBooks sandbox listening", metadata: ["address": "http://\(host):\(port)"])
        try await group.run()
    }
}

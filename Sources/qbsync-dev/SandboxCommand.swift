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
    @Option(help: "Send signed webhook notifications of every change to this URL (none: no webhooks).")
    var webhookURL: String?
    @Option(help: "Verifier token the webhook signature (intuit-signature) is made with.") var webhookVerifierToken: String?
    @Option(help: "Webhook payload format: cloudEvents or legacy.") var webhookFormat = "cloudEvents"
    @Option(help: "Milliseconds a realm's changes are collected before one webhook POST.") var webhookBatchMs = 1000
    @Option(help: "Share (0-1) of webhook deliveries dropped on purpose.") var webhookDropRate = 0.0

    func run() async throws {
        let logger = logging.bootstrap()
        var configuration = SandboxConfiguration(host: host, port: port)
        configuration.throttleWindow = .seconds(windowSeconds)
        configuration.requestsPerWindow = requestsPerWindow
        configuration.accessTokenLifetime = .seconds(accessTokenSeconds)
        configuration.adminToken = adminToken
        if let webhookURL {
            guard let format = SandboxWebhooks.Format(rawValue: webhookFormat) else {
                throw ValidationError("--webhook-format must be cloudEvents or legacy; got \(webhookFormat)")
            }
            guard let webhookVerifierToken else {
                throw ValidationError("--webhook-url needs --webhook-verifier-token (the key of intuit-signature)")
            }
            configuration.webhooks = SandboxWebhooks(
                url: webhookURL, verifierToken: webhookVerifierToken, format: format,
                batchDelay: .milliseconds(webhookBatchMs), dropRate: webhookDropRate)
        }
        try configuration.validate()
        let sandbox = QuickBooksSandbox(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [sandbox], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("QuickBooks sandbox listening", metadata: ["address": "http://\(host):\(port)"])
        try await group.run()
    }
}

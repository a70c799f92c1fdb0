import ArgumentParser
import Metrics
import Prometheus
import SyncWorker

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Consume ingress events and sync them to QuickBooks until SIGTERM (which drains and commits).")

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap()
        let configuration = try WorkerConfiguration.fromEnvironment()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory.qbsync(registry: registry))
        let worker = try await Worker(configuration: configuration, logger: logger, metricsRegistry: registry)
        try await worker.run()
    }
}

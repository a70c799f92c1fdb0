import ArgumentParser
import CMalloc
import CommandLineSupport
import Metrics
import OTel
import Prometheus
import ServiceLifecycle
import SyncWorker
import Tracing

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Consume ingress events and sync them to QuickBooks until SIGTERM (which drains and commits).")

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap()
        let configuration = try WorkerConfiguration.fromEnvironment()
        // Before the connection threads start, so none of them gets an arena of its own.
        if configuration.mallocArenas > 0, cmalloc_set_arena_max(Int32(configuration.mallocArenas)) != 1 {
            logger.warning("glibc refused the arena cap; malloc keeps its default", metadata: ["arenas": "\(configuration.mallocArenas)"])
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory.qbsync(registry: registry))
        var tracer: any Tracer = NoOpTracer()
        var observability: [any Service] = []
        if configuration.traceExport == .otlp {
            let backend = try OTel.makeTracingBackend(configuration: .qbsyncTraces)
            tracer = backend.factory
            observability = [backend.service]
        }
        let worker = try await Worker(
            configuration: configuration, logger: logger, metricsRegistry: registry, tracer: tracer,
            observability: observability)
        try await worker.run()
    }
}

extension OTel.Configuration {
    /// Traces only, over OTLP/HTTP (metrics go to /metrics, logs to standard error); the standard
    /// `OTEL_*` variables (endpoint, headers, sampler, service name) override these.
    static var qbsyncTraces: OTel.Configuration {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "qbsync"
        configuration.traces.enabled = true
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        return configuration
    }
}

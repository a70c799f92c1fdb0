import ArgumentParser
import CMalloc
import CommandLineSupport
import Metrics
import OTel
import Prometheus
import ServiceLifecycle
import SyncWorker
import Tracing
import UnixSignals

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Consume ingress events and sync them to QuickBooks until SIGTERM (which drains and commits).")

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap()
        let configuration = try WorkerConfiguration.fromEnvironment()
        // Before any other thread starts (the signal trap's included), so none of them gets an
        // arena of its own.
        if configuration.mallocArenas > 0, cmalloc_set_arena_max(Int32(configuration.mallocArenas)) != 1 {
            logger.warning("glibc refused the arena cap; malloc keeps its default", metadata: ["arenas": "\(configuration.mallocArenas)"])
        }
        // Trapped before the start's long steps: a SIGTERM while the worker waits for PostgreSQL
        // or migrates stops it cleanly, where the default action would kill it mid-step.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory.qbsync(registry: registry))
        var tracer: any Tracer = NoOpTracer()
        var observability: [any Service] = []
        if configuration.traceExport == .otlp {
            let backend = try OTel.makeTracingBackend(configuration: .qbsyncTraces)
            tracer = backend.factory
            observability = [backend.service]
        }
        let stop = StopRequest()
        let listener = Task {
            for await signal in signals {
                logger.notice("stopping", metadata: ["signal": "\(signal)"])
                await stop.request()
            }
        }
        defer { listener.cancel() }
        let startup = Task {
            try await Worker(
                configuration: configuration, logger: logger, metricsRegistry: registry, tracer: tracer,
                observability: observability, gracefulShutdownSignals: [])
        }
        await stop.starting(startup)
        let worker: Worker
        do { worker = try await startup.value } catch {
            guard await stop.isRequested else { throw error }
            logger.notice("qbsync worker stopped while starting", metadata: ["error": "\(error)"])
            return
        }
        await stop.running(worker)
        try await worker.run()
    }
}

/// What a SIGTERM or SIGINT does depends on how far the worker got: while it starts, the start is
/// cancelled (it releases what it opened); once built, its graceful shutdown begins (a worker not
/// yet running starts its services and stops them at once). Signals after the first change nothing.
actor StopRequest {
    private(set) var isRequested = false
    private var startup: Task<Worker, any Error>?
    private var worker: Worker?

    func starting(_ task: Task<Worker, any Error>) {
        startup = task
        if isRequested { task.cancel() }
    }

    func running(_ worker: Worker) async {
        startup = nil
        self.worker = worker
        if isRequested { await worker.shutdown() }
    }

    func request() async {
        guard !isRequested else { return }
        isRequested = true
        startup?.cancel()
        await worker?.shutdown()
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

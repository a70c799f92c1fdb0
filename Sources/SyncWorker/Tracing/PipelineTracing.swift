import Kafka
import ServiceContextModule
import SyncCore
import Tracing

/// W3C trace context through the pipeline: read from the CloudEvents distributed-tracing
/// extension (or a `traceparent` Kafka header) on ingress, carried on what is stored (documents,
/// outbox rows) so work done later joins the same trace, and written onto the status events an
/// event causes. With tracing off the tracer is a no-op and nothing is written.
struct PipelineTracing: Sendable {
    let tracer: any Tracer

    init(tracer: any Tracer = NoOpTracer()) {
        self.tracer = tracer
    }

    /// The `traceparent`/`tracestate` of the span the current task runs in (empty when none, or
    /// with tracing off). Stores read it when they write a status event or a document.
    @TaskLocal static var current: TraceHeaders = TraceHeaders()

    /// Runs `body` in a span whose parent is `parent` (a stored or received context; none starts
    /// a new trace), with ``current`` set to the new span's headers.
    func span<T: Sendable>(
        _ name: String, parent: TraceHeaders? = nil, kind: SpanKind = .internal, attributes: [String: String] = [:],
        _ body: (any Span) async throws -> T
    ) async rethrows -> T {
        try await Self.run(tracer, name, parent: parent, kind: kind, attributes: attributes, body)
    }

    /// Records a span that already happened (decoding, timed before its parent's context was
    /// known) as a child of the current span.
    func record(_ name: String, from start: DefaultTracerClock.Instant, to end: DefaultTracerClock.Instant) {
        Self.record(tracer, name, from: start, to: end)
    }

    private static func record<Backend: Tracer>(
        _ tracer: Backend, _ name: String, from start: DefaultTracerClock.Instant,
        to end: DefaultTracerClock.Instant
    ) {
        let span = tracer.startSpan(name, context: ServiceContext.current ?? .topLevel, ofKind: .internal, at: start)
        span.end(at: end)
    }

    /// Opens the existential tracer, whose `withSpan` hands its own span type to the operation.
    private static func run<Backend: Tracer, T: Sendable>(
        _ tracer: Backend, _ name: String, parent: TraceHeaders?, kind: SpanKind, attributes: [String: String],
        _ body: (any Span) async throws -> T
    ) async rethrows -> T {
        var context = ServiceContext.current ?? .topLevel
        if let parent, !parent.isEmpty {
            context = .topLevel
            tracer.extract(parent, into: &context, using: TraceHeaders.Extract())
        }
        return try await tracer.withSpan(name, context: context, ofKind: kind) { span in
            for (key, value) in attributes { span.attributes[key] = value }
            var headers = TraceHeaders()
            tracer.inject(span.context, into: &headers, using: TraceHeaders.Inject())
            return try await $current.withValue(headers) { try await body(span) }
        }
    }
}

/// The two W3C Trace Context values, as carried in CloudEvents and Kafka headers.
struct TraceHeaders: Sendable, Hashable {
    var traceParent: String?
    var traceState: String?

    var isEmpty: Bool { traceParent == nil }

    /// From an ingress event: its envelope's extension attributes, else its Kafka headers.
    init(event: IngressEvent?, headers: [KafkaHeader]) {
        func header(_ name: String) -> String? {
            headers.last { $0.name.lowercased() == name }?.value.flatMap { String(validating: $0, as: UTF8.self) }
        }
        if let parent = event?.traceParent {
            traceParent = parent
            traceState = event?.traceState
        } else {
            traceParent = header("traceparent")
            traceState = header("tracestate")
        }
    }

    init(traceParent: String? = nil, traceState: String? = nil) {
        self.traceParent = traceParent
        self.traceState = traceState
    }

    /// As Kafka record headers.
    var kafkaHeaders: [KafkaHeader] {
        [("traceparent", traceParent), ("tracestate", traceState)].compactMap { name, value in
            value.map { KafkaHeader(name: name, value: Array($0.utf8)) }
        }
    }

    struct Extract: Extractor {
        func extract(key: String, from carrier: TraceHeaders) -> String? {
            switch key.lowercased() {
            case "traceparent": carrier.traceParent
            case "tracestate": carrier.traceState
            default: nil
            }
        }
    }

    struct Inject: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout TraceHeaders) {
            switch key.lowercased() {
            case "traceparent": carrier.traceParent = value
            case "tracestate": carrier.traceState = value
            default: break
            }
        }
    }
}

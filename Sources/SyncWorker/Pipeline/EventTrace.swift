import Tracing

/// The span one ingress event's work runs in: a consumer span continuing the producer's trace
/// (CloudEvents distributed-tracing extension, or a traceparent header), with the decoding (timed
/// before the trace context was known) and the apply step as its children.
struct EventTrace: Sendable {
    var name: String
    var parent: TraceHeaders
    var attributes: [String: String]
    var decodeStarted: DefaultTracerClock.Instant
    var decodeEnded: DefaultTracerClock.Instant

    /// Runs `body` as the event's apply step; `body` gets the apply span.
    func run<T: Sendable>(_ tracing: PipelineTracing, _ body: (any Span) async throws -> T) async rethrows -> T {
        try await tracing.span(name, parent: parent, kind: .consumer, attributes: attributes) { _ in
            tracing.record("qbsync.decode", from: decodeStarted, to: decodeEnded)
            return try await tracing.span("qbsync.apply") { span in try await body(span) }
        }
    }
}

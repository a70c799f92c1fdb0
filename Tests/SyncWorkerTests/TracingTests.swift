import Foundation
import Logging
import OTel
import SyncCore
import Testing
import Tracing

@testable import SyncWorker

/// W3C trace context through the pipeline, exported over OTLP/HTTP to a collector.
@Suite("Tracing", .timeLimit(.minutes(2)))
struct TracingTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let parentSpanID = "00f067aa0ba902b7"

    static func withTracedWorker(_ env: TestEnvironment, _ body: (TraceCollector) async throws -> Void) async throws {
        let collector = TraceCollector()
        let serving = Task { try await collector.serve(logger: env.logger) }
        var otel = OTel.Configuration.default
        otel.serviceName = "qbsync-test"
        otel.traces.enabled = true
        otel.metrics.enabled = false
        otel.logs.enabled = false
        otel.traces.otlpExporter.protocol = .httpJSON
        otel.traces.otlpExporter.endpoint = try await collector.endpoint
        otel.traces.batchSpanProcessor.scheduleDelay = .milliseconds(50)
        let backend = try OTel.makeTracingBackend(configuration: otel)
        let worker = try await Worker(
            configuration: env.workerConfiguration(), logger: env.logger, tracer: backend.factory,
            observability: [backend.service], gracefulShutdownSignals: [])
        let running = Task { try await worker.run() }
        do { try await body(collector) } catch {
            await worker.shutdown()
            try? await running.value
            serving.cancel()
            throw error
        }
        await worker.shutdown()
        try await running.value
        serving.cancel()
    }

    static func traced(_ message: TestEvents.Message) -> TestEvents.Message {
        var message = message
        var json = (try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]) ?? [:]
        json["traceparent"] = "00-\(traceID)-\(parentSpanID)-01"
        json["tracestate"] = "vendor=platform"
        message.value = Array((try? JSONSerialization.data(withJSONObject: json)) ?? Data())
        return message
    }

    @Test("an event's traceparent continues through its span, its QuickBooks calls, the write and the publish; the status events carry it")
    func traceContinues() async throws {
        try await TestEnvironment.with { env in
            try await env.connectFirm("f1")
            try await Self.withTracedWorker(env) { collector in
                try await env.send(Self.traced(TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1")))
                let synced = try await env.status.wait("f1:invoice:inv-1", is: "synced")
                #expect(
                    synced.traceParent?.contains(Self.traceID) == true,
                    "the status event is in the event's trace: \(synced.traceParent ?? "none")")
                #expect(synced.traceParentHeader == synced.traceParent, "and says so in its Kafka header")
                #expect(synced.traceParent?.contains(Self.parentSpanID) == false, "as a child of qbsync's own span")
                let account = try await env.status.wait("f1:account:a1", is: "synced")
                #expect(account.traceParent?.contains(Self.traceID) == true)

                try await env.eventually("the spans exported") {
                    let names = Set(await collector.spans(inTrace: Self.traceID).map(\.name))
                    return names.isSuperset(of: [
                        "qbsync.event invoice.upserted", "QuickBooks create customer", "qbsync.write create Invoice",
                        "QuickBooks create Invoice", "publish quickbooks.sync-status",
                    ])
                }
                let spans = await collector.spans(inTrace: Self.traceID)
                let event = try #require(spans.first { $0.name == "qbsync.event invoice.upserted" })
                #expect(event.parentSpanID == Self.parentSpanID, "the event's span is a child of the producer's")
                #expect(event.attributes["messaging.destination.name"] == "billing.invoices")
                let apply = try #require(spans.first { $0.name == "qbsync.apply" })
                let write = try #require(spans.first { $0.name == "qbsync.write create Invoice" })
                #expect(
                    write.parentSpanID == apply.spanID, "the write, done later by the pusher, continues the step that recorded the invoice")
                let call = try #require(spans.first { $0.name == "QuickBooks create Invoice" })
                #expect(call.parentSpanID == write.spanID)
                for step in ["qbsync.decode", "qbsync.apply"] {
                    #expect(spans.first { $0.name == step }?.parentSpanID == event.spanID, "\(step) is a step of the event's span")
                }
                let link = try #require(spans.first { $0.name == "QuickBooks create customer" })
                #expect(link.parentSpanID == apply.spanID, "the account's link is part of applying the event")
            }
        }
    }

    @Test("a traceparent Kafka header is honoured when the envelope has none; without either, each event starts its own trace")
    func kafkaHeader() async throws {
        try await TestEnvironment.with { env in
            try await env.connectFirm("f1")
            try await Self.withTracedWorker(env) { collector in
                let message = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme", invoice: "inv-1")
                _ = try await env.producer.send(
                    topic: message.topic, key: Array(message.key.utf8), value: message.value,
                    headers: [.init(name: "traceparent", value: Array("00-\(Self.traceID)-\(Self.parentSpanID)-01".utf8))])
                try await env.send(TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme", invoice: "inv-2"))
                let first = try await env.status.wait("f1:invoice:inv-1", is: "synced")
                let second = try await env.status.wait("f1:invoice:inv-2", is: "synced")
                #expect(first.traceParent?.contains(Self.traceID) == true)
                let secondTrace = try #require(second.traceParent?.split(separator: "-").dropFirst().first.map(String.init))
                #expect(secondTrace != Self.traceID && secondTrace.count == 32, "a new trace of its own")
                try await env.eventually("the event's span exported") {
                    await collector.spans(inTrace: Self.traceID).contains {
                        $0.name == "qbsync.event invoice.upserted" && $0.parentSpanID == Self.parentSpanID
                    }
                }
            }
        }
    }
}

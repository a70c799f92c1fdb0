import Foundation
import Hummingbird
import Logging
import NIOCore

/// A stand-in OpenTelemetry collector: accepts OTLP/HTTP JSON on `POST /v1/traces` (as a real
/// collector does) and keeps every span it receives, ids hex-encoded.
actor TraceCollector {
    struct Span: Sendable, Hashable {
        var traceID: String
        var spanID: String
        var parentSpanID: String
        var name: String
        var attributes: [String: String]
    }

    private(set) var spans: [Span] = []
    private var port: Int?

    func receive(_ body: Data) {
        guard let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return }
        func hex(_ value: Any?) -> String {
            guard let text = value as? String, let bytes = Data(base64Encoded: text) else { return "" }
            return bytes.map { String(format: "%02x", $0) }.joined()
        }
        for resource in json["resourceSpans"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    var attributes: [String: String] = [:]
                    for attribute in span["attributes"] as? [[String: Any]] ?? [] {
                        if let key = attribute["key"] as? String,
                            let value = (attribute["value"] as? [String: Any])?["stringValue"] as? String
                        {
                            attributes[key] = value
                        }
                    }
                    spans.append(
                        Span(
                            traceID: hex(span["traceId"]), spanID: hex(span["spanId"]), parentSpanID: hex(span["parentSpanId"]),
                            name: span["name"] as? String ?? "", attributes: attributes))
                }
            }
        }
    }

    func spans(inTrace traceID: String) -> [Span] { spans.filter { $0.traceID == traceID } }

    func listening(at port: Int) { self.port = port }

    var endpoint: String {
        get async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while port == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            guard let port else { throw CollectorNotListening() }
            return "http://127.0.0.1:\(port)/v1/traces"
        }
    }

    struct CollectorNotListening: Error {}

    /// Serves until cancelled.
    func serve(logger: Logger) async throws {
        let router = Router()
        router.post("/v1/traces") { [self] request, context -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            await self.receive(Data(buffer: body))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let application = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { [self] channel in await self.listening(at: channel.localAddress?.port ?? 0) },
            logger: logger)
        try await application.run()
    }
}

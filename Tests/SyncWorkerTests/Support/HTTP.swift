import AsyncHTTPClient
import NIOCore

@testable import SyncWorker

/// Minimal HTTP calls for tests of the worker's own endpoints.
enum HTTP {
    static func status(_ method: String, _ url: String, token: String? = nil, body: String? = nil) async throws -> UInt {
        try await response(method, url, token: token, body: body).status
    }

    /// The status and the body as text.
    static func response(
        _ method: String, _ url: String, token: String? = nil, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> (status: UInt, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: bytes))
    }
}

/// Hands a bound port from the server's callback to the test.
actor PortBox {
    private var port: Int?
    func set(_ value: Int) { port = value }
    func value() async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while port == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        guard let port else { throw PortNotBound() }
        return port
    }
    struct PortNotBound: Error {}
}

extension TestEnvironment {
    /// Runs a worker with `configuration` (the environment's by default) until `body` returns;
    /// `body` gets the port its HTTP server listens on.
    func withHTTPWorker(_ configuration: WorkerConfiguration? = nil, _ body: (Int) async throws -> Void) async throws {
        let port = PortBox()
        let worker = try await Worker(
            configuration: configuration ?? workerConfiguration(), logger: logger, gracefulShutdownSignals: [],
            onHTTPListening: { await port.set($0) })
        let running = Task { try await worker.run() }
        do { try await body(try await port.value()) } catch {
            await worker.shutdown()
            try? await running.value
            throw error
        }
        await worker.shutdown()
        try await running.value
    }
}

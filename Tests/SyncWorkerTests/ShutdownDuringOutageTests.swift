import Foundation
import Testing

@testable import SyncWorker

/// SIGTERM while PostgreSQL is down must not hang until SIGKILL: the drain has a budget, past it
/// the handlers are cancelled, and what they had not finished is redone by the next worker.
///
/// Stops the shared PostgreSQL server, so scripts/test.sh runs it on its own, with the restart tests.
@Suite("ShutdownDuringOutage", .serialized, .timeLimit(.minutes(4)))
struct ShutdownDuringOutageTests {
    @Test("SIGTERM while PostgreSQL is down exits within the shutdown budget; a new worker then applies every event exactly once")
    func sigtermWithDatabaseDown() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let httpPort = try Self.freePort()
            let drainMilliseconds = 3_000
            let environment = [
                "QBSYNC_DATABASE_URL": env.databaseURL, "QBSYNC_KAFKA_BOOTSTRAP_SERVERS": env.cluster.bootstrapServers,
                "QBSYNC_KAFKA_MOCK_CLUSTER": "1", "QBSYNC_KAFKA_GROUP": "qbsync-shutdown",
                "QBSYNC_QBO_API_URL": env.endpoint.apiBaseURL, "QBSYNC_QBO_TOKEN_URL": env.endpoint.tokenURL,
                "QBSYNC_TOKEN_KEY": Data(env.tokenKey).base64EncodedString(), "QBSYNC_HTTP_HOST": "127.0.0.1",
                "QBSYNC_HTTP_PORT": String(httpPort), "QBSYNC_DRAIN_TIMEOUT_MS": String(drainMilliseconds),
                "QBSYNC_READINESS_INTERVAL_MS": "200", "QBSYNC_SWEEP_INTERVAL_MS": "200", "QBSYNC_DATABASE_POOL_SIZE": "4",
            ]
            let logs = FileManager.default.temporaryDirectory.appendingPathComponent("qbsync-shutdown-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
            let binary = try WorkerProcess.binary()
            let first = WorkerProcess(name: "first", binary: binary, environment: environment, logDirectory: logs)
            try first.start()
            let readyz = "http://127.0.0.1:\(httpPort)/readyz"
            try await env.eventually("the first worker is ready", timeout: .seconds(60)) { (try? await HTTP.status("GET", readyz)) == 200 }
            let before = (1...5).map {
                TestEvents.invoiceUpserted(firm: "f1", account: "a\($0)", name: "Client \($0)", invoice: "inv-\($0)")
            }
            try await env.send(before)
            for index in 1...5 { _ = try await env.status.wait("f1:invoice:inv-\(index)", is: "synced", timeout: .seconds(60)) }

            try await PostgresServer.run("stop")
            do {
                // Consumed while the database is away: their handlers keep retrying.
                let during = (6...15).map {
                    TestEvents.invoiceUpserted(firm: "f1", account: "a\($0)", name: "Client \($0)", invoice: "inv-\($0)")
                }
                try await env.send(during)
                try await env.eventually("the worker sees PostgreSQL gone", timeout: .seconds(30)) {
                    let answer = try? await HTTP.response("GET", readyz)
                    return answer?.status == 503 && answer?.body.contains("\"database\":false") == true
                }
                let budget = try WorkerConfiguration.fromEnvironment(environment).shutdownBudget
                let started = ContinuousClock.now
                let status = try await first.terminate()
                let took = ContinuousClock.now - started
                print("SIGTERM with PostgreSQL down: exit status \(status) after \(took) (budget \(budget))")
                #expect(took < budget, "the worker exits within its shutdown budget")
            } catch {
                try? await PostgresServer.run("start")
                throw error
            }
            try await PostgresServer.run("start")

            let second = WorkerProcess(name: "second", binary: binary, environment: environment, logDirectory: logs)
            try second.start()
            for index in 6...15 { _ = try await env.status.wait("f1:invoice:inv-\(index)", is: "synced", timeout: .seconds(90)) }
            #expect(try await second.terminate() == 0)
            let invoices = try await env.objects(realm: realm, .invoice)
            #expect(invoices.count == 15, "every invoice in QuickBooks once")
            let ledger = try await env.database.withConnection { connection in
                try await connection.query("select count(*)::bigint as n from processed_events where event_type = 'invoice.upserted'")
            }
            #expect(try ledger.first?.decode(Int64.self, "n") == 15, "every event applied once")
        }
    }

    /// A TCP port nothing listens on right now, for a worker process whose /readyz the test reads.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StatusStream.StreamFailed(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw StatusStream.StreamFailed(message: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

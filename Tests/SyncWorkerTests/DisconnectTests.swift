import Foundation
import QuickBooks
import QuickBooksSandbox
import Testing

@testable import SyncWorker

/// Disconnecting a firm revokes its tokens at Intuit, forgets them, says so once on the firm, and
/// holds its work until it connects again, which resumes it with nothing doubled.
@Suite("Disconnecting a firm", .timeLimit(.minutes(2)))
struct DisconnectTests {
    @Test("disconnect revokes and forgets the tokens and holds the firm's work; reconnecting resumes it, nothing doubled")
    func disconnectAndReconnect() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let port = PortBox()
            let worker = try await Worker(
                configuration: env.workerConfiguration(), logger: env.logger, gracefulShutdownSignals: [],
                onHTTPListening: { await port.set($0) })
            let running = Task { try await worker.run() }
            let base = "http://127.0.0.1:\(try await port.value())"
            try await env.send(TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Client", invoice: "inv-1"))
            _ = try await env.status.wait("f1:invoice:inv-1", is: "synced")
            let sealed = try await env.database.withConnection {
                try await $0.query("select refresh_token from firms where firm_id = 'f1'")
            }
            let refreshToken = try TokenCipher(keyMaterial: env.tokenKey).open(
                try #require(sealed.first).decode([UInt8].self, "refresh_token"), firmID: "f1")

            let answer = try await HTTP.response("DELETE", "\(base)/admin/firms/f1/connection", token: "test-admin-token")
            #expect(answer.status == 200 && answer.body.contains("\"changed\":true"), "\(answer.body)")
            let firm = try await env.status.wait("f1:firm:f1", is: "not_synced", detailContaining: "disconnected")
            #expect(firm.errorCode == "disconnected")
            // Revoked at Intuit: the old refresh token no longer works; forgotten here.
            let client = QuickBooksClient(configuration: env.workerConfiguration().quickBooks, logger: env.logger)
            await #expect(throws: QuickBooksError.self) { try await client.refreshTokens(refreshToken) }
            let stored = try await env.database.withConnection {
                try await $0.query("select octet_length(refresh_token) as n, access_token from firms where firm_id = 'f1'")
            }
            #expect(try stored.first?.decode(Int.self, "n") == 0)
            #expect(try stored.first?.decode([UInt8]?.self, "access_token") == nil)
            // Disconnecting again changes nothing and says so.
            #expect(
                try await HTTP.response("DELETE", "\(base)/admin/firms/f1/connection", token: "test-admin-token").body.contains(
                    "\"changed\":false"))
            #expect(try await HTTP.status("DELETE", "\(base)/admin/firms/nobody/connection", token: "test-admin-token") == 404)

            // Work that arrives meanwhile waits, and the firm is not reported failed for it.
            try await env.send(
                TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Client", invoice: "inv-2"),
                TestEvents.invoiceUpserted(firm: "f1", account: "a2", name: "Other client", invoice: "inv-3"))
            _ = try await env.status.wait("f1:invoice:inv-2", is: "syncing")
            #expect(try await env.objects(realm: realm, .invoice).count == 1)

            _ = try await env.reconnectFirm("f1", realm: realm)
            _ = try await env.status.wait("f1:firm:f1", is: "synced")
            _ = try await env.status.wait("f1:invoice:inv-2", is: "synced", timeout: .seconds(30))
            _ = try await env.status.wait("f1:invoice:inv-3", is: "synced", timeout: .seconds(30))
            let events = await env.status.events
            #expect(
                events.filter { $0.key == "f1:firm:f1" }.map(\.status) == ["synced", "not_synced", "synced"], "the firm's status, once each"
            )
            #expect(try await env.objects(realm: realm, .invoice).count == 3, "nothing doubled")
            #expect(try await env.customers(realm: realm).count == 2)
            await worker.shutdown()
            try await running.value
        }
    }
}

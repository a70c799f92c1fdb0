import Foundation
import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@testable import SyncWorker

/// Disconnecting a firm revokes its tokens at Intuit, forgets them, says so once on the firm, and
/// holds its work until it connects again, which resumes it with nothing doubled.
@Suite("Disconnecting a firm", .timeLimit(.minutes(2)))
struct DisconnectTests {
    /// Connects firm f1, runs a worker with its admin API (`base`) and syncs a first invoice of
    /// account a1, then runs `body`.
    private static func withConnectedFirm(
        _ env: TestEnvironment, _ body: (_ realm: String, _ base: String) async throws -> Void
    ) async throws {
        let realm = try await env.connectFirm("f1")
        try await env.withHTTPWorker { port in
            try await env.send(TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Client", invoice: "inv-1"))
            _ = try await env.status.wait("f1:invoice:inv-1", is: "synced")
            try await body(realm, "http://127.0.0.1:\(port)")
        }
    }
    @Test("disconnect revokes and forgets the tokens and holds the firm's work; reconnecting resumes it, nothing doubled")
    func disconnectAndReconnect() async throws {
        try await TestEnvironment.with { env in
            try await Self.withConnectedFirm(env) { realm, base in
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
                    events.filter { $0.key == "f1:firm:f1" }.map(\.status) == ["synced", "not_synced", "synced"],
                    "the firm's status, once each"
                )
                #expect(try await env.objects(realm: realm, .invoice).count == 3, "nothing doubled")
                #expect(try await env.customers(realm: realm).count == 2)
            }
        }
    }

    @Test("an account parked for the connection while the firm reconnects (the reconnect could not see it yet) is linked, not left waiting")
    func parkedWhileReconnecting() async throws {
        try await TestEnvironment.with { env in
            try await Self.withConnectedFirm(env) { realm, base in
                let answer = try await HTTP.response("DELETE", "\(base)/admin/firms/f1/connection", token: "test-admin-token")
                #expect(answer.status == 200, "\(answer.body)")
                _ = try await env.status.wait("f1:firm:f1", is: "not_synced")

                // The consumer parks a new account's link for the connection, then waits to enter its
                // event in the ledger (this transaction holds the same id, uncommitted) while the
                // firm reconnects: the reconnect cannot see the parked link, which commits after it.
                let message = TestEvents.invoiceUpserted(firm: "f1", account: "a2", name: "New client", invoice: "inv-2")
                let eventID = try IngressEvent.decode(value: message.value, key: Array(message.key.utf8)).id
                try await env.database.withTransaction { holder in
                    _ = try await holder.execute(
                        "insert into processed_events (event_id, firm_id, event_type, worker_id) values ($1, 'f1', 'test.hold', 'test')",
                        [.text(eventID)])
                    try await env.send(message)
                    try await env.eventually("the consumer waits to enter the event") { try await env.backendsWaitingForLocks() == 1 }
                    _ = try await env.reconnectFirm("f1", realm: realm)
                    _ = try await holder.execute("delete from processed_events where event_id = $1", [.text(eventID)])
                }
                _ = try await env.status.wait("f1:invoice:inv-2", is: "synced", timeout: .seconds(30))
                #expect(await env.status.entity("f1:firm:f1").map(\.status) == ["synced", "not_synced", "synced"])
                #expect(try await env.customers(realm: realm).count == 2)
            }
        }
    }

    @Test("a connection failure of a call that began before the firm's reconnect does not disconnect it again; a later one does, once")
    func connectionLossAcrossAReconnect() async throws {
        try await TestEnvironment.with { env in
            let before = Date()
            try await env.connectFirm("f1")
            let problem = QuickBooksProblem(kind: .authentication, code: "invalid_grant", message: "the refresh token was revoked")
            func record(_ started: Date) async throws -> FirmStore.ConnectionLoss {
                try await env.database.withTransaction { connection in
                    try await FirmStore.recordConnectionLost(
                        firmID: "f1", problem, causedBy: "test", statusTopic: "status", callStarted: started, on: connection)
                }
            }
            func status() async throws -> String? {
                try await env.database.withConnection { connection in
                    try await connection.query("select connection_status from firms where firm_id = 'f1'").first?.decode(
                        String.self, "connection_status")
                }
            }
            #expect(try await record(before) == .reconnectedSince)
            #expect(try await status() == "synced")
            #expect(try await record(Date()) == .recorded)
            #expect(try await status() == "failed")
            #expect(try await record(Date()) == .known)
        }
    }
}

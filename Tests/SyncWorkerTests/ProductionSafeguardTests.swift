import Foundation
import Kafka
import Logging
import Postgres
import QuickBooks
import QuickBooksSandbox
import Testing

@testable import SyncWorker

/// What stops a real deployment or quietly corrupts a firm's books, each broken on purpose:
/// an outbox row Kafka refuses, inputs that are wrong in ways JSON does not show, a connect
/// request that would burn a refresh token, readiness that must turn red, a worker with the
/// wrong token key, and a ledger that must not grow forever.
@Suite("Production safeguards", .timeLimit(.minutes(3)))
struct ProductionSafeguardTests {
    @Test("a dead letter Kafka refuses does not hold back other firms' status events, and is kept, set aside")
    func refusedDeadLetterSetAside() async throws {
        try await TestEnvironment.with { env in
            _ = try await env.connectFirm("f2")
            // Larger than the worker accepts, so it is dead-lettered; larger than its producer may send, so Kafka refuses it.
            var bigProducerConfiguration = KafkaProducerConfiguration(
                connection: KafkaConfiguration(bootstrapServers: env.cluster.bootstrapServers))
            bigProducerConfiguration.properties["message.max.bytes"] = "4000000"
            let bigProducer = try KafkaProducer(configuration: bigProducerConfiguration, logger: env.logger)
            let huge = Array(String(repeating: "x", count: 1_500_000).utf8)
            _ = try await bigProducer.send(topic: "billing.invoices", key: Array("f1".utf8), value: huge)
            try await bigProducer.shutdown()
            let worker = try await env.startWorker()
            try await env.eventually("the oversized dead letter is set aside") {
                try await env.database.withConnection { connection in
                    try await connection.query("select set_aside_reason from outbox where set_aside_at is not null")
                }.contains { (try $0.decode(String?.self, "set_aside_reason") ?? "").contains("MSG_SIZE_TOO_LARGE") }
            }
            for index in 1...5 {
                try await env.send(TestEvents.syncRequested(firm: "f2", account: "a\(index)", name: "Client \(index)"))
            }
            let events = try await env.status.wait(for: "five accounts of f2 synced") { events in
                (1...5).allSatisfy { index in events.contains { $0.key == "f2:account:a\(index)" && $0.status == "synced" } }
            }
            let published = events.filter { $0.firmID == "f2" }.map { "\($0.key)#\($0.sequence)" }
            #expect(published.count == Set(published).count, "each status event published once: \(published)")
            let stillPending = try await env.database.withConnection { connection in
                try await connection.query(
                    "select count(*)::bigint as n from outbox where set_aside_at is not null and published_at is null")
            }
            #expect(try stillPending.first?.decode(Int64.self, "n") == 1, "the dead letter is kept, not lost")
            let held = try await OutboxSetAside.list(env.database)
            #expect(held.count == 1 && held.first?.topic == "qbsync.dead-letter" && (held.first?.bytes ?? 0) >= 1_500_000)
            // Released while the cause stands, it is refused and set aside again: nothing is lost either way.
            #expect(try await OutboxSetAside.release(nil, from: env.database) == 1)
            let firstSetAside = try #require(held.first).setAsideAt
            try await env.eventually("set aside again") {
                try await OutboxSetAside.list(env.database).contains { $0.setAsideAt > firstSetAside }
            }
            try await worker.stop()
        }
    }

    @Test("a message without a key, or with more decimals than its currency has, is dead-lettered and nothing reaches QuickBooks")
    func inputsSilentlyWrong() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            let keyless = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Keyless", invoice: "inv-keyless")
            try await env.sendRaw(topic: keyless.topic, key: nil, value: keyless.value)
            let precise = TestEvents.payment(firm: "f1", account: "a2", name: "Precise", payment: "p-precise", amount: "99.999")
            try await env.send(precise)
            let letters = try await DeadLetterReader.read(count: 2, bootstrapServers: env.cluster.bootstrapServers, logger: env.logger)
            let reasons = letters.map { $0.header(named: "qbsync-dlq-reason")?.stringValue ?? "" }.sorted()
            #expect(reasons == ["invalid_field", "key_mismatch"])
            #expect(letters.contains { $0.header(named: "qbsync-dlq-error")?.stringValue?.contains("at most 2 decimals") == true })
            // A valid event after them is applied, so they were not merely still queued.
            try await env.send(TestEvents.invoiceUpserted(firm: "f1", account: "a3", name: "Valid", invoice: "inv-valid"))
            _ = try await env.status.wait("f1:invoice:inv-valid", is: "synced")
            #expect(try await env.objects(realm: realm, .invoice).count == 1)
            #expect(try await env.objects(realm: realm, .payment).isEmpty)
            // A refund carries no currency: its payment's decides, before anything reaches QuickBooks.
            try await env.send(TestEvents.payment(firm: "f1", account: "a3", name: "Valid", payment: "p-ok", amount: "100.00"))
            _ = try await env.status.wait("f1:payment:p-ok", is: "synced")
            try await env.send(
                TestEvents.refund(firm: "f1", account: "a3", payment: "p-ok", refund: "r-precise", amount: "10.005", revision: 2))
            _ = try await env.status.wait("f1:payment:p-ok", is: "failed", detailContaining: "USD amounts have at most 2 decimals")
            #expect(try await env.objects(realm: realm, .refundReceipt).isEmpty)
            try await worker.stop()
        }
    }

    @Test("a refused connect request spends no refresh token; errors answer JSON; unknown firms are 404; ids are percent-decoded")
    func adminConnectValidatesFirst() async throws {
        try await TestEnvironment.with { env in
            let port = PortBox()
            let worker = try await Worker(
                configuration: env.workerConfiguration(), logger: env.logger, gracefulShutdownSignals: [],
                onHTTPListening: { await port.set($0) })
            let running = Task { try await worker.run() }
            let base = "http://127.0.0.1:\(try await port.value())"
            let token = "test-admin-token"
            let grant = env.sandbox.inspector.createRealm(companyName: "Firm a b")
            let client = QuickBooksClient(configuration: env.workerConfiguration().quickBooks, logger: env.logger)
            let tokens = try await client.exchangeAuthorizationCode(grant.authorizationCode, redirectURI: "http://localhost/callback")
            func connect(_ firm: String) -> String {
                // With settings beside the credentials, as `qbsync firm connect` takes them.
                let body: [String: Any] = [
                    "firm_id": firm, "realm_id": grant.realmId, "refresh_token": tokens.refreshToken, "policy": "all_accounts",
                    "sync_start_date": "2026-11-01", "manual_payments_sync": false, "quickbooks_changes": "report",
                ]
                return String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            }
            for bad in ["bad\u{0}firm", "", "   "] {
                let answer = try await HTTP.response("POST", "\(base)/admin/firms", token: token, body: connect(bad))
                #expect(answer.status == 400, "\(bad.debugDescription): \(answer.body)")
                #expect(answer.body.contains("firm_id"), "the body says what is wrong: \(answer.body)")
            }
            // The refresh token was not spent by the refused requests: it still connects.
            let connected = try await HTTP.response("POST", "\(base)/admin/firms", token: token, body: connect("a b"))
            #expect(connected.status == 200, "\(connected.body)")
            let stored = try await env.database.withConnection { try await FirmStore.load(firmID: "a b", on: $0) }
            #expect(stored?.policy == .allAccounts)
            #expect(stored?.syncStartDate?.description == "2026-11-01")
            #expect(stored?.manualPaymentsSync == false)
            #expect(try await HTTP.status("GET", "\(base)/admin/firms/a%20b/accounts", token: token) == 200)
            let unknown = try await HTTP.response("GET", "\(base)/admin/firms/nobody/accounts", token: token)
            #expect(unknown.status == 404)
            #expect(unknown.body.contains("nobody"))
            // A spent token is refused by Intuit: a clear 502, not an empty 500.
            let spent = try await HTTP.response("POST", "\(base)/admin/firms", token: token, body: connect("a b"))
            #expect(spent.status == 502 && spent.body.contains("invalid_grant"), "\(spent.body)")
            await worker.shutdown()
            try await running.value
        }
    }

    @Test("readiness turns red while the brokers or PostgreSQL are away, and green when they are back")
    func readinessFollowsDependencies() async throws {
        try await TestEnvironment.with { env in
            let port = PortBox()
            var configuration = env.workerConfiguration()
            configuration.readinessInterval = .milliseconds(200)
            let worker = try await Worker(
                configuration: configuration, logger: env.logger, gracefulShutdownSignals: [],
                onHTTPListening: { await port.set($0) })
            let running = Task { try await worker.run() }
            let readyz = "http://127.0.0.1:\(try await port.value())/readyz"
            try await env.eventually("ready") { try await HTTP.status("GET", readyz) == 200 }

            try env.cluster.setBrokerDown(1)
            try await env.eventually("not ready while the broker is down") {
                let answer = try await HTTP.response("GET", readyz)
                return answer.status == 503 && answer.body.contains("\"kafka\":false")
            }
            try env.cluster.setBrokerUp(1)
            try await env.eventually("ready again") { try await HTTP.status("GET", readyz) == 200 }

            // PostgreSQL refuses the worker's connections: no new ones, and its open ones are closed.
            let database = try await env.database.withConnection { try await $0.query("select current_database() as name") }
            let name = try #require(database.first).decode(String.self, "name")
            try await env.database.withConnection { connection in
                _ = try await connection.execute("alter database \"\(name)\" connection limit 0")
                _ = try await connection.query(
                    """
                    select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'qbsync-worker'
                    """)
            }
            try await env.eventually("not ready while PostgreSQL refuses the worker") {
                let answer = try await HTTP.response("GET", readyz)
                return answer.status == 503 && answer.body.contains("\"database\":false")
            }
            try await env.database.withConnection { _ = try await $0.execute("alter database \"\(name)\" connection limit -1") }
            try await env.eventually("ready again") { try await HTTP.status("GET", readyz) == 200 }
            await worker.shutdown()
            try await running.value
        }
    }

    @Test("a worker started with another token key is not ready, says why, and does not join the consumer group")
    func differentTokenKey() async throws {
        try await TestEnvironment.with { env in
            _ = try await env.connectFirm("f1")
            // The first worker seals the check value with the right key.
            let first = try await env.startWorker()
            try await first.stop()
            let port = PortBox()
            var configuration = env.workerConfiguration()
            configuration.tokenKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
            let worker = try await Worker(
                configuration: configuration, logger: env.logger, gracefulShutdownSignals: [],
                onHTTPListening: { await port.set($0) })
            let running = Task { try await worker.run() }
            let readyz = "http://127.0.0.1:\(try await port.value())/readyz"
            let answer = try await HTTP.response("GET", readyz)
            #expect(answer.status == 503)
            #expect(answer.body.contains("\"token_key\":false") && answer.body.contains("QBSYNC_TOKEN_KEY differs"), "\(answer.body)")
            #expect(answer.body.contains("\"consumer\":false"))
            await worker.shutdown()
            try await running.value
        }
    }

    @Test("a firm whose tokens this worker's key cannot open is reported once, on the firm, not as account failures")
    func unreadableFirmTokens() async throws {
        try await TestEnvironment.with { env in
            _ = try await env.connectFirm("f1")
            _ = try await env.connectFirm("f2")
            // f1's tokens were sealed with a key no worker has (restored from another environment, say).
            let stranger = try TokenCipher(keyMaterial: (0..<32).map { _ in UInt8.random(in: 0...255) })
            try await env.database.withConnection { connection in
                _ = try await connection.execute(
                    "update firms set refresh_token = $1, access_token = $2 where firm_id = 'f1'",
                    [
                        .bytea(try stranger.seal("refresh", firmID: "f1")), .bytea(try stranger.seal("access", firmID: "f1")),
                    ])
            }
            let worker = try await env.startWorker()
            for index in 1...3 {
                try await env.send(
                    TestEvents.invoiceUpserted(firm: "f1", account: "a\(index)", name: "Client \(index)", invoice: "inv-\(index)"))
            }
            try await env.send(TestEvents.invoiceUpserted(firm: "f2", account: "b1", name: "Other", invoice: "inv-b1"))
            let firm = try await env.status.wait("f1:firm:f1", is: "failed", detailContaining: "token key differs")
            #expect(firm.errorCode == "token_key")
            _ = try await env.status.wait("f2:invoice:inv-b1", is: "synced")
            let events = await env.status.events
            #expect(events.filter { $0.key == "f1:firm:f1" && $0.status == "failed" }.count == 1, "reported once")
            #expect(!events.contains { $0.firmID == "f1" && $0.entity == "account" && $0.status == "failed" }, "no account failed for it")
            try await worker.stop()
        }
    }

    @Test("ledger entries older than the retention are deleted; newer ones stay")
    func ledgerRetention() async throws {
        try await TestEnvironment.with { env in
            try await Migrator(database: env.database, logger: env.logger).migrate()
            try await env.database.withConnection { connection in
                _ = try await connection.execute(
                    """
                    insert into processed_events (event_id, firm_id, event_type, processed_at)
                    select 'old-' || n, 'f1', 'invoice.upserted', now() - interval '9 days' from generate_series(1, 25) n
                    union all select 'new-' || n, 'f1', 'invoice.upserted', now() - interval '7 days' from generate_series(1, 5) n
                    """)
            }
            let job = RetentionJob(database: env.database, ledgerRetention: .seconds(8 * 24 * 3600), chunk: 10, logger: env.logger)
            #expect(try await job.runOnce() == 25)
            let left = try await env.database.withConnection {
                try await $0.query("select event_id from processed_events order by event_id")
            }
            #expect(try left.map { try $0.decode(String.self, "event_id") }.allSatisfy { $0.hasPrefix("new-") })
            #expect(left.count == 5)
        }
    }
}

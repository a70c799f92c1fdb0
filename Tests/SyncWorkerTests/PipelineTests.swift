import Foundation
import Kafka
import Postgres
import Testing

@testable import SyncWorker

@Suite("Pipeline: consumer group, dead letters, shutdown", .timeLimit(.minutes(3)))
struct PipelineTests {
    @Test("three workers in one group share the partitions and every event is handled once")
    func consumerGroup() async throws {
        try await TestEnvironment.with { env in
            let firms = (1...12).map { "firm-\($0)" }
            var realms: [String: String] = [:]
            for firm in firms { realms[firm] = try await env.connectFirm(firm) }
            let workers = [try await env.startWorker(), try await env.startWorker(), try await env.startWorker()]
            var messages: [TestEvents.Message] = []
            for firm in firms {
                for account in 1...5 {
                    messages.append(TestEvents.invoiceUpserted(firm: firm, account: "acct-\(account)", name: "\(firm) client \(account)"))
                    messages.append(TestEvents.invoiceUpserted(firm: firm, account: "acct-\(account)", name: "\(firm) client \(account)"))
                }
            }
            try await env.send(messages)
            let expected = messages.count
            try await env.eventually("all \(expected) events handled", timeout: .seconds(60)) {
                try await env.database.withConnection { try await $0.query("select 1 from processed_events").count == expected }
            }
            try await env.status.wait(timeout: .seconds(30), for: "every account synced") { events in
                firms.allSatisfy { firm in
                    (1...5).allSatisfy { a in events.contains { $0.key == "\(firm):account:acct-\(a)" && $0.status == "synced" } }
                }
            }
            let perWorker = try await env.database.withConnection { connection in
                try await connection.query("select worker_id, count(*)::bigint as n from processed_events group by worker_id")
            }
            #expect(perWorker.count == 3, "each of the three workers applied some events")
            for firm in firms {
                let customers = try await env.customers(realm: realms[firm] ?? "")
                #expect(customers.count == 5, "one customer per account in \(firm), none twice")
            }
            for worker in workers { try await worker.stop() }
            let statuses = await env.status.events.filter { $0.entity == "account" }
            #expect(statuses.count == firms.count * 5 * 2, "syncing and synced once per account, nothing doubled")
        }
    }

    @Test("a message that cannot be applied goes to the dead-letter topic unchanged, with headers saying why")
    func deadLetters() async throws {
        try await TestEnvironment.with { env in
            _ = try await env.connectFirm("f1")
            let dlq = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(
                    connection: KafkaConfiguration(bootstrapServers: env.cluster.bootstrapServers), groupID: "dlq-reader",
                    topics: ["qbsync.dead-letter"]
                ).tunedForMockCluster(),
                logger: env.logger)
            let worker = try await env.startWorker()
            try await env.sendRaw(topic: "billing.invoices", key: Array("f1".utf8), value: Array("{not json".utf8))
            try await env.send(
                TestEvents.envelope(type: "invoice.exploded", topic: "billing.invoices", firm: "f1", data: ["firm_id": "f1"]))
            try await env.send(TestEvents.accountUpserted(firm: "f1", account: "a1", name: "After the bad ones"))
            var received: [KafkaMessage] = []
            for try await event in dlq.events {
                if case .message(let message) = event {
                    ContractSamples.deadLetter(message)
                    received.append(message)
                }
                if received.count == 2 { break }
            }
            try await dlq.close()
            let first = try #require(received.first { $0.header(named: "qbsync-dlq-reason")?.stringValue == "not_json" })
            #expect(first.value == Array("{not json".utf8))
            #expect(first.key == Array("f1".utf8))
            #expect(first.header(named: "qbsync-dlq-original-topic")?.stringValue == "billing.invoices")
            #expect(first.header(named: "qbsync-dlq-original-offset")?.stringValue == "0")
            #expect(first.header(named: "qbsync-dlq-consumer-group")?.stringValue == "qbsync-test")
            #expect(first.header(named: "qbsync-dlq-original-partition") != nil)
            #expect(first.header(named: "qbsync-dlq-attempts")?.stringValue == "1")
            let second = try #require(received.first { $0.header(named: "qbsync-dlq-reason")?.stringValue == "unknown_type" })
            #expect(second.header(named: "qbsync-dlq-error")?.stringValue?.contains("invoice.exploded") == true)
            // The partition kept flowing past the bad messages.
            try await env.status.wait(for: "the good account") { $0.contains { $0.key == "f1:account:a1" } }
            try await worker.stop()
        }
    }

    @Test("a graceful shutdown commits what was done, and a new worker continues without redoing it")
    func shutdownAndResume() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let first = try await env.startWorker()
            try await env.send((1...10).map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "Client \($0)") })
            try await env.status.wait(for: "ten synced") { events in
                (1...10).allSatisfy { i in events.contains { $0.key == "f1:account:a\(i)" && $0.status == "synced" } }
            }
            try await first.stop()
            let second = try await env.startWorker()
            try await env.send((11...15).map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "Client \($0)") })
            try await env.status.wait(for: "five more synced") { events in
                (11...15).allSatisfy { i in events.contains { $0.key == "f1:account:a\(i)" && $0.status == "synced" } }
            }
            try await second.stop()
            let workersPerEvent = try await env.database.withConnection { connection in
                try await connection.query(
                    "select count(distinct worker_id)::bigint as n from processed_events where event_type = 'account.sync_requested'")
            }
            #expect(try workersPerEvent.first?.decode(Int64.self, "n") == 2)
            #expect(try await env.customers(realm: realm).count == 15)
            #expect(await env.status.events.filter { $0.entity == "account" }.count == 30)
        }
    }

    @Test("the admin endpoint refuses requests without the bearer token")
    func adminAuthentication() async throws {
        try await TestEnvironment.with { env in
            let port = PortBox()
            var configuration = env.workerConfiguration()
            configuration.httpPort = 0
            let worker = try await Worker(
                configuration: configuration, logger: env.logger, gracefulShutdownSignals: [],
                onHTTPListening: { await port.set($0) })
            let running = Task { try await worker.run() }
            let bound = try await port.value()
            let base = "http://127.0.0.1:\(bound)"
            #expect(try await HTTP.status("GET", "\(base)/healthz") == 200)
            #expect(try await HTTP.status("GET", "\(base)/admin/firms/f1/accounts") == 401)
            #expect(try await HTTP.status("GET", "\(base)/admin/firms/f1/accounts", token: "wrong") == 401)
            #expect(
                try await HTTP.status("GET", "\(base)/admin/firms/f1/accounts", token: "test-admin-token") == 404, "f1 is not connected")
            #expect(try await HTTP.status("POST", "\(base)/admin/firms", token: "test-admin-token", body: "{\"firm_id\":1}") == 400)
            try await env.eventually("ready") { try await HTTP.status("GET", "\(base)/readyz") == 200 }
            await worker.shutdown()
            try await running.value
        }
    }
}

import Foundation
import Postgres
import SyncCore
import Testing

@testable import SyncWorker

/// The help article's account rules, end to end: Kafka in, PostgreSQL, the QuickBooks sandbox
/// over HTTP, status events out.
@Suite("Syncing and unsyncing accounts", .timeLimit(.minutes(2)))
struct AccountSyncTests {
    @Test("an owner's sync request links to the customer chosen from the list and publishes syncing then synced")
    func linkExisting() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let chosen = try await env.seedCustomer(realm: realm, name: "Acme Holdings LLC")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.syncRequested(firm: "f1", account: "a1", name: "Acme Holdings", mode: "existing", customerID: chosen))
            let events = try await env.status.wait(for: "a1 synced") { $0.contains { $0.key == "f1:account:a1" && $0.status == "synced" } }
            let account = events.filter { $0.key == "f1:account:a1" }
            #expect(account.map(\.status) == ["syncing", "synced"])
            #expect(account.map(\.sequence) == [1, 2])
            #expect(account.last?.qboID == chosen)
            #expect(account.last?.previousStatus == "syncing")
            #expect(try await env.customers(realm: realm).count == 1, "linking to an existing customer creates none")
            try await worker.stop()
        }
    }

    @Test("auto sync matches an exact name with an apostrophe, and creates a customer when there is none")
    func autoMatchesOrCreates() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let existing = try await env.seedCustomer(realm: realm, name: "Jane O'Neil")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.syncRequested(firm: "f1", account: "jane", name: "Jane O'Neil", mode: "auto"),
                TestEvents.syncRequested(firm: "f1", account: "zoe", name: "Zoë \"Z\" Łódź \\ 🍕", mode: "auto"))
            let events = try await env.status.wait(for: "both synced") { events in
                ["jane", "zoe"].allSatisfy { id in events.contains { $0.key == "f1:account:\(id)" && $0.status == "synced" } }
            }
            #expect(events.last { $0.key == "f1:account:jane" }?.qboID == existing)
            let customers = try await env.customers(realm: realm)
            #expect(customers.count == 2)
            #expect(customers.contains { $0.label == "Zoë \"Z\" Łódź \\ 🍕" })
            try await worker.stop()
        }
    }

    @Test("a sync or unsync by a staff member changes nothing and is kept in the audit table")
    func staffIsRefused() async throws {
        try await TestEnvironment.with { env in
            _ = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.accountUpserted(firm: "f1", account: "a1", name: "Acme"),
                TestEvents.syncRequested(firm: "f1", account: "a1", name: "Acme", role: "staff"),
                TestEvents.unsyncRequested(firm: "f1", account: "a1", role: "staff"),
                TestEvents.accountUpserted(firm: "f1", account: "marker", name: "Marker"))
            // The marker account is behind the toggles on another topic; wait for the audit rows instead.
            try await env.eventually("two audited toggles and the account known") {
                try await env.database.withConnection { connection in
                    let audited = try await connection.query("select 1 from rejected_toggles where firm_id = 'f1'").count
                    let known = try await connection.query("select 1 from accounts where account_id = 'a1'").count
                    return audited == 2 && known == 1
                }
            }
            let rows = try await env.database.withConnection { connection in
                try await connection.query("select action, actor_role, reason from rejected_toggles where account_id = 'a1' order by id")
            }
            #expect(try rows.map { try $0.decode(String.self, "action") } == ["sync", "unsync"])
            #expect(try rows.allSatisfy { try $0.decode(String.self, "actor_role") == "staff" })
            let column = try await QuickBooksColumn.load(firmID: "f1", from: env.database)
            #expect(column.accounts.first { $0.accountID == "a1" }?.status == .notSynced)
            // What was published for a1 is what the outbox holds: only its first appearance.
            let published = try await env.database.withConnection { connection in
                try await connection.query("select payload from outbox where message_key = 'f1:account:a1' order by id")
            }
            let statuses = try published.map { row -> String in
                let json = try JSONSerialization.jsonObject(with: Data(try row.decode([UInt8].self, "payload"))) as? [String: Any]
                return (json?["data"] as? [String: Any])?["status"] as? String ?? "?"
            }
            #expect(statuses == ["not_synced"])
            try await worker.stop()
        }
    }

    @Test("unsync publishes skipped and keeps the customer in QuickBooks")
    func unsync() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Acme"))
            try await env.status.wait(for: "synced") { $0.contains { $0.key == "f1:account:a1" && $0.status == "synced" } }
            try await env.send(TestEvents.unsyncRequested(firm: "f1", account: "a1", role: "admin"))
            let events = try await env.status.wait(for: "skipped") { $0.contains { $0.key == "f1:account:a1" && $0.status == "skipped" } }
            let skipped = try #require(events.last { $0.key == "f1:account:a1" })
            #expect(skipped.previousStatus == "synced")
            #expect(skipped.sequence == 3)
            #expect(try await env.customers(realm: realm).count == 1, "nothing already in QuickBooks is deleted")
            try await worker.stop()
        }
    }

    @Test("creating a customer whose name exists fails with a detail naming the conflict and the code")
    func duplicateName() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            _ = try await env.seedCustomer(realm: realm, name: "Jane O'Neil")
            let worker = try await env.startWorker()
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Jane O'Neil", mode: "create"))
            let events = try await env.status.wait(for: "failed") { $0.contains { $0.key == "f1:account:a1" && $0.status == "failed" } }
            let failed = try #require(events.last { $0.key == "f1:account:a1" })
            #expect(failed.errorCode == "6240")
            #expect(
                failed.detail == "A customer named 'Jane O'Neil' already exists in QuickBooks. Choose it from the list or create a new one."
            )
            #expect(try await env.customers(realm: realm).count == 1)
            try await worker.stop()
        }
    }

    @Test("the same event delivered twice creates one customer and one set of status events")
    func duplicateDelivery() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            let request = TestEvents.syncRequested(firm: "f1", account: "a1", name: "Acme", mode: "create")
            // A staff toggle after both copies, in the same lane: once it is audited, both copies were handled.
            try await env.send(request, request, TestEvents.unsyncRequested(firm: "f1", account: "a1", role: "staff"))
            try await env.eventually("the marker behind both copies handled") {
                try await env.database.withConnection { try await $0.query("select 1 from rejected_toggles").count == 1 }
            }
            try await env.status.wait(for: "synced") { $0.contains { $0.key == "f1:account:a1" && $0.status == "synced" } }
            try await worker.stop()
            #expect(try await env.customers(realm: realm).count == 1)
            let statuses = await env.status.account("f1", "a1").map { "\($0.status)#\($0.sequence)" }
            #expect(statuses == ["syncing#1", "synced#2"])
        }
    }

    @Test("the first invoice syncs an account under accounts_with_activity; a new account alone does not")
    func activityPolicy() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1", policy: .accountsWithActivity)
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.accountUpserted(firm: "f1", account: "quiet", name: "Quiet Co"),
                TestEvents.accountUpserted(firm: "f1", account: "busy", name: "Busy Co"),
                TestEvents.invoiceUpserted(firm: "f1", account: "busy", name: "Busy Co"))
            try await env.status.wait(for: "busy synced") { $0.contains { $0.key == "f1:account:busy" && $0.status == "synced" } }
            #expect(await env.status.account("f1", "quiet").map(\.status) == ["not_synced"])
            #expect(try await env.customers(realm: realm).map(\.label) == ["Busy Co"])
            try await worker.stop()
        }
    }

    @Test("under all_accounts every account the worker learns about is synced")
    func allAccountsPolicy() async throws {
        try await TestEnvironment.with { env in
            _ = try await env.connectFirm("f1", policy: .allAccounts)
            let worker = try await env.startWorker()
            try await env.send(TestEvents.accountUpserted(firm: "f1", account: "quiet", name: "Quiet Co"))
            try await env.status.wait(for: "quiet synced") { $0.contains { $0.key == "f1:account:quiet" && $0.status == "synced" } }
            try await worker.stop()
        }
    }

    @Test("a revoked connection is reported once for the firm; reconnecting resumes the waiting accounts")
    func firmConnectionLost() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try env.sandbox.inspector.revokeTokens(realmId: realm)
            try await env.send((1...5).map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "Client \($0)") })
            try await env.status.wait(for: "firm failed and five accounts waiting") { events in
                events.contains { $0.key == "f1:firm:f1" && $0.status == "failed" }
                    && (1...5).allSatisfy { i in events.contains { $0.key == "f1:account:a\(i)" && $0.status == "syncing" } }
            }
            try await env.eventually("all five events handled") {
                try await env.database.withConnection { try await $0.query("select 1 from processed_events").count == 5 }
            }
            let firmEvents = await env.status.events.filter { $0.key == "f1:firm:f1" }
            #expect(firmEvents.map(\.status) == ["synced", "failed"], "reported once, not per account")
            #expect(firmEvents.last?.detail?.contains("reconnect") == true)
            #expect(await env.status.events.allSatisfy { $0.status != "failed" || $0.entity == "firm" })

            let result = try await env.reconnectFirm("f1", realm: realm)
            #expect(result.resumedAccounts == 5)
            try await env.status.wait(for: "all five synced") { events in
                (1...5).allSatisfy { i in events.contains { $0.key == "f1:account:a\(i)" && $0.status == "synced" } }
            }
            #expect(await env.status.events.filter { $0.key == "f1:firm:f1" }.map(\.status) == ["synced", "failed", "synced"])
            #expect(try await env.customers(realm: realm).count == 5)
            try await worker.stop()
        }
    }
}

@Suite("Toggles that arrive before the account", .timeLimit(.minutes(2)))
struct EarlyToggleTests {
    @Test("an unsync that arrives before the account is kept: the account's first invoice then syncs nothing")
    func unsyncBeforeAccount() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(TestEvents.unsyncRequested(firm: "f1", account: "a1", role: "owner"))
            try await env.status.wait(for: "skipped") { $0.contains { $0.key == "f1:account:a1" && $0.status == "skipped" } }
            try await env.send(TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Late Arrival Ltd"))
            try await env.eventually("the invoice handled") {
                try await env.database.withConnection { try await $0.query("select 1 from processed_events").count == 2 }
            }
            let column = try await QuickBooksColumn.load(firmID: "f1", from: env.database)
            #expect(column.accounts.map(\.status) == [.skipped])
            #expect(column.accounts.first?.name == "Late Arrival Ltd")
            #expect(try await env.customers(realm: realm).isEmpty)
            try await worker.stop()
        }
    }
}

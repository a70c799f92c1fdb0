import Foundation
import Testing

@testable import SyncWorker

@Suite("Listing and replaying dead letters", .timeLimit(.minutes(2)))
struct DeadLetterQueueTests {
    @Test("a dead letter is listed with its reason and origin, and replayed after the fix it is applied")
    func listAndReplay() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            // Before the fix: a limit too tight for a long but valid account name.
            let strict = try await env.startWorker { $0.eventLimits.maxMessageBytes = 1024 }
            let longName = "The " + String(repeating: "Ünïqüé ", count: 65) + "Long Name Partnership"
            let request = TestEvents.syncRequested(firm: "f1", account: "long", name: longName)
            try await env.send(request)
            try await env.sendRaw(topic: "billing.invoices", key: Array("f1".utf8), value: Array("garbage".utf8))
            let queue = DeadLetterQueue(configuration: env.workerConfiguration(), logger: env.logger)
            var letters = try await queue.list(timeout: .seconds(20))
            let deadline = ContinuousClock.now + .seconds(20)
            while letters.count < 2, ContinuousClock.now < deadline {
                letters = try await queue.list(timeout: .seconds(20))
            }
            try #require(letters.count == 2)
            letters.forEach { ContractSamples.deadLetter($0.message) }
            try await strict.stop()
            let tooLarge = try #require(letters.first { $0.reason == "too_large" })
            #expect(tooLarge.originalTopic == "accounts.quickbooks-sync")
            #expect(tooLarge.originalOffset == "0")
            #expect(tooLarge.key == "f1")
            #expect(tooLarge.error.contains("limit is 1024"))
            #expect(letters.contains { $0.reason == "not_json" && $0.originalTopic == "billing.invoices" })

            // After the fix: the default limit; replay just that one.
            let fixed = try await env.startWorker()
            #expect(try await queue.replay([tooLarge]) == 1)
            let events = try await env.status.wait(for: "the replayed request applied") {
                $0.contains { $0.key == "f1:account:long" && $0.status == "synced" }
            }
            #expect(events.last { $0.key == "f1:account:long" }?.causedBy == request.id, "the replay is the original event, unchanged")
            #expect(try await env.customers(realm: realm).map(\.label) == [longName])
            // Replaying it again changes nothing: the ledger knows the event.
            #expect(try await queue.replay([tooLarge]) == 1)
            try await env.send(TestEvents.unsyncRequested(firm: "f1", account: "long", role: "staff"))
            try await env.eventually("the marker behind the second replay") {
                try await env.database.withConnection { try await $0.query("select 1 from rejected_toggles").count == 1 }
            }
            #expect(await env.status.account("f1", "long").map(\.status) == ["syncing", "synced"])
            #expect(try await env.customers(realm: realm).count == 1)
            try await fixed.stop()
        }
    }
}

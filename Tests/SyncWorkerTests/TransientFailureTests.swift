import Foundation
import QuickBooksSandbox
import Testing

@testable import SyncWorker

/// QuickBooks outages, timeouts and throttling: work waits and retries, nothing is lost,
/// nothing is written twice, and one firm's trouble does not hold up another.
@Suite("Transient QuickBooks failures", .timeLimit(.minutes(2)))
struct TransientFailureTests {
    @Test("an outage parks that account's link as syncing while other firms keep flowing; it completes when QuickBooks answers again")
    func outageParksAndResumes() async throws {
        try await TestEnvironment.with { env in
            let broken = try await env.connectFirm("f1")
            let healthy = try await env.connectFirm("f2")
            try env.sandbox.inspector.setFaults(SandboxFaults(serverErrorRate: 1.0), realmId: broken)
            let worker = try await env.startWorker()
            try await env.send(
                TestEvents.syncRequested(firm: "f1", account: "a1", name: "Waiting Co"),
                TestEvents.syncRequested(firm: "f2", account: "b1", name: "Flowing Co"))
            try await env.status.wait(for: "f2 synced and f1 parked") { events in
                events.contains { $0.key == "f2:account:b1" && $0.status == "synced" }
                    && events.contains {
                        $0.key == "f1:account:a1" && $0.status == "syncing" && ($0.detail ?? "").contains("temporarily unavailable")
                    }
            }
            #expect(await env.status.account("f1", "a1").allSatisfy { $0.status == "syncing" })
            try env.sandbox.inspector.setFaults(.none, realmId: broken)
            try await env.status.wait(for: "f1 synced after the outage") {
                $0.contains { $0.key == "f1:account:a1" && $0.status == "synced" }
            }
            #expect(try await env.customers(realm: broken).count == 1)
            #expect(try await env.customers(realm: healthy).count == 1)
            try await worker.stop()
        }
    }

    @Test("a create whose answer never came is retried with the same requestid and creates one customer")
    func timeoutThenRetry() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker {
                $0.quickBooks.requestTimeout = .milliseconds(400)
                $0.immediateRetries = 1
            }
            // A first link looks up the firm's customer type, so the timed-out request below is the create itself.
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a0", name: "Quick Answer LLC", mode: "create"))
            _ = try await env.status.wait("f1:account:a0", is: "synced")
            try env.sandbox.inspector.setFaults(
                SandboxFaults(timeoutRate: 1.0, timeoutHold: .seconds(2), timeoutAfterWrite: true), realmId: realm)
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Slow Answer LLC", mode: "create"))
            try await env.status.wait(for: "parked after timeouts") {
                $0.contains { $0.key == "f1:account:a1" && $0.status == "syncing" && $0.detail != nil }
            }
            #expect(try await env.customers(realm: realm).count == 2, "the write went through even though no answer came")
            try env.sandbox.inspector.setFaults(.none, realmId: realm)
            let events = try await env.status.wait(for: "synced") { $0.contains { $0.key == "f1:account:a1" && $0.status == "synced" } }
            let customers = try await env.customers(realm: realm).filter { $0.label == "Slow Answer LLC" }
            #expect(customers.count == 1, "the retry repeated the original request instead of creating a second customer")
            #expect(events.last { $0.key == "f1:account:a1" }?.qboID == customers.first?.id)
            #expect(try env.sandbox.inspector.counters(realmId: realm).idempotentReplays >= 1)
            try await worker.stop()
        }
    }

    @Test("a 429 with an XML body is understood as throttling and the work completes")
    func throttledXML() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            try env.sandbox.inspector.setFaults(SandboxFaults(forced429Count: 1, throttleBodyFormat: .xml), realmId: realm)
            let worker = try await env.startWorker { $0.throttlePause = .milliseconds(300) }
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Client 1"))
            let events = try await env.status.wait(for: "synced") { $0.contains { $0.key == "f1:account:a1" && $0.status == "synced" } }
            #expect(events.allSatisfy { $0.status != "failed" }, "a throttled call is retried, not failed")
            #expect(try env.sandbox.inspector.counters(realmId: realm).throttled == 1)
            try await worker.stop()
        }
    }

    @Test("when the retry budget is spent the account fails with a detail saying so")
    func budgetSpent() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            try env.sandbox.inspector.setFaults(SandboxFaults(serverErrorRate: 1.0), realmId: realm)
            let worker = try await env.startWorker {
                $0.maxAttempts = 2
                $0.immediateRetries = 0
            }
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Never Answered"))
            let events = try await env.status.wait(for: "failed") { $0.contains { $0.key == "f1:account:a1" && $0.status == "failed" } }
            let failed = try #require(events.last { $0.key == "f1:account:a1" })
            #expect(failed.detail?.contains("after 2 attempts") == true)
            #expect(failed.errorCode != nil)
            try await worker.stop()
        }
    }
}

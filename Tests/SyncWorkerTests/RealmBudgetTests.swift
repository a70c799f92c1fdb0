import Foundation
import QuickBooksSandbox
import Testing
@testable import SyncWorker

@Suite("Keeping within QuickBooks' per-realm limits", .timeLimit(.minutes(2)))
struct RealmBudgetTests {
    @Test("a backlog drains at the realm's pace with zero 429s when the worker keeps the same budget as QuickBooks")
    func zeroThrottling() async throws {
        // QuickBooks' ratios, time-compressed: 10 requests per 2 s window instead of 500 per minute.
        let sandbox = SandboxConfiguration(throttleWindow: .seconds(2), requestsPerWindow: 10)
        try await TestEnvironment.with(sandboxConfiguration: sandbox) { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker { configuration in
                configuration.qboRequestsPerWindow = 10
                configuration.qboWindow = .seconds(2)
            }
            // auto mode: a query and a create per account, 24 calls, three windows' worth
            try await env.send((1...12).map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "Backlog \($0)") })
            try await env.status.wait(timeout: .seconds(40), for: "all twelve synced") { events in
                (1...12).allSatisfy { i in events.contains { $0.key == "f1:account:a\(i)" && $0.status == "synced" } }
            }
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            #expect(counters.throttled == 0, "\(counters.throttled) requests were throttled")
            #expect(try await env.customers(realm: realm).count == 12)
            try await worker.stop()
        }
    }

    @Test("at most the allowed number of calls run at once; the next waits for a release")
    func inFlight() async throws {
        let gate = RealmGate(limits: .init(maxInFlight: 2, requestsPerWindow: 100, window: .seconds(60)))
        try await gate.acquire("r")
        try await gate.acquire("r")
        let third = Task { try await gate.acquire("r"); return true }
        let deadline = ContinuousClock.now + .seconds(5)
        while await gate.waitingCount("r") == 0, ContinuousClock.now < deadline { await Task.yield() }
        #expect(await gate.waitingCount("r") == 1, "the third call waits")
        await gate.release("r")
        #expect(try await third.value)
        try await gate.acquire("other")  // other realms are not affected
    }

    @Test("the budget in use is reported: the busiest realm's share of its window, realms at the limit, and idle realms forgotten")
    func usage() async throws {
        let gate = RealmGate(limits: .init(maxInFlight: 10, requestsPerWindow: 4, window: .milliseconds(300), margin: .zero))
        for _ in 0..<4 { try await gate.acquire("busy") }
        try await gate.acquire("calm")
        await gate.release("calm")
        await gate.pause("resting", for: .seconds(30))
        var usage = await gate.usage()
        #expect(usage.busiestWindowRatio == 1 && usage.realmsAtLimit == 2 && usage.realmsActive == 3, "\(usage)")
        try await Task.sleep(for: .milliseconds(400))  // the window passes: only what still holds a slot or rests is left
        usage = await gate.usage()
        #expect(usage.realmsActive == 2 && usage.realmsAtLimit == 1 && usage.busiestWindowRatio == 0, "\(usage)")
    }

    @Test("a 429 pauses the whole realm, not just one request")
    func pause() async throws {
        let gate = RealmGate(limits: .init(maxInFlight: 10, requestsPerWindow: 100, window: .seconds(60)))
        await gate.pause("r", for: .milliseconds(300))
        let clock = ContinuousClock()
        let start = clock.now
        try await gate.acquire("r")
        #expect(clock.now - start >= .milliseconds(300))
        let otherStart = clock.now
        try await gate.acquire("other")
        #expect(clock.now - otherStart < .milliseconds(300))
    }

    @Test("no more calls than the budget in any sliding window")
    func window() async throws {
        let gate = RealmGate(limits: .init(maxInFlight: 10, requestsPerWindow: 3, window: .milliseconds(400), margin: .zero))
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<3 { try await gate.acquire("r"); await gate.release("r") }
        #expect(clock.now - start < .milliseconds(400))
        try await gate.acquire("r")
        #expect(clock.now - start >= .milliseconds(400), "the fourth call waited for the window to slide")
    }
}

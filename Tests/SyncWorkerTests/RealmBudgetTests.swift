import Foundation
import Postgres
import QuickBooksSandbox
import Testing

@testable import SyncWorker

@Suite("Keeping within QuickBooks' per-realm limits", .timeLimit(.minutes(2)))
struct RealmBudgetTests {
    /// The realm's change-data-capture sweep waits an hour: these budgets count every call.
    static func noSweepForAnHour(_ env: TestEnvironment, realm: String) async throws {
        try await env.database.withConnection { connection in
            _ = try await connection.execute(
                """
                insert into quickbooks_cdc_checkpoints (realm_id, checked_until, next_sweep_at) values ($1, now(), now() + interval '1 hour')
                """, [.text(realm)])
        }
    }

    @Test("a backlog drains at the realm's pace with zero 429s when the worker keeps the same budget as QuickBooks")
    func zeroThrottling() async throws {
        // QuickBooks' ratios, time-compressed: 10 requests per 4 s window instead of 500 per minute
        // (the gate's 0.5 s margin must cover a loaded machine's request delays: at 2 s it drew 429s).
        let sandbox = SandboxConfiguration(throttleWindow: .seconds(4), requestsPerWindow: 10)
        try await TestEnvironment.with(sandboxConfiguration: sandbox) { env in
            let realm = try await env.connectFirm("f1")
            try await Self.noSweepForAnHour(env, realm: realm)
            let worker = try await env.startWorker { configuration in
                configuration.qboRequestsPerWindow = 10
                // A second more than QuickBooks' window: a loaded machine delays requests by more
                // than the gate's 0.5 s margin between counting a call and QuickBooks receiving it.
                configuration.qboWindow = .seconds(5)
                configuration.qboBatchesPerWindow = 0  // single calls only: links are not batched
            }
            // auto mode: a query and a create per account, 24 calls (and a change-data-capture call), three windows' worth
            try await env.send((1...12).map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "Backlog \($0)") })
            do {
                try await env.status.wait(timeout: .seconds(40), for: "all twelve synced") { events in
                    (1...12).allSatisfy { i in events.contains { $0.key == "f1:account:a\(i)" && $0.status == "synced" } }
                }
            } catch {
                Issue.record("QuickBooks saw: \(try env.sandbox.inspector.counters(realmId: realm))")
                throw error
            }
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            #expect(counters.throttled == 0, "\(counters.throttled) requests were throttled")
            // The links wait for the budget longer than a lease: their worker keeps the lease, so
            // no link is started a second time (each would be a request QuickBooks replays).
            #expect(counters.idempotentReplays == 0, "\(counters)")
            #expect(try await env.customers(realm: realm).count == 12)
            try await worker.stop()
        }
    }

    @Test("a link whose lease lapses while its worker still runs it (a renewal came late) is not started a second time")
    func lapsedLeaseDuringLink() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            try await Self.noSweepForAnHour(env, realm: realm)
            // A long lease (renewed every 20 s) and QuickBooks answering in 2 s: the test itself
            // makes the lease lapse in the middle of the link, as a renewal late on a loaded machine would.
            let worker = try await env.startWorker { configuration in configuration.leaseDuration = .seconds(60) }
            try env.sandbox.inspector.setFaults(SandboxFaults(latency: .fixed(.milliseconds(2000))), realmId: realm)
            try env.sandbox.inspector.resetCounters(realmId: realm)
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Lapsed Lease", mode: "auto"))
            let lapsed = ContinuousClock.now + .seconds(20)
            var expired = 0
            while expired == 0, ContinuousClock.now < lapsed {
                expired = try await env.database.withConnection { connection in
                    try await connection.execute(
                        """
                        update accounts set lease_expires_at = now() - interval '1 second', next_attempt_at = now() - interval '1 second'
                        where firm_id = 'f1' and account_id = 'a1' and status = 'syncing' and lease_owner is not null
                        """)
                }
                if expired == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(expired == 1, "the link started and held a lease")
            try await env.status.wait("f1:account:a1", is: "synced", timeout: .seconds(30))
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            // The sweeper, finding the lapsed lease, left the running link alone: no request went twice.
            #expect(counters.idempotentReplays == 0 && counters.writes == 1, "\(counters)")
            #expect(try await env.customers(realm: realm).count == 1)
            try await worker.stop()
        }
    }

    @Test("at most the allowed number of calls run at once; the next waits for a release")
    func inFlight() async throws {
        let gate = RealmGate(limits: .init(maxInFlight: 2, requestsPerWindow: 100, window: .seconds(60)))
        try await gate.acquire("r")
        try await gate.acquire("r")
        let third = Task {
            try await gate.acquire("r")
            return true
        }
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

    @Test("two workers share one realm's budget through its lease: the second waits for it and starts from the first one's window")
    func leaseSharesTheWindow() async throws {
        try await TestEnvironment.with { env in
            try await Migrator(database: env.database, logger: env.logger).migrate()
            let limits = RealmGate.Limits(maxInFlight: 10, requestsPerWindow: 4, window: .seconds(30), margin: .zero)
            let first = RealmGate(limits: limits, leases: RealmLeases(database: env.database, workerID: "w1", window: limits.window))
            let second = RealmGate(limits: limits, leases: RealmLeases(database: env.database, workerID: "w2", window: limits.window))
            for _ in 0..<3 {
                try await first.acquire("r")
                await first.release("r")
            }
            let waiting = Task { try await second.acquire("r") }
            try await env.eventually("the second worker asks for the lease the first holds") {
                try await env.database.withConnection { connection in
                    try await connection.query(
                        "select 1 from realm_leases where realm_id = 'r' and worker_id = 'w1' and wanted_at is not null"
                    ).count == 1
                }
            }
            // The first keeps its lease while it works; idle, it records its calls and lets go.
            try await env.eventually("the lease handed over") {
                await first.maintainLeases()
                return try await env.database.withConnection { connection in
                    try await connection.query("select 1 from realm_leases where realm_id = 'r' and worker_id = 'w2'").count == 1
                }
            }
            try await waiting.value
            let usage = await second.usage()
            #expect(usage.busiestWindowRatio == 1, "the first worker's three calls and the second's one fill the window of four: \(usage)")
            #expect(usage.leasesHeld == 1)
            await second.releaseLeases()
        }
    }

    @Test("two workers writing for one realm together stay inside its limits: zero 429s")
    func twoWorkersOneRealm() async throws {
        // QuickBooks' limits, time-compressed: 10 requests per 4 s window (the gate's 0.5 s margin
        // is then an eighth of the window, not a quarter: a loaded CI machine delays requests too).
        let sandbox = SandboxConfiguration(throttleWindow: .seconds(4), requestsPerWindow: 10, batchRequestsPerWindow: 3)
        try await TestEnvironment.with(sandboxConfiguration: sandbox) { env in
            let realm = try await env.connectFirm("f1")
            try await Self.noSweepForAnHour(env, realm: realm)
            let budget: (inout WorkerConfiguration) -> Void = { configuration in
                configuration.qboRequestsPerWindow = 10
                configuration.qboWindow = .seconds(5)  // a second of slack for a loaded machine's request delays
                configuration.qboBatchesPerWindow = 3
            }
            // Two consumer groups: both workers own every partition, so both write documents of the
            // one firm (each account's queue is still drained by one of them at a time).
            let one = try await env.startWorker(group: "qbsync-test-one", configure: budget)
            let two = try await env.startWorker(group: "qbsync-test-two", configure: budget)
            try await env.send((1...10).map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "Client \($0)") })
            try await env.status.wait(timeout: .seconds(90), for: "ten accounts synced") { events in
                (1...10).allSatisfy { i in events.contains { $0.key == "f1:account:a\(i)" && $0.status == "synced" } }
            }
            try await env.send(
                (1...10).map { TestEvents.invoiceUpserted(firm: "f1", account: "a\($0)", name: "Client \($0)", invoice: "inv-\($0)") })
            for i in 1...10 { _ = try await env.status.wait("f1:invoice:inv-\(i)", is: "synced", timeout: .seconds(90)) }
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            #expect(counters.throttled == 0, "\(counters.throttled) requests were throttled (\(counters.requests) in all)")
            #expect(try await env.objects(realm: realm, .invoice).count == 10)
            try await one.stop()
            try await two.stop()
        }
    }

    @Test("a worker started as another stops mid-window does not exceed the realm's budget")
    func restartMidWindow() async throws {
        // A long window, so the second worker's calls fall in the first one's window.
        let sandbox = SandboxConfiguration(throttleWindow: .seconds(6), requestsPerWindow: 10)
        try await TestEnvironment.with(sandboxConfiguration: sandbox) { env in
            let realm = try await env.connectFirm("f1")
            try await Self.noSweepForAnHour(env, realm: realm)
            let budget: (inout WorkerConfiguration) -> Void = { configuration in
                configuration.qboRequestsPerWindow = 10
                configuration.qboWindow = .seconds(7)  // a second of slack for a loaded machine's request delays
                configuration.qboBatchesPerWindow = 0  // single calls only: links are not batched
            }
            let first = try await env.startWorker(configure: budget)
            // auto links: a query and a create each, ten calls, the whole window's budget
            try await env.send((1...5).map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "First \($0)") })
            for i in 1...5 { _ = try await env.status.wait("f1:account:a\(i)", is: "synced") }
            try await first.stop()
            let second = try await env.startWorker(configure: budget)
            try await env.send((6...10).map { TestEvents.syncRequested(firm: "f1", account: "a\($0)", name: "Second \($0)") })
            for i in 6...10 { _ = try await env.status.wait("f1:account:a\(i)", is: "synced", timeout: .seconds(40)) }
            let counters = try env.sandbox.inspector.counters(realmId: realm)
            #expect(counters.throttled == 0, "\(counters.throttled) requests were throttled")
            #expect(try await env.customers(realm: realm).count == 10)
            try await second.stop()
        }
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

    @Test("single calls leave room in the window for the batch requests still allowed, which stop at their own limit")
    func batchBudget() async throws {
        let gate = RealmGate(
            limits: .init(maxInFlight: 10, requestsPerWindow: 5, window: .milliseconds(400), batchesPerWindow: 2, margin: .zero))
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<3 {
            try await gate.acquire("r")
            await gate.release("r")
        }
        #expect(try await gate.budget("r") == .init(singles: 0, batches: 2), "two of the five calls are kept for batch requests")
        try await gate.acquire("r", kind: .batch)
        await gate.release("r")
        #expect(try await gate.budget("r") == .init(singles: 0, batches: 1))
        try await gate.acquire("r", kind: .batch)
        await gate.release("r")
        #expect(clock.now - start < .milliseconds(400), "the batch requests went at once")
        let spent = try await gate.budget("r")
        #expect(spent.singles == 0 && spent.batches == 0 && spent.roomAt != nil, "\(spent)")
        try await gate.acquire("r")
        #expect(clock.now - start >= .milliseconds(400), "the next single call waited for the window to slide")
    }

    @Test("no more calls than the budget in any sliding window")
    func window() async throws {
        let gate = RealmGate(limits: .init(maxInFlight: 10, requestsPerWindow: 3, window: .milliseconds(400), margin: .zero))
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<3 {
            try await gate.acquire("r")
            await gate.release("r")
        }
        #expect(clock.now - start < .milliseconds(400))
        try await gate.acquire("r")
        #expect(clock.now - start >= .milliseconds(400), "the fourth call waited for the window to slide")
    }
}

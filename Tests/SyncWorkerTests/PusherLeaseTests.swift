import Foundation
import Postgres
import QuickBooksSandbox
import SyncCore
import Testing

@testable import SyncWorker

/// The pusher keeps the leases of the accounts it drains alive while their writes are out.
@Suite("Leases of the accounts being drained", .timeLimit(.minutes(2)))
struct PusherLeaseTests {
    @Test("a write slower than a lease keeps its account's lease: no other worker could claim the queue while it was out")
    func slowWrite() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            // A lease of 3 s (renewed every third of it, so a renewal may come 2 s late on a loaded
            // machine) and QuickBooks answering in 7 s.
            let worker = try await env.startWorker { configuration in configuration.leaseDuration = .seconds(3) }
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Slow Co"))
            try await env.status.wait("f1:account:a1", is: "synced")
            try env.sandbox.inspector.setFaults(SandboxFaults(latency: .fixed(.milliseconds(7000))), realmId: realm)
            try env.sandbox.inspector.resetCounters(realmId: realm)
            let line = TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "100.00", amount: "100.00")
            try await env.send(TestEvents.invoice(firm: "f1", account: "a1", name: "Slow Co", invoice: "i1", number: "S-1", lines: [line]))

            // While QuickBooks holds the write, sample the queue's lease as another worker's claim would see it.
            var samples = 0
            var lapsed = 0
            var first: ContinuousClock.Instant?
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let counters = try env.sandbox.inspector.counters(realmId: realm)
                if counters.inFlight == 0 {
                    if samples > 0 { break }  // the write was answered
                    try await Task.sleep(for: .milliseconds(20))
                    continue
                }
                // A lease given up (the write answered and recorded) is not a lapse; one still held past its end is.
                let rows = try await env.database.withConnection { connection in
                    try await connection.query(
                        """
                        select lease_owner is not null and lease_expires_at < now() as lapsed from document_queues
                        where firm_id = 'f1' and account_id = 'a1'
                        """)
                }
                samples += 1
                first = first ?? .now
                if try rows.first?.decode(Bool.self, "lapsed") != false { lapsed += 1 }
                try await Task.sleep(for: .milliseconds(100))
            }
            // Sampled for longer than a lease: it was renewed (the write is out for 7 s).
            let sampled = first.map { ContinuousClock.now - $0 } ?? .zero
            #expect(sampled >= .seconds(4), "sampled for \(sampled) (\(samples) samples)")
            #expect(lapsed == 0, "the lease lapsed in \(lapsed) of \(samples) samples")
            try env.sandbox.inspector.setFaults(SandboxFaults(), realmId: realm)
            try await env.status.wait("f1:invoice:i1", is: "synced")
            #expect(try await env.objects(realm: realm, .invoice).count == 1)
            try await worker.stop()
        }
    }
}

import Foundation
import Kafka
import Postgres
import QuickBooksSandbox
import Synchronization
import Testing

@testable import SyncWorker

/// Breaks things for real while traffic flows, then checks an oracle: every ingress event
/// applied or dead-lettered, every QuickBooks customer, invoice, payment, credit memo, fee and
/// refund present exactly once with the right content, and the last status per entity on the
/// topic equal to the database.
///
/// Runs on its own (it restarts the shared PostgreSQL server): scripts/test.sh gives it a step of
/// its own, and scripts/fault-harness.sh runs a longer version (QBSYNC_HARNESS_FIRMS, …).
@Suite("FaultHarness", .serialized, .timeLimit(.minutes(6)))
struct FaultHarnessTests {
    @Test("crashes, a database restart, a broker outage, a QuickBooks outage and throttling lose nothing and double nothing")
    func harness() async throws {
        let environment = ProcessInfo.processInfo.environment
        let firmCount = environment["QBSYNC_HARNESS_FIRMS"].flatMap(Int.init) ?? 12
        let accountsPerFirm = environment["QBSYNC_HARNESS_ACCOUNTS"].flatMap(Int.init) ?? 6
        let kills = environment["QBSYNC_HARNESS_KILLS"].flatMap(Int.init) ?? 3
        let seed = environment["QBSYNC_HARNESS_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        trace("harness: seed \(seed), \(firmCount) firms × \(accountsPerFirm) accounts, \(kills) kills")

        try await TestEnvironment.with(brokers: 3) { env in
            var random = SplitMix64(seed: seed)
            let firms = (1...firmCount).map { "firm-\($0)" }
            var realms: [String: String] = [:]
            for firm in firms { realms[firm] = try await env.connectFirm(firm) }
            let plan = Workload(firms: firms, accountsPerFirm: accountsPerFirm, random: &random)
            trace("harness: \(plan.messages.count) ingress events (\(plan.validIDs.count) valid, \(plan.badCount) malformed)")

            let logs = FileManager.default.temporaryDirectory.appendingPathComponent("qbsync-harness-\(seed)")
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
            let workerEnvironment = [
                "QBSYNC_DATABASE_URL": env.databaseURL, "QBSYNC_KAFKA_BOOTSTRAP_SERVERS": env.cluster.bootstrapServers,
                "QBSYNC_KAFKA_MOCK_CLUSTER": "1", "QBSYNC_KAFKA_GROUP": "qbsync-harness",
                "QBSYNC_QBO_API_URL": env.endpoint.apiBaseURL, "QBSYNC_QBO_TOKEN_URL": env.endpoint.tokenURL,
                "QBSYNC_TOKEN_KEY": Data(env.tokenKey).base64EncodedString(), "QBSYNC_HTTP_HOST": "127.0.0.1", "QBSYNC_HTTP_PORT": "0",
                "QBSYNC_LEASE_MS": "2000", "QBSYNC_SWEEP_INTERVAL_MS": "200", "QBSYNC_QBO_THROTTLE_PAUSE_MS": "1000",
                "QBSYNC_QBO_TIMEOUT_MS": "3000", "QBSYNC_DATABASE_POOL_SIZE": "6",
                // Two calls in flight per realm: a firm's writes queue, so many go in batch requests
                // and the kills, restarts and outages land on batches too.
                "QBSYNC_QBO_MAX_IN_FLIGHT": "2",
                // Batches gather the firms' events for 50 ms, so a kill finds several accounts in one.
                "QBSYNC_CONSUMER_BATCH_WAIT_MS": "50",
            ]
            let binary = try WorkerProcess.binary()
            let workers = try (0..<3).map { index in
                // Each worker names its connections, so the harness sees its open transactions.
                var url = try #require(URLComponents(string: env.databaseURL))
                url.queryItems = (url.queryItems ?? []) + [URLQueryItem(name: "application_name", value: "qbsync-worker-\(index)")]
                let environment = workerEnvironment.merging(["QBSYNC_DATABASE_URL": try #require(url.string)]) { $1 }
                return WorkerProcess(name: "worker-\(index)", binary: binary, environment: environment, logDirectory: logs)
            }
            for worker in workers { try worker.start() }
            do {
                try await run(
                    env: env, plan: plan, firms: firms, realms: realms, workers: workers, kills: kills, seed: seed, logs: logs,
                    random: &random)
            } catch {
                for worker in workers { try? await worker.kill() }
                throw error
            }
        }
    }

    private func run(
        env: TestEnvironment, plan: Workload, firms: [String], realms: [String: String], workers: [WorkerProcess],
        kills: Int, seed: UInt64, logs: URL, random: inout SplitMix64
    ) async throws {
        do {

            // Each firm's events leave in order (same key, same partition); firms in parallel.
            let produced = ProducedFlag()
            let producing = Task {
                defer { produced.value.store(true, ordering: .releasing) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for firm in firms {
                        let messages = plan.messages.filter { $0.firm == firm }
                        group.addTask {
                            // In bursts, as a platform's import or month-end run sends them: the
                            // consumer's batches then hold many accounts, the kills find them open,
                            // and writes queue on their realm for longer than a lease.
                            for (index, message) in messages.enumerated() {
                                try await env.sendRaw(topic: message.topic, key: Array(message.key.utf8), value: message.value)
                                if index % 6 == 5 { try await Task.sleep(for: .milliseconds(Int.random(in: 40...150))) }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }

            var injected: [String] = []
            let clock = ContinuousClock()
            let started = clock.now
            func at(_ seconds: Double) async throws { try await clock.sleep(until: started + .milliseconds(Int(seconds * 1000))) }
            func log(_ what: String) {
                injected.append(String(format: "%5.1fs ", (clock.now - started).timeInterval) + what)
                trace("harness: \(injected.last ?? "")")
            }

            try await at(1.5)
            var midBatch = 0
            // Each kill waits for its worker to be inside a batch, at most `within` (less than the
            // time to the next fault, so the schedule keeps its order).
            func kill(_ worker: WorkerProcess, within: Duration) async throws {
                let open = try await Self.killInsideBatch(worker, database: env.database, within: within)
                if open >= 1 { midBatch += 1 }
                log(
                    "SIGKILL \(worker.name)"
                        + (open > 0 ? ", inside a batch holding \(open) account\(open == 1 ? "" : "s")" : ", no batch open"))
                try worker.start()
            }

            try await kill(workers[0], within: .milliseconds(1400))
            try await at(3)
            try env.cluster.setBrokerDown(2)
            log("broker 2 down")
            try await at(4)
            try env.sandbox.inspector.setFaults(SandboxFaults(outage: .init(duration: .seconds(3))), realmId: nil)
            log("QuickBooks outage for 3 s (every realm)")
            try await at(6)
            try env.cluster.setBrokerUp(2)
            log("broker 2 up")
            if kills > 1 { try await kill(workers[1], within: .milliseconds(1800)) }
            try await at(8)
            trace("harness: restarting PostgreSQL")
            try await restartPostgres()
            log("PostgreSQL restarted")
            try await at(9)
            if let realm = realms[firms[0]] {
                try env.sandbox.inspector.setFaults(SandboxFaults(forced429Count: 5, throttleBodyFormat: .xml), realmId: realm)
                log("5 forced 429s (XML) on \(firms[0])")
            }
            try await at(10)
            if kills > 2 { try await kill(workers[2], within: .seconds(3)) }
            var extraKills = kills - 3
            while extraKills > 0 {
                try await Task.sleep(for: .seconds(2))
                let victim = workers[Int.random(in: 0..<3, using: &random)]
                try await kill(victim, within: .seconds(3))
                extraKills -= 1
            }
            // Until one kill has landed inside a batch, a few more, while events still flow.
            var retries = 0
            while midBatch == 0, retries < 3, !produced.value.load(ordering: .acquiring) {
                try await kill(workers[retries % 3], within: .seconds(3))
                retries += 1
            }
            try await producing.value
            log("all ingress events sent")

            // Wait until every valid event is in the ledger and nothing is still in flight.
            let valid = plan.validIDs
            try await env.eventually("every valid event applied", timeout: .seconds(240)) {
                let rows = try await env.database.withConnection {
                    try await $0.query("select event_id from processed_events where event_id = any($1)", [.textArray(Array(valid))])
                }
                return rows.count == valid.count
            }
            try await env.eventually("no link or document waiting and the outbox drained", timeout: .seconds(120)) {
                try await env.database.withConnection { connection in
                    let waiting = try await connection.query("select 1 from accounts where status = 'syncing'").count
                    let documents = try await connection.query(
                        """
                        select 1 from documents d join accounts a using (firm_id, account_id) where d.pending and a.status = 'synced'
                        union all select 1 from document_queues where lease_owner is not null
                        """
                    ).count
                    let unpublished = try await connection.query("select 1 from outbox where published_at is null").count
                    return waiting == 0 && documents == 0 && unpublished == 0
                }
            }
            // A worker restarted by the last kill may still be starting: SIGTERM then cancels its
            // start. Once it has connected, it is past its start's first step, and the signal trap.
            try await env.eventually("every worker connected", timeout: .seconds(60)) {
                let names = try await env.database.withConnection { connection in
                    try await connection.query(
                        "select distinct application_name from pg_stat_activity where application_name like 'qbsync-worker-%'")
                }
                return names.count == workers.count
            }
            for worker in workers {
                #expect(try await worker.terminate() == 0, "\(worker.name) stops cleanly on SIGTERM")
                #expect(!worker.endedBySignal, "\(worker.name) handled SIGTERM")
            }

            // Oracle 1: the malformed ones are all dead-lettered, once each, though workers were
            // killed before committing the offsets of some of them.
            let letters = try await DeadLetterQueue(configuration: env.workerConfiguration(), logger: env.logger).list()
            #expect(
                Set(letters.map { $0.message.value ?? [] }) == plan.badValues,
                "every malformed message dead-lettered, unchanged, and nothing else")
            // Once each: a worker killed between Kafka's delivery report and marking the outbox row
            // sent publishes it again, the same record (the relay's at-least-once, as for status events).
            let byOrigin = Dictionary(grouping: letters) {
                "\($0.originalTopic ?? "")/\($0.originalPartition ?? "")/\($0.originalOffset ?? "")"
            }
            #expect(byOrigin.count == plan.badCount, "each malformed message dead-lettered once (seed \(seed))")
            for (origin, copies) in byOrigin where copies.count > 1 {
                #expect(
                    Set(copies.map { [$0.message.value ?? []] + $0.message.headers.map { Array($0.name.utf8) + ($0.value ?? []) } }).count
                        == 1,
                    "\(origin): republished only as the same record (seed \(seed))")
            }
            trace("harness: \(plan.badCount) dead letters, \(letters.count - byOrigin.count) of them republished after a kill")

            // Oracle 2: every account ends as its last owner toggle says; none failed.
            let accounts = try await env.database.withConnection { connection in
                try await connection.query("select firm_id, account_id, name, status, qbo_customer_id, sequence from accounts")
            }
            var database: [String: (status: String, qbo: String?, sequence: Int64, name: String)] = [:]
            for row in accounts {
                database["\(try row.decode(String.self, "firm_id")):account:\(try row.decode(String.self, "account_id"))"] =
                    (
                        try row.decode(String.self, "status"), try row.decode(String?.self, "qbo_customer_id"),
                        try row.decode(Int64.self, "sequence"), try row.decode(String.self, "name")
                    )
            }
            let finalRows = database
            #expect(database.count == plan.expectedStatus.count)
            let history = await env.status.events
            for (key, expected) in plan.expectedStatus where database[key]?.status != expected {
                let published = history.filter { $0.key == key }.map { "\($0.status)#\($0.sequence) caused by \($0.causedBy)" }
                let planned = plan.trace[key] ?? []
                Issue.record(
                    "\(key): expected \(expected), database has \(database[key]?.status ?? "nothing") (seed \(seed))\n  planned: \(planned.joined(separator: ", "))\n  published: \(published.joined(separator: ", "))"
                )
            }

            // Oracle 3: every synced account's customer exists exactly once in QuickBooks.
            var customersChecked = 0
            for firm in firms {
                let customers = try await env.customers(realm: realms[firm] ?? "")
                let names = customers.compactMap(\.label)
                #expect(Set(names).count == names.count, "no customer twice in \(firm)")
                for (key, row) in database where key.hasPrefix("\(firm):") && row.status == "synced" {
                    let matching = customers.filter { $0.label == row.name }
                    #expect(matching.count == 1 && matching.first?.id == row.qbo, "\(key) has one customer and links to it")
                    customersChecked += 1
                }
            }

            // Oracle 4: the last status per entity on the topic equals the database; sequences have no holes.
            let events = await env.status.events.filter { $0.entity == "account" }
            var byKey: [String: [StatusStream.Event]] = [:]
            for event in events { byKey[event.key, default: []].append(event) }
            try await env.status.wait(timeout: .seconds(30), for: "the status stream to catch up") { events in
                let latest = Dictionary(events.filter { $0.entity == "account" }.map { ($0.key, $0.sequence) }, uniquingKeysWith: max)
                return finalRows.allSatisfy { latest[$0.key] == $0.value.sequence }
            }
            let caughtUp = await env.status.events.filter { $0.entity == "account" }
            byKey = [:]
            for event in caughtUp { byKey[event.key, default: []].append(event) }
            var duplicatesDropped = 0
            for (key, row) in database {
                let published = byKey[key] ?? []
                let bySequence = Dictionary(grouping: published, by: \.sequence)
                #expect(Set(bySequence.keys) == Set(1...max(row.sequence, 1)), "\(key): sequences 1…\(row.sequence) each published")
                for (sequence, copies) in bySequence {
                    #expect(Set(copies.map(\.id)).count == 1, "\(key) #\(sequence): one event, republished at most as the same event")
                    duplicatesDropped += copies.count - 1
                }
                #expect(bySequence[row.sequence]?.first?.status == row.status, "\(key): last published status equals the database")
            }
            // Oracle 5: every invoice and payment in QuickBooks once, with the right content; their columns as published.
            let accountStatus = finalRows.mapValues(\.status)
            let objectsChecked = try await HarnessOracle.verifyDocuments(
                env: env, plan: plan, realms: realms, accountStatus: accountStatus, seed: seed)
            let documentsChecked = try await HarnessOracle.verifyDocumentColumns(env: env, accountStatus: accountStatus, seed: seed)
            var batches = 0
            var batchedWrites = 0
            var replays = 0
            for realm in realms.values {
                let counters = try env.sandbox.inspector.counters(realmId: realm)
                batches += counters.batchRequests
                batchedWrites += counters.batchItems
                replays += counters.idempotentReplays
            }
            trace(
                "harness: QuickBooks saw \(batches) batch requests carrying \(batchedWrites) writes, \(replays) requests answered from its requestid memory"
            )
            #expect(batches > 0, "the harness exercises batch requests")
            #expect(midBatch > 0, "a kill lands inside a consumer batch (seed \(seed))")
            trace("harness: injected:\n  " + injected.joined(separator: "\n  "))
            trace(
                "harness: verified \(valid.count) events applied, \(letters.count) dead-lettered, \(database.count) accounts in their expected status, \(customersChecked) customers exactly once, \(caughtUp.count) account status events (\(duplicatesDropped) identical republications) matching the database, \(objectsChecked) QuickBooks objects of \(plan.invoices.count) invoices and \(plan.payments.count) payments present once with the right content, \(documentsChecked) document columns matching what was published; worker logs in \(logs.path)"
            )
        }
    }

    /// SIGKILLs `worker` as soon as one of its connections is inside a consumer batch that has
    /// taken several accounts (each account it applies holds a transaction-scoped advisory lock
    /// until the batch commits), from halfway through `within` inside any batch, or once `within`
    /// has passed. Returns how many accounts the batch it killed held.
    static func killInsideBatch(_ worker: WorkerProcess, database: PostgresClient, within: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + within
        let halfway = ContinuousClock.now + within / 2
        var open = 0
        while ContinuousClock.now < deadline {
            // The database may be restarting: then no batch is open.
            open =
                (try? await database.withConnection { connection in
                    try await connection.query(
                        """
                        select coalesce(max(held), 0)::bigint from (
                            select count(*) as held from pg_locks l join pg_stat_activity a using (pid)
                            where l.locktype = 'advisory' and l.granted and a.application_name = $1 group by pid) t
                        """, [.text("qbsync-\(worker.name)")]
                    ).first?.decode(Int64.self, 0)
                }).map(Int.init) ?? 0
            if open >= 2 || (open >= 1 && ContinuousClock.now > halfway) { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        try await worker.kill()
        return open
    }

    private func restartPostgres() async throws {
        try await PostgresServer.run("restart")
    }
}

/// Set once the harness's producers have sent everything.
private final class ProducedFlag: Sendable {
    let value = Atomic<Bool>(false)
}

/// Progress lines go out unbuffered, so a stuck run still shows how far it got.
private func trace(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

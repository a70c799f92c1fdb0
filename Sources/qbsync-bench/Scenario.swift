import Foundation
import Kafka
import Logging
import Postgres
import QuickBooks
import QuickBooksSandbox
import SyncCore
import SyncWorker

/// One measured run: a fresh database, an embedded Kafka cluster loaded with the backlog, a
/// sandbox, and `qbsync worker` processes (one consumer group) draining it.
struct Scenario {
    var name: String
    var firms: Int
    var accounts: Int
    var invoices: Int
    var partitions: Int
    var windowSeconds: Int
    /// The sandbox's limits per realm: requests (batch requests included) and batch requests per
    /// window, operations per batch request, requests in flight.
    var requestsPerWindow: Int
    var batchRequestsPerWindow = 40
    var maxBatchItems = 30
    var maxInFlight: Int
    var workerLimits: [String: String]
    /// How long the sandbox takes to answer each request (real QuickBooks: 100–500 ms).
    var latency: Duration = .zero
    /// Single invoices sent one at a time to the idle worker once the backlog is done, each timed
    /// from its send to `synced` in the database.
    var idleSamples = 0
    /// `qbsync worker` processes started in the one consumer group.
    var workers = 1

    /// Link every account first (an `account.sync_requested` each, waited for), then count
    /// QuickBooks' requests and time the invoices alone: what an invoice costs once its client is
    /// in QuickBooks. The link requests are reported on their own.
    var linkFirst = false
    /// Produce the invoices while the worker consumes, keeping at most this many unapplied (the
    /// embedded cluster keeps only about 5 MB per partition), instead of loading them first.
    var streamedBacklog: Int?

    var eventCount: Int { firms * accounts * invoices }

    struct Result {
        var events: Int
        /// First event applied to last event applied (the consumer's part).
        var ingest: Double
        /// First event applied to the last invoice synced and its status published.
        var endToEnd: Double
        /// The same by the clock of this process: from the first document recorded (before its
        /// account's first QuickBooks request) to the moment everything was seen done.
        var observed: Double
        /// CPU seconds of each worker process; their sum.
        var workerCPUs: [Double]
        var workerCPU: Double { workerCPUs.reduce(0, +) }
        var databaseCPU: Double
        /// Resident memory of the worker processes, summed at each sample.
        var residentStart: Int
        var residentPeak: Int
        var residentEnd: Int
        /// The sandbox's counters summed over the realms, counted from the workers' start (the
        /// bench's own connecting calls left out); `quickBooksRequests` includes batch requests and 429s.
        var quickBooksRequests: Int
        var batchRequests: Int
        /// Operations inside the batch requests QuickBooks carried out.
        var batchItems: Int
        var throttled: Int
        var throttledByWindow: Int
        var throttledByBatchWindow: Int
        var throttledByConcurrency: Int
        /// The most requests in flight at once in any one realm (realms' peaks need not coincide).
        var peakInFlight: Int
        /// Seconds from send to synced of each idle single invoice.
        var idleLatencies: [Double] = []
        /// Requests of the link phase (``Scenario/linkFirst``), not among ``quickBooksRequests``.
        var linkRequests = 0
        /// Statements the workers sent to PostgreSQL, the round trips they took and the transactions
        /// they committed, by their own count; transactions PostgreSQL counted in the benchmark's
        /// database (autocommit statements are one each; the benchmark's progress polls are among them).
        var statements = 0
        var roundTrips = 0
        var transactions = 0
        var serverTransactions = 0
        /// Documents the pushers planned with the payload their consumer handed over, and with the
        /// stored event decoded again.
        var payloadsHandedOver = 0
        var payloadsDecoded = 0
        /// Resident memory of the workers each time another tenth of the invoices was applied.
        var memoryTimeline: [(applied: Int, resident: Int)] = []

        func percentile(_ p: Double) -> Double {
            let sorted = idleLatencies.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }

        /// Calls QuickBooks carried out: every request but the 429s. Only these take the sandbox's latency.
        var admittedRequests: Int { quickBooksRequests - throttled }

        func print(title: String) {
            Swift.print(title)
            Swift.print(String(format: "   events                    %8d invoices (one QuickBooks write each)", events))
            Swift.print(String(format: "   consumed and recorded     %8.0f events/s (%.2f s)", Double(events) / ingest, ingest))
            Swift.print(
                String(
                    format: "   end to end                %8.0f events/s (%.2f s: in QuickBooks, status published)",
                    Double(events) / endToEnd, endToEnd))
            if workerCPUs.count > 1 {
                let each = workerCPUs.map { String(format: "%.2f", $0) }.joined(separator: " + ")
                Swift.print(
                    String(format: "   worker CPU per event      %8.0f µs (%.2f s in all = ", workerCPU / Double(events) * 1e6, workerCPU)
                        + "\(each) s over \(workerCPUs.count) workers)")
            } else {
                Swift.print(
                    String(format: "   worker CPU per event      %8.0f µs (%.2f s in all)", workerCPU / Double(events) * 1e6, workerCPU))
            }
            Swift.print(
                String(
                    format: "   PostgreSQL CPU per event  %8.0f µs (%.2f s in all; the benchmark's own queries left out)",
                    databaseCPU / Double(events) * 1e6, databaseCPU))
            Swift.print(
                String(
                    format:
                        "   PostgreSQL per event      %8.1f statements, %.2f transactions (%.2f as PostgreSQL counts them, autocommit included)",
                    Double(statements) / Double(events), Double(transactions) / Double(events), Double(serverTransactions) / Double(events))
            )
            if roundTrips > 0 {  // a worker built before qbsync counted them reports none
                Swift.print(
                    String(
                        format: "                             %8.1f round trips (statements sent together share one)",
                        Double(roundTrips) / Double(events)))
            }
            if payloadsHandedOver + payloadsDecoded > 0 {  // nor one built before the hand-off
                Swift.print(
                    String(
                        format: "   documents planned         %8.0f %% with the payload the consumer handed over, %d decoded again",
                        100 * Double(payloadsHandedOver) / Double(payloadsHandedOver + payloadsDecoded), payloadsDecoded))
            }
            Swift.print(
                String(
                    format: "   worker resident memory    %8.1f MiB at start, %.1f peak, %.1f at the end",
                    Double(residentStart) / 1_048_576, Double(residentPeak) / 1_048_576, Double(residentEnd) / 1_048_576)
                    + (workerCPUs.count > 1 ? " (\(workerCPUs.count) workers summed)" : ""))
            Swift.print(
                String(
                    format: "   QuickBooks requests       %8d (%.2f per event), %d answered 429", quickBooksRequests,
                    Double(quickBooksRequests) / Double(events), throttled))
            if linkRequests > 0 {
                Swift.print(
                    "   account links first       \(String(format: "%8d", linkRequests)) requests (each account's customer found or created, each company's first change-data-capture sweep; not counted above)"
                )
            }
            if batchRequests > 0 {
                Swift.print(
                    String(
                        format: "   of which batch requests   %8d carrying %d operations (%.1f per batch)",
                        batchRequests, batchItems, Double(batchItems) / Double(batchRequests)))
            }
            if memoryTimeline.count > 1 {
                Swift.print(
                    "   memory as it went          "
                        + memoryTimeline.map { String(format: "%dk %.0f", $0.applied / 1000, Double($0.resident) / 1_048_576) }
                        .joined(separator: ", ") + " (invoices applied, MiB)")
            }
            if !idleLatencies.isEmpty {
                Swift.print(
                    String(
                        format: "   idle: one invoice synced  %8.0f ms p50, %.0f ms p99 (%d single invoices to an idle worker)",
                        percentile(0.5) * 1000, percentile(0.99) * 1000, idleLatencies.count))
            }
            Swift.print("")
        }
    }

    func run(server: String, binary: String, logger: Logger) async throws -> Result {
        let (databaseURL, drop) = try await BenchDatabase.create(server: server, logger: logger)
        do {
            let result = try await measure(databaseURL: databaseURL, binary: binary, logger: logger)
            await drop()
            return result
        } catch {
            await drop()
            throw error
        }
    }

    private func measure(databaseURL: String, binary: String, logger: Logger) async throws -> Result {
        let cluster = try KafkaMockCluster(brokerCount: 1, logger: logger)
        let topics = WorkerConfiguration.Topics()
        for topic in topics.ingress + [topics.syncStatus, topics.deadLetter] {
            try cluster.createTopic(topic, partitions: partitions)
        }
        var sandboxConfiguration = SandboxConfiguration()
        sandboxConfiguration.throttleWindow = .seconds(windowSeconds)
        sandboxConfiguration.requestsPerWindow = requestsPerWindow
        sandboxConfiguration.batchRequestsPerWindow = batchRequestsPerWindow
        sandboxConfiguration.maxBatchItems = maxBatchItems
        sandboxConfiguration.maxInFlight = maxInFlight
        sandboxConfiguration.idempotencyCacheLimit = max(sandboxConfiguration.idempotencyCacheLimit, eventCount * 2)
        if latency > .zero { sandboxConfiguration.faults.latency = .fixed(latency) }
        let sandbox = QuickBooksSandbox(configuration: sandboxConfiguration, logger: logger)
        return try await sandbox.withRunning { endpoint in
            var quickBooks = QuickBooksConfiguration(
                clientID: sandboxConfiguration.clientId, clientSecret: sandboxConfiguration.clientSecret)
            quickBooks.apiBaseURL = endpoint.apiBaseURL
            quickBooks.tokenURL = endpoint.tokenURL
            let database = try PostgresClient(
                configuration: PostgresConfiguration(
                    connectionString: databaseURL, poolSize: 4, applicationName: Progress.applicationName), logger: logger)
            do {
                let result = try await drain(
                    database: database, databaseURL: databaseURL, sandbox: sandbox, endpoint: endpoint,
                    cluster: cluster, quickBooks: quickBooks, binary: binary, logger: logger)
                await database.shutdown()
                return result
            } catch {
                await database.shutdown()
                throw error
            }
        }
    }

    private func drain(
        database: PostgresClient, databaseURL: String, sandbox: QuickBooksSandbox, endpoint: SandboxEndpoint, cluster: KafkaMockCluster,
        quickBooks: QuickBooksConfiguration, binary: String, logger: Logger
    ) async throws -> Result {
        let topics = WorkerConfiguration.Topics()
        let tokenKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        try await Migrator(database: database, logger: logger).migrate()
        let connector = try FirmConnector(
            database: database, client: QuickBooksClient(configuration: quickBooks, logger: logger),
            tokenKey: tokenKey, statusTopic: topics.syncStatus, logger: logger)
        var realms: [String] = []
        for firm in 0..<firms {
            let grant = sandbox.inspector.createRealm(companyName: "Bench firm \(firm)")
            _ = try await connector.connect(
                FirmSettings(firmID: "firm-\(firm)", realmID: grant.realmId),
                credential: .authorizationCode(grant.authorizationCode, redirectURI: "http://localhost/bench"))
            realms.append(grant.realmId)
        }
        // The counters start with the workers: the connecting calls above were the bench's own.
        for realm in realms { try sandbox.inspector.resetCounters(realmId: realm) }
        if linkFirst {
            try await loadLinks(cluster: cluster, logger: logger)
        } else if streamedBacklog == nil {
            try await load(cluster: cluster, logger: logger)
        }

        let environment = ProcessInfo.processInfo.environment.merging(
            [
                "QBSYNC_DATABASE_URL": databaseURL, "QBSYNC_KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrapServers,
                "QBSYNC_KAFKA_MOCK_CLUSTER": "1", "QBSYNC_KAFKA_GROUP": "qbsync-bench-\(name)",
                "QBSYNC_QBO_API_URL": endpoint.apiBaseURL, "QBSYNC_QBO_TOKEN_URL": endpoint.tokenURL,
                "QBSYNC_TOKEN_KEY": Data(tokenKey).base64EncodedString(), "QBSYNC_HTTP_HOST": "127.0.0.1", "QBSYNC_HTTP_PORT": "0",
                "QBSYNC_DATABASE_POOL_SIZE": "16",
            ].merging(workerLimits) { $1 }
        ) { $1 }
        let ports = try (0..<max(1, workers)).map { _ in try Machine.freePort() }
        // QBSYNC_BENCH_WORKER_LOGS names a directory for the workers' warnings (one file per run and worker).
        let logDirectory = ProcessInfo.processInfo.environment["QBSYNC_BENCH_WORKER_LOGS"]
        let processes = try ports.enumerated().map { index, port in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["worker", "--log-level", logDirectory == nil ? "error" : "warning"]
            process.environment = environment.merging(["QBSYNC_HTTP_PORT": "\(port)", "QBSYNC_METRICS_INTERVAL_MS": "200"]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            if let logDirectory {
                let path = "\(logDirectory)/\(name)-\(Int(Date().timeIntervalSince1970))-worker-\(index).log"
                FileManager.default.createFile(atPath: path, contents: nil)
                process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            }
            return process
        }
        let databaseCPUBefore = Machine.postgresCPUSeconds()
        let ownBackendsBefore = try await Progress.ownBackendCPU(database)
        let serverTransactionsBefore = try await Progress.serverTransactions(database)
        defer { for process in processes where process.isRunning { process.terminate() } }
        for process in processes { try process.run() }
        let pids = processes.map(\.processIdentifier)
        /// Fails the run when a worker has stopped before it was told to.
        func checkRunning(_ stage: String) throws {
            guard let index = processes.firstIndex(where: { !$0.isRunning }) else { return }
            throw BenchFailure(
                "worker \(index + 1) of \(processes.count) (pid \(pids[index])) exited with status \(processes[index].terminationStatus) \(stage)"
            )
        }
        func resident() -> Int { pids.reduce(0) { $0 + Machine.residentBytes($1) } }

        var linkRequests = 0
        if linkFirst {
            let linking = ContinuousClock.now + .seconds(600)
            // The accounts linked, and every company's first change-data-capture sweep done: both are
            // what a firm costs once, not what its invoices cost.
            while true {
                let linked = try await Progress.linkedAccounts(database)
                let swept = try await Progress.sweptCompanies(database)
                if linked >= firms * accounts && swept >= firms { break }
                try checkRunning("while linking the accounts")
                guard ContinuousClock.now < linking else { throw BenchFailure("the accounts were not linked in 10 minutes") }
                try await Task.sleep(for: .milliseconds(100))
            }
            for realm in realms {
                linkRequests += try sandbox.inspector.counters(realmId: realm).requests
                try sandbox.inspector.resetCounters(realmId: realm)
            }
            try await load(cluster: cluster, logger: logger)
        }

        let streaming = streamedBacklog.map { backlog in
            Task { try await stream(cluster: cluster, database: database, keepingAtMost: backlog, logger: logger) }
        }
        defer { streaming?.cancel() }
        // Wait for the backlog to be applied, written and published, sampling memory.
        var residentStart = 0
        var residentPeak = 0
        let deadline = ContinuousClock.now + .seconds(3600)
        var firstRecorded: ContinuousClock.Instant?
        // The progress counts scan growing tables: a long run reads them once a second, not ten times.
        let progressEvery = eventCount > 20_000 ? 10 : 1
        var samples = 0
        var progress = Progress(appliedInvoices: 0, documents: 0, synced: 0, unpublished: 1)
        var timeline: [(applied: Int, resident: Int)] = []
        while true {
            let resident = resident()
            residentPeak = max(residentPeak, resident)
            samples += 1
            if samples % progressEvery != 0 {
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            progress = try await Progress.read(database)
            if progress.appliedInvoices * 10 / max(eventCount, 1) > timeline.count {
                timeline.append((progress.appliedInvoices, resident))
            }
            if progress.documents == 0 { residentStart = resident } else if firstRecorded == nil { firstRecorded = .now }
            if let streaming, progress.appliedInvoices >= eventCount { try await streaming.value }
            if progress.appliedInvoices >= eventCount, progress.synced >= eventCount, progress.unpublished == 0 { break }
            try checkRunning("before the backlog was done")
            guard ContinuousClock.now < deadline else { throw BenchFailure("the backlog was not done in 30 minutes: \(progress)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let elapsed = ContinuousClock.now - (firstRecorded ?? .now)
        let observed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        try checkRunning("as the backlog was done")
        let workerCPUs = pids.map(Machine.cpuSeconds)
        let residentEnd = resident()
        // The benchmark's own progress queries scan growing tables (a tenth of PostgreSQL's CPU in
        // the short run): their backends' CPU is not the workers' and is left out.
        let ownBackends = try await Progress.ownBackendCPU(database)
        let ownCPU = ownBackends.reduce(0.0) { $0 + $1.value - (ownBackendsBefore[$1.key] ?? 0) }
        let databaseCPU = Machine.postgresCPUSeconds() - databaseCPUBefore - ownCPU
        // The workers report their database counters every 200 ms: two reports later they are in
        // (PostgreSQL's own count may lag up to a second behind its backends).
        try await Task.sleep(for: .milliseconds(450))
        let serverTransactions = try await Progress.serverTransactions(database) - serverTransactionsBefore
        var statements = 0
        var roundTrips = 0
        var transactions = 0
        var (handedOver, decoded) = (0, 0)
        let handedOverSeries = #"qbsync_pusher_payloads_total{source="handed_over"}"#
        let decodedSeries = #"qbsync_pusher_payloads_total{source="decoded"}"#
        for port in ports {
            let values = try await Machine.scrape(
                port: port,
                [
                    "qbsync_database_statements_total", "qbsync_database_round_trips_total", "qbsync_database_transactions_total",
                    handedOverSeries, decodedSeries,
                ])
            statements += Int(values["qbsync_database_statements_total"] ?? 0)
            roundTrips += Int(values["qbsync_database_round_trips_total"] ?? 0)
            transactions += Int(values["qbsync_database_transactions_total"] ?? 0)
            handedOver += Int(values[handedOverSeries] ?? 0)
            decoded += Int(values[decodedSeries] ?? 0)
        }
        let times = try await Progress.times(database)
        // QuickBooks' counters of the backlog alone, before the idle samples add their requests.
        var total = SandboxCounters()
        for realm in realms {
            let counters = try sandbox.inspector.counters(realmId: realm)
            total.requests += counters.requests
            total.batchRequests += counters.batchRequests
            total.batchItems += counters.batchItems
            total.throttled += counters.throttled
            total.throttledByWindow += counters.throttledByWindow
            total.throttledByBatchWindow += counters.throttledByBatchWindow
            total.throttledByConcurrency += counters.throttledByConcurrency
            total.peakInFlight = max(total.peakInFlight, counters.peakInFlight)
        }
        let idle = try await idleLatencies(database: database, cluster: cluster, logger: logger)
        try checkRunning("during the idle samples")
        for process in processes { process.terminate() }
        for process in processes { process.waitUntilExit() }
        return Result(
            events: eventCount, ingest: times.ingest, endToEnd: times.endToEnd, observed: observed, workerCPUs: workerCPUs,
            databaseCPU: databaseCPU, residentStart: residentStart, residentPeak: residentPeak, residentEnd: residentEnd,
            quickBooksRequests: total.requests, batchRequests: total.batchRequests, batchItems: total.batchItems,
            throttled: total.throttled, throttledByWindow: total.throttledByWindow,
            throttledByBatchWindow: total.throttledByBatchWindow, throttledByConcurrency: total.throttledByConcurrency,
            peakInFlight: total.peakInFlight, idleLatencies: idle, linkRequests: linkRequests,
            statements: statements, roundTrips: roundTrips, transactions: transactions, serverTransactions: serverTransactions,
            payloadsHandedOver: handedOver, payloadsDecoded: decoded, memoryTimeline: timeline)
    }

    /// Sends single invoices to the idle workers, one at a time, and times each to `synced` (the
    /// worker holding firm-0's partition serves them).
    private func idleLatencies(database: PostgresClient, cluster: KafkaMockCluster, logger: Logger) async throws -> [Double] {
        guard idleSamples > 0 else { return [] }
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(connection: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)),
            logger: logger)
        var latencies: [Double] = []
        // The first sample, untimed, warms the producer's connection and metadata up.
        for sample in -1..<idleSamples {
            try await Task.sleep(for: .milliseconds(200))  // idle: nothing in flight, every service waiting
            let number = 1_000_000 + sample
            let started = ContinuousClock.now
            _ = try await producer.send(
                topic: "billing.invoices", key: Array("firm-0".utf8),
                value: BenchEvents.invoice(firm: "firm-0", account: "acct-0", number: number))
            let deadline = started + .seconds(30)
            while true {
                let rows = try await database.withConnection { connection in
                    try await connection.query(
                        "select status from documents where firm_id = 'firm-0' and kind = 'invoice' and document_id = $1",
                        [.text("firm-0-acct-0-\(number)")])
                }
                if try rows.first?.decode(String?.self, "status") == "synced" { break }
                guard ContinuousClock.now < deadline else { throw BenchFailure("an idle invoice was not synced within 30 s") }
                try await Task.sleep(for: .milliseconds(2))
            }
            let elapsed = ContinuousClock.now - started
            if sample >= 0 { latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) }
        }
        try await producer.shutdown()
        return latencies
    }

    /// Produces the backlog before the worker starts: for each firm and account, its invoices.
    /// An owner's `account.sync_requested` for every account.
    private func loadLinks(cluster: KafkaMockCluster, logger: Logger) async throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(connection: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)),
            logger: logger)
        for firm in 0..<firms {
            for account in 0..<accounts {
                let message = BenchEvents.syncRequested(firm: "firm-\(firm)", account: "acct-\(account)")
                _ = try await producer.send(topic: "accounts.quickbooks-sync", key: Array("firm-\(firm)".utf8), value: message)
            }
        }
        try await producer.shutdown()
    }

    /// Produces the invoices in rounds (each firm's next invoices), waiting before each round
    /// until no more than `backlog` sent invoices are unapplied.
    private func stream(cluster: KafkaMockCluster, database: PostgresClient, keepingAtMost backlog: Int, logger: Logger) async throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(connection: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)),
            logger: logger)
        let firms = self.firms
        let accounts = self.accounts
        let round = max(1, min(backlog / 2, 5_000) / firms)  // invoices per firm in one round
        var sent = 0
        var next = 0  // the next invoice index of every firm (each firm's account by account)
        while next < accounts * invoices {
            while try await sent - Progress.appliedInvoices(database) > backlog - round * firms {
                try await Task.sleep(for: .milliseconds(500))
            }
            let range = next..<min(next + round, accounts * invoices)
            let invoices = self.invoices
            try await withThrowingTaskGroup(of: Void.self) { group in
                for firm in 0..<firms {
                    group.addTask {
                        for index in range {
                            let message = BenchEvents.invoice(
                                firm: "firm-\(firm)", account: "acct-\(index / invoices)", number: index % invoices)
                            _ = try await producer.send(topic: "billing.invoices", key: Array("firm-\(firm)".utf8), value: message)
                        }
                    }
                }
                try await group.waitForAll()
            }
            sent += range.count * firms
            next = range.upperBound
        }
        try await producer.shutdown()
    }

    private func load(cluster: KafkaMockCluster, logger: Logger) async throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(connection: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)),
            logger: logger)
        let firms = self.firms
        let accounts = self.accounts
        let invoices = self.invoices
        try await withThrowingTaskGroup(of: Void.self) { group in
            for firm in 0..<firms {
                group.addTask {
                    for account in 0..<accounts {
                        for invoice in 0..<invoices {
                            let message = BenchEvents.invoice(firm: "firm-\(firm)", account: "acct-\(account)", number: invoice)
                            _ = try await producer.send(topic: "billing.invoices", key: Array("firm-\(firm)".utf8), value: message)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await producer.shutdown()
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What the database says about the run.
struct Progress: CustomStringConvertible {
    var appliedInvoices: Int
    var documents: Int
    var synced: Int
    var unpublished: Int

    var description: String {
        "\(appliedInvoices) invoice events applied, \(synced) invoices synced, \(unpublished) status events unpublished"
    }

    static func read(_ database: PostgresClient) async throws -> Progress {
        try await database.withConnection { connection in
            let row = try await connection.query(
                """
                select (select count(*) from processed_events where event_type = 'invoice.upserted')::bigint as applied,
                       (select count(*) from documents)::bigint as documents,
                       (select count(*) from documents where status = 'synced')::bigint as synced,
                       (select count(*) from outbox where published_at is null)::bigint as unpublished
                """
            ).first
            return Progress(
                appliedInvoices: Int(try row?.decode(Int64.self, "applied") ?? 0),
                documents: Int(try row?.decode(Int64.self, "documents") ?? 0), synced: Int(try row?.decode(Int64.self, "synced") ?? 0),
                unpublished: Int(try row?.decode(Int64.self, "unpublished") ?? 0))
        }
    }

    /// The `application_name` of the benchmark's own sessions.
    static let applicationName = "qbsync-bench"

    /// CPU seconds of the benchmark's own backends in its database, by process id.
    static func ownBackendCPU(_ database: PostgresClient) async throws -> [Int32: Double] {
        let pids = try await database.withConnection { connection in
            try await connection.query(
                "select pid from pg_stat_activity where application_name = $1 and datname = current_database()", [.text(applicationName)]
            ).map { try $0.decode(Int32.self, "pid") }
        }
        return Dictionary(pids.map { ($0, Machine.cpuSeconds($0)) }) { first, _ in first }
    }

    static func appliedInvoices(_ database: PostgresClient) async throws -> Int {
        try await database.withConnection { connection in
            Int(
                try await connection.query("select count(*)::bigint from processed_events where event_type = 'invoice.upserted'").first?
                    .decode(Int64.self, 0) ?? 0)
        }
    }

    /// Transactions committed or rolled back in this database, as PostgreSQL counts them.
    static func serverTransactions(_ database: PostgresClient) async throws -> Int {
        try await database.withConnection { connection in
            // A fresh snapshot of the statistics, not the one cached for this transaction.
            _ = try await connection.query("select pg_stat_clear_snapshot()")
            return try await connection.query(
                "select (xact_commit + xact_rollback)::bigint from pg_stat_database where datname = current_database()"
            ).first.map { Int(try $0.decode(Int64.self, 0)) } ?? 0
        }
    }

    static func sweptCompanies(_ database: PostgresClient) async throws -> Int {
        try await database.withConnection { connection in
            Int(
                try await connection.query(
                    """
                    select count(*)::bigint as swept from quickbooks_cdc_checkpoints where claimed_by is null and next_sweep_at > now()
                    """
                ).first?.decode(Int64.self, "swept") ?? 0)
        }
    }

    static func linkedAccounts(_ database: PostgresClient) async throws -> Int {
        try await database.withConnection { connection in
            Int(
                try await connection.query("select count(*)::bigint as linked from accounts where status = 'synced'").first?.decode(
                    Int64.self, "linked") ?? 0)
        }
    }

    /// Seconds from the first invoice applied to the last one, and to the last status published.
    static func times(_ database: PostgresClient) async throws -> (ingest: Double, endToEnd: Double) {
        try await database.withConnection { connection in
            let row = try await connection.query(
                """
                with invoices as (select processed_at from processed_events where event_type = 'invoice.upserted')
                select extract(epoch from (select max(processed_at) - min(processed_at) from invoices))::float8 as ingest,
                       extract(epoch from ((select max(published_at) from outbox) - (select min(processed_at) from invoices)))::float8 as end_to_end
                """
            ).first
            return (try row?.decode(Double.self, "ingest") ?? 0, try row?.decode(Double.self, "end_to_end") ?? 0)
        }
    }
}

/// The backlog's events, as the platform sends them.
enum BenchEvents {
    static func syncRequested(firm: String, account: String) -> [UInt8] {
        let json = """
            {"specversion":"1.0","id":"\(UUID().uuidString.lowercased())","source":"/bench","type":"account.sync_requested","time":"2026-11-27T09:00:00Z",\
            "datacontenttype":"application/json","data":{"firm_id":"\(firm)","account_id":"\(account)","account_name":"Client \(account) of \(firm)",\
            "actor":{"user_id":"bench-owner","role":"owner"},"link":{"mode":"auto"}}}
            """
        return Array(json.utf8)
    }

    static func invoice(firm: String, account: String, number: Int) -> [UInt8] {
        let id = "\(firm)-\(account)-\(number)"
        let json = """
            {"specversion":"1.0","id":"\(UUID().uuidString.lowercased())","source":"/bench","type":"invoice.upserted","time":"2026-11-27T10:00:00Z",\
            "datacontenttype":"application/json","data":{"firm_id":"\(firm)","account_id":"\(account)","account_name":"Client \(account) of \(firm)",\
            "invoice_id":"\(id)","number":"B\(account.dropFirst(5))-\(number)","issue_date":"2026-11-01","due_date":"2026-12-01","currency":"USD",\
            "lines":[{"service_id":"s1","service_name":"Bookkeeping","description":"November","quantity":"2","rate":"225.00","amount":"450.00"},\
            {"service_id":"s2","service_name":"Payroll","quantity":"1","rate":"95.50","amount":"95.50"}],"total":"545.50","revision":1}}
            """
        return Array(json.utf8)
    }
}

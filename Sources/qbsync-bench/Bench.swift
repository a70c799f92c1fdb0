import ArgumentParser
import Foundation
import Kafka
import Logging
import Postgres
import QuickBooks
import QuickBooksSandbox
import SyncCore
import SyncWorker

/// Measures qbsync end to end and prints the figures: (1) a `qbsync worker` process consuming a
/// pre-loaded backlog of invoices from the embedded Kafka cluster, writing them to a zero-latency
/// QuickBooks sandbox (limits lifted) and publishing their status; (2) many firms against a
/// sandbox that takes `--latency-ms` per request, with QuickBooks' own limits (requests in flight:
/// the mean by Little's law, the peak of one company); (3) one firm's accounts linked, then its
/// backlog of invoices drained against
/// QuickBooks' limits, time-compressed, once per count in `--pace-workers` (worker processes in one
/// consumer group): operations per QuickBooks minute against its ceiling of 1,660 (500 requests
/// a minute, up to 40 of them batch requests of up to 30 operations), and 429s.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qbsync-bench",
        abstract: "Measure qbsync's throughput, CPU per event, memory and QuickBooks pace; print the figures.",
        discussion: "Needs QBSYNC_DATABASE_URL (scripts/bench.sh starts a private PostgreSQL and builds in release mode).")

    /// QuickBooks' limits per company per minute: requests (batch requests included), batch
    /// requests, operations in one batch request, requests in flight.
    static let requestsPerMinute = 500, batchRequestsPerMinute = 40, batchItems = 30, maxInFlight = 10
    /// Operations a company can have done in a minute: 40 × 30 + 460 = 1,660.
    static let operationsPerMinute = batchRequestsPerMinute * batchItems + requestsPerMinute - batchRequestsPerMinute

    @Option(help: "Firms (each its own QuickBooks company).") var firms = 40
    @Option(help: "Accounts per firm.") var accounts = 10
    @Option(help: "Invoices per account.") var invoices = 25
    @Option(help: "Partitions per topic of the embedded cluster (every run).") var partitions = 12
    @Option(help: "Accounts of the one firm drained at QuickBooks' pace.") var paceAccounts = 120
    @Option(help: "Invoices of that firm, spread evenly over its accounts (0 skips the pace part).") var paceInvoices = 2400
    @Option(help: "Seconds in one throttling window of the pace part (QuickBooks: 60; its limits scale with it).") var paceWindowSeconds =
        12
    @Option(help: "Worker processes of the pace part, comma-separated: one run per count.") var paceWorkers = "1,3"
    @Option(help: "Single invoices timed to synced on an idle worker after each backlog (0 skips).") var idleSamples = 20
    @Option(help: "Firms of the QuickBooks-latency run (0 skips it).") var latencyFirms = 200
    @Option(help: "Invoices per firm of the QuickBooks-latency run.") var latencyInvoices = 20
    @Option(help: "Milliseconds the sandbox takes per request in the latency run (real QuickBooks: 100–500).") var latencyMs = 150
    @Option(help: "Seconds of this machine's PostgreSQL floor (set-based writes, 50 events a transaction; 0 skips).") var floorSeconds = 10
    @Option(help: "Invoices of the long run, produced while the worker consumes (0 skips it).") var longInvoices = 0
    @Option(help: "The qbsync executable (default: next to this one).") var worker: String?

    /// `--pace-workers` as counts.
    var paceWorkerCounts: [Int] {
        paceWorkers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func validate() throws {
        let parts = paceWorkers.split(separator: ",", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ Int($0.trimmingCharacters(in: .whitespaces)).map { $0 >= 1 } ?? false }) else {
            throw ValidationError("--pace-workers must be worker counts of at least 1, comma-separated (e.g. 1,3); got '\(paceWorkers)'")
        }
        guard paceAccounts >= 1 else { throw ValidationError("--pace-accounts must be at least 1") }
        guard paceWindowSeconds >= 1 else { throw ValidationError("--pace-window-seconds must be at least 1") }
        guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: .error) }
        let logger = Logger(label: "qbsync.bench")
        guard let server = ProcessInfo.processInfo.environment["QBSYNC_DATABASE_URL"] else {
            throw ValidationError("set QBSYNC_DATABASE_URL (scripts/bench.sh does)")
        }
        let binary =
            worker
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("qbsync").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("no qbsync executable at \(binary); build it (swift build -c release) or pass --worker")
        }
        let machine = Machine()
        print("qbsync benchmark — \(machine.cores) cores, \(binary)\n")

        let throughput = Scenario(
            name: "throughput", firms: firms, accounts: accounts, invoices: invoices, partitions: partitions, windowSeconds: 60,
            requestsPerWindow: 100_000_000, batchRequestsPerWindow: 100_000_000, maxInFlight: 100_000,
            workerLimits: ["QBSYNC_QBO_MAX_IN_FLIGHT": "64", "QBSYNC_QBO_REQUESTS_PER_WINDOW": "100000000"],
            idleSamples: idleSamples)
        let result = try await throughput.run(server: server, binary: binary, logger: logger)
        result.print(title: "1. End to end, zero-latency QuickBooks with its limits lifted")
        if floorSeconds > 0 {
            let floor = try await PostgresFloor(duration: .seconds(floorSeconds)).run(server: server, logger: logger)
            Swift.print("   PostgreSQL floor on this machine, measured now (50 events a transaction, 3 set-based statements, 8 clients):")
            Swift.print(
                String(
                    format: "                             %8.0f events/s; qbsync end to end is %.1f %% of it\n",
                    floor.rate, 100 * (Double(result.events) / result.endToEnd) / floor.rate))
        }

        if longInvoices > 0 {
            // The same firms and accounts, many more invoices each, produced while consumed.
            let perAccount = max(1, longInvoices / (firms * accounts))
            var long = throughput
            long.name = "long"
            long.invoices = perAccount
            long.idleSamples = 0
            long.streamedBacklog = min(10_000, result.events)  // no more waiting than the short run's whole backlog
            let measured = try await long.run(server: server, binary: binary, logger: logger)
            measured.print(
                title:
                    "1b. The long run: \(measured.events) invoices produced while the worker consumes (at most \(long.streamedBacklog ?? 0) waiting)"
            )
            Swift.print(
                String(
                    format: "   peak memory against the short run  %+.0f %% (%.1f MiB against %.1f)\n",
                    100 * (Double(measured.residentPeak) / Double(result.residentPeak) - 1),
                    Double(measured.residentPeak) / 1_048_576, Double(result.residentPeak) / 1_048_576))
        }
        if latencyFirms > 0 {
            try await latencyRun(server: server, binary: binary, zeroLatency: result, logger: logger)
        }
        if paceInvoices > 0 {
            try await paceRuns(server: server, binary: binary, logger: logger)
        }
    }

    /// Section 2: QuickBooks' own limits per company (500 a minute, 40 of them batch requests,
    /// 10 in flight), each request taking latencyMs.
    private func latencyRun(server: String, binary: String, zeroLatency result: Scenario.Result, logger: Logger) async throws {
        let latency = Scenario(
            name: "latency", firms: latencyFirms, accounts: 1, invoices: latencyInvoices, partitions: partitions, windowSeconds: 60,
            requestsPerWindow: Self.requestsPerMinute, batchRequestsPerWindow: Self.batchRequestsPerMinute, maxBatchItems: Self.batchItems,
            maxInFlight: Self.maxInFlight, workerLimits: [:], latency: .milliseconds(latencyMs), idleSamples: idleSamples, linkFirst: true)
        let measured = try await latency.run(server: server, binary: binary, logger: logger)
        measured.print(
            title:
                "2. End to end with QuickBooks answering in \(latencyMs) ms, \(latencyFirms) firms × \(latencyInvoices) invoices, QuickBooks' own limits"
        )
        let rate = Double(measured.events) / measured.endToEnd
        // Per company at most 10 in flight at latencyMs each, and 500 a minute; invoices cost requests per invoice.
        let perRealm = min(Double(Self.maxInFlight) / (Double(latencyMs) / 1000), Double(Self.requestsPerMinute) / 60)
        let requestsPerInvoice = max(1, Double(measured.quickBooksRequests) / Double(measured.events))
        let bound = perRealm * Double(latencyFirms) / requestsPerInvoice
        Swift.print(
            String(
                format: "   QuickBooks' bound         %8.0f invoices/s (%d companies × %.1f requests/s ÷ %.2f per invoice)",
                bound, latencyFirms, perRealm, requestsPerInvoice))
        Swift.print(
            String(
                format: "   reached                   %8.0f %% of that bound, %.0f %% of the zero-latency rate",
                100 * rate / bound, 100 * rate / (Double(result.events) / result.endToEnd)))
        // Little's law: requests in flight = arrival rate × time each spends in flight. Only the
        // requests the sandbox admitted wait out its latency (a 429 is answered at once).
        let meanInFlight = Double(measured.admittedRequests) * Double(latencyMs) / 1000 / measured.observed
        Swift.print(
            String(
                format:
                    "   requests in flight        %8.1f mean, all companies (%d admitted requests × %d ms ÷ %.2f s observed), %.2f per company",
                meanInFlight, measured.admittedRequests, latencyMs, measured.observed, meanInFlight / Double(latencyFirms)))
        Swift.print(
            String(
                format: "   peak in flight            %8d in the busiest company (its limit: %d; companies' peaks need not coincide)",
                measured.peakInFlight, Self.maxInFlight))
        Swift.print("")
    }

    /// Section 3: one firm's backlog against QuickBooks' limits at window/60 scale (a 12 s window
    /// allows 100 requests, 8 of them batch requests), once per worker count.
    private func paceRuns(server: String, binary: String, logger: Logger) async throws {
        let scale = Double(paceWindowSeconds) / 60
        let perWindow = Int((Double(Self.requestsPerMinute) * scale).rounded())
        let batchesPerWindow = Int((Double(Self.batchRequestsPerMinute) * scale).rounded())
        let operationsAllowed = batchesPerWindow * Self.batchItems + perWindow - batchesPerWindow
        let perAccount = max(1, paceInvoices / paceAccounts)
        let windowMs = String(paceWindowSeconds * 1000)
        for (index, count) in paceWorkerCounts.enumerated() {
            let pace = Scenario(
                name: "pace-\(count)", firms: 1, accounts: paceAccounts, invoices: perAccount, partitions: partitions,
                windowSeconds: paceWindowSeconds, requestsPerWindow: perWindow, batchRequestsPerWindow: batchesPerWindow,
                maxBatchItems: Self.batchItems, maxInFlight: Self.maxInFlight,
                workerLimits: [
                    "QBSYNC_QBO_MAX_IN_FLIGHT": String(Self.maxInFlight), "QBSYNC_QBO_REQUESTS_PER_WINDOW": String(perWindow),
                    "QBSYNC_QBO_BATCHES_PER_WINDOW": String(batchesPerWindow), "QBSYNC_QBO_BATCH_ITEMS": String(Self.batchItems),
                    "QBSYNC_QBO_WINDOW_MS": windowMs, "QBSYNC_QBO_THROTTLE_PAUSE_MS": windowMs,
                ],
                workers: count, linkFirst: true)
            let paced = try await pace.run(server: server, binary: binary, logger: logger)
            paced.print(
                title:
                    "3.\(index + 1) One firm's backlog (\(paceAccounts) accounts × \(perAccount) invoices), \(count) worker\(count == 1 ? "" : "s"), "
                    + "against QuickBooks' limits per \(paceWindowSeconds) s window: \(perWindow) requests, \(batchesPerWindow) of them batch, \(Self.maxInFlight) in flight"
            )
            let operations = paced.quickBooksRequests - paced.batchRequests + paced.batchItems
            let windows = paced.observed / Double(paceWindowSeconds)
            let operationsPerWindow = Double(operations) / windows
            let operationsPerMinute = operationsPerWindow * 60 / Double(paceWindowSeconds)
            Swift.print(
                String(
                    format: "   requests                  %8d, %d of them batch requests (429s included)", paced.quickBooksRequests,
                    paced.batchRequests))
            Swift.print(
                String(
                    format: "   operations                %8d = %d requests − %d batch requests + %d operations in them",
                    operations, paced.quickBooksRequests, paced.batchRequests, paced.batchItems))
            Swift.print(
                String(
                    format:
                        "   operations per window     %8.1f = %d ÷ (%.2f s observed ÷ %d s = %.2f windows); a window allows %d (%d × %d + %d)",
                    operationsPerWindow, operations, paced.observed, paceWindowSeconds, windows, operationsAllowed,
                    batchesPerWindow, Self.batchItems, perWindow - batchesPerWindow))
            Swift.print(
                String(
                    format: "   at QuickBooks' scale      %8.0f operations per minute = %.1f × 60 ÷ %d; %.0f %% of its ceiling of 1,660",
                    operationsPerMinute, operationsPerWindow, paceWindowSeconds,
                    100 * operationsPerMinute / Double(Self.operationsPerMinute)))
            Swift.print(
                String(
                    format: "   requests per window       %8.1f of %d allowed, batch requests %.1f of %d",
                    Double(paced.quickBooksRequests) / windows, perWindow, Double(paced.batchRequests) / windows, batchesPerWindow))
            if paced.batchRequests > 0 {
                Swift.print(
                    String(
                        format: "   items per batch           %8.1f mean (at most %d)",
                        Double(paced.batchItems) / Double(paced.batchRequests), Self.batchItems))
            } else {
                Swift.print("   items per batch                  — (no batch requests)")
            }
            Swift.print(
                String(
                    format: "   429s from QuickBooks      %8d (%d over the window, %d over the batch window, %d over %d in flight)",
                    paced.throttled, paced.throttledByWindow, paced.throttledByBatchWindow, paced.throttledByConcurrency, Self.maxInFlight))
            // The sandbox's window opens with a burst of its allowance: the last window's burst
            // counts with next to no time of its own, so the figures read high by up to one window's worth.
            Swift.print(
                String(
                    format: "   (over %.2f windows the per-window figures can read up to %.0f %% high: the last window opens with a burst)",
                    windows, 100 / max(windows, 1)))
            if count > 1 {
                Swift.print(
                    "   (the Kafka key is the firm, so one firm's invoices arrive on one partition, consumed by one worker at a time)")
            }
            Swift.print("")
        }
    }
}

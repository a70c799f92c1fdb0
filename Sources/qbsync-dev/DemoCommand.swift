import ArgumentParser
import CommandLineSupport
import Foundation
import Kafka
import Logging
import Postgres
import QuickBooks
import QuickBooksSandbox
import SyncCore
import SyncWorker

/// Shows a newcomer the QuickBooks column change: embedded Kafka, the sandbox, a worker, and
/// sample traffic that walks through every status of the help article.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the worker on embedded defaults with sample traffic and show the QuickBooks column change.",
        discussion: "Needs only PostgreSQL (QBSYNC_DATABASE_URL); scripts/demo.sh starts a private one.")

    @Option(help: "Milliseconds to pause at least between the scenario's steps (each also waits for its changes to show).") var paceMs = 800
    @Flag(help: "Keep the worker, Kafka and the sandbox running after the scenario (Ctrl-C stops).") var keepRunning = false
    @Option(help: "Log level of the components (logs go to standard error).") var logLevel: Logger.Level = .error

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "qbsync.demo")
        var configuration = try WorkerConfiguration.fromEnvironment()

        say("1. Starting Kafka: librdkafka's embedded mock cluster (the real protocol, on loopback)")
        let cluster = try KafkaMockCluster(brokerCount: 1, logger: logger)
        for topic in configuration.topics.ingress + [configuration.topics.syncStatus, configuration.topics.deadLetter] {
            try cluster.createTopic(topic, partitions: 3)
        }
        let sandbox = QuickBooksSandbox(configuration: SandboxConfiguration(), logger: logger)
        try await sandbox.withRunning { endpoint in
            say("2. QuickBooks Online sandbox listening on \(endpoint.apiBaseURL)")
            configuration.kafka.bootstrapServers = cluster.bootstrapServers
            configuration.kafka.groupID = "qbsync-demo"
            configuration.kafka.tunedForMockCluster = true
            configuration.quickBooks.apiBaseURL = endpoint.apiBaseURL
            configuration.quickBooks.tokenURL = endpoint.tokenURL
            configuration.quickBooks.revokeURL = endpoint.revokeURL
            if configuration.tokenKey.isEmpty { configuration.tokenKey = (0..<32).map { _ in UInt8.random(in: 0...255) } }
            configuration.httpHost = "127.0.0.1"
            configuration.httpPort = 0
            configuration.sweepInterval = .milliseconds(200)
            // A database of its own per run: its firms' tokens are sealed with this run's key.
            configuration.databaseURL = try await Self.freshDatabase(from: configuration.databaseURL, logger: logger)
            try await runScenario(configuration: configuration, cluster: cluster, sandbox: sandbox, logger: logger)
        }
    }

    /// Creates `qbsync_demo_<time>` on the configured server and returns its URL.
    static func freshDatabase(from url: String, logger: Logger) async throws -> String {
        let name = "qbsync_demo_\(Int(Date().timeIntervalSince1970))"
        let server = try PostgresClient(configuration: PostgresConfiguration(connectionString: url, poolSize: 1), logger: logger)
        do {
            try await server.withConnection { _ = try await $0.execute("create database \"\(name)\"") }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
        guard let scheme = url.range(of: "://") else { return "\(url) dbname=\(name)" }
        let rest = url[scheme.upperBound...]
        let pathStart = rest.firstIndex(of: "/") ?? rest.firstIndex(of: "?") ?? rest.endIndex
        let queryStart = rest[pathStart...].firstIndex(of: "?") ?? rest.endIndex
        return String(url[..<pathStart]) + "/\(name)" + String(rest[queryStart...])
    }

    private func runScenario(configuration: WorkerConfiguration, cluster: KafkaMockCluster, sandbox: QuickBooksSandbox, logger: Logger)
        async throws
    {
        let firm = "demo-\(Int(Date().timeIntervalSince1970) % 100_000)"
        let grant = sandbox.inspector.createRealm(companyName: "Lopez & Partners CPA (demo)")
        let client = QuickBooksClient(configuration: configuration.quickBooks, logger: logger)
        let seedGrant = sandbox.inspector.createRealm(realmId: grant.realmId)
        let seedTokens = try await client.exchangeAuthorizationCode(seedGrant.authorizationCode, redirectURI: "http://localhost/demo")
        let access = RealmAccess(realmID: grant.realmId, accessToken: seedTokens.accessToken)
        let harbor = try await client.createCustomer(displayName: "Harbor Bakery Inc.", requestID: UUID().uuidString, access: access)
        _ = try await client.createCustomer(displayName: "Jane O'Neil", requestID: UUID().uuidString, access: access)
        say("3. QuickBooks company \(grant.realmId) already has two customers: 'Harbor Bakery Inc.' and 'Jane O'Neil'")

        let worker = try await Worker(configuration: configuration, logger: logger, gracefulShutdownSignals: [.sigterm, .sigint])
        let workerTask = Task { try await worker.run() }
        let names = [
            "harbor": "Harbor Bakery", "jane": "Jane O'Neil", "lopez": "Lopez & Sons", "zoe": "Zoë's Café", "north": "Northwind Traders",
        ]
        let events = DemoEvents(firm: firm, names: names)
        let reader = try StatusPrinter(
            bootstrapServers: cluster.bootstrapServers, topic: configuration.topics.syncStatus, names: names,
            documents: events.documentLabels, logger: logger)
        try await reader.waitUntilReading()

        let database = try PostgresClient(
            configuration: PostgresConfiguration(connectionString: configuration.databaseURL, poolSize: 2), logger: logger)
        let connector = try FirmConnector(
            database: database, client: client, tokenKey: configuration.tokenKey, statusTopic: configuration.topics.syncStatus,
            logger: logger)
        _ = try await connector.connect(
            FirmSettings(firmID: firm, realmID: grant.realmId, syncStartDate: CalendarDate("2026-01-01")),
            credential: .authorizationCode(grant.authorizationCode, redirectURI: "http://localhost/demo"))
        say("4. Firm \(firm) connected QuickBooks (policy: accounts with activity; sync start date 2026-01-01). A worker is consuming.\n")
        try await reader.waitUntilSettled(since: 0, changes: true, minimum: .zero)

        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(connection: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)),
            logger: logger)
        func step(_ title: String, changes: Bool = true, _ messages: [(topic: String, value: [UInt8])]) async throws {
            say("▶ \(title)")
            let before = await reader.printed
            for message in messages {
                _ = try await producer.send(topic: message.topic, key: Array(firm.utf8), value: message.value)
            }
            try await reader.waitUntilSettled(since: before, changes: changes, minimum: .milliseconds(paceMs))
        }
        try await step("Five accounts are added to the practice", names.keys.sorted().map { events.accountUpserted($0) })
        try await step(
            "Lopez & Sons gets invoice 1001 and Zoë's Café pays a retainer: both accounts sync automatically",
            [events.invoice("lopez", number: "1001"), events.payment("zoe")])
        try await step(
            "Lopez & Sons pays invoice 1001 by card; the processing fee is booked to Bank Charges & Fees",
            [events.payment("lopez", paying: "1001")])
        try await step(
            "A staff member tries to unsync Lopez & Sons: only owners and admins may", changes: false,
            [events.unsync("lopez", role: "staff")])
        let audited = try await database.withConnection { connection in
            try await connection.query("select reason from rejected_toggles where firm_id = $1", [.text(firm)])
        }
        for row in audited { say("   (nothing changed; kept in the audit table: \(try row.decode(String.self, "reason")))") }
        // "Select from the list of available QuickBooks clients": the list the Info tab shows.
        func picker(_ search: String) async throws {
            let page = try await CustomerPicker.withStandalone(configuration: configuration, logger: logger) { picker in
                try await picker.page(firmID: firm, CustomerPicker.Request(search: search, includeInactive: true))
            }
            say("▶ The owner opens \"Sync Account to QuickBooks\" and searches the QuickBooks customers for '\(search)':")
            for customer in page.customers {
                let linked =
                    customer.linkedAccounts.isEmpty
                    ? "" : "  — linked to \(customer.linkedAccounts.map { names[$0] ?? $0 }.joined(separator: ", "))"
                say("     \(customer.displayName) (QuickBooks id \(customer.qboID)\(customer.active ? "" : ", inactive"))\(linked)")
            }
        }
        try await picker("harbor")
        try await step(
            "The owner links Harbor Bakery to the existing QuickBooks customer 'Harbor Bakery Inc.'",
            [events.sync("harbor", mode: "existing", customerID: harbor.id)])
        try await step(
            "The owner syncs Jane O'Neil choosing 'create a new customer', but that name exists", [events.sync("jane", mode: "create")])
        try await step("The owner syncs Jane O'Neil again, matching by name", [events.sync("jane", mode: "auto")])
        try await picker("jane o'")
        try await step("The owner chooses 'Do not sync this account' for Northwind Traders", [events.unsync("north", role: "owner")])
        try await step("Northwind Traders gets invoice 1002 while unsynced: it is held back", [events.invoice("north", number: "1002")])
        try await step(
            "Harbor Bakery's invoice 0999 is dated before the sync start date",
            [events.invoice("harbor", number: "0999", date: "2025-12-15")])
        try await step(
            "The owner syncs Northwind Traders again: what was held back goes to QuickBooks", [events.sync("north", mode: "auto")])
        say("▶ The firm moves its sync start date back to 2025-12-01 (qbsync firm settings): invoice 0999, held back, goes now")
        let beforeSettings = await reader.printed
        _ = try await connector.updateSettings(firmID: firm, FirmConnector.SettingsChange(syncStartDate: .some(CalendarDate("2025-12-01"))))
        try await reader.waitUntilSettled(since: beforeSettings, changes: true, minimum: .milliseconds(paceMs))
        try await step(
            "The owner unsyncs the payment of Lopez & Sons: the payment and its fee expense leave QuickBooks, invoice 1001 is open again",
            [events.paymentToggle("lopez", sync: false)])
        try await step("The owner syncs that payment again: it is written anew", [events.paymentToggle("lopez", sync: true)])

        let column = try await QuickBooksColumn.load(firmID: firm, from: database)
        say(
            "\nThe QuickBooks column now (QBSYNC_DATABASE_URL='\(PostgresConfiguration.redacted(configuration.databaseURL))' qbsync status --firm \(firm)):\n"
        )
        say(column.rendered())
        if keepRunning {
            say("\nStill running: the worker serves metrics and health on its HTTP port; Ctrl-C stops everything.")
            _ = try? await workerTask.value
        } else {
            await worker.shutdown()
            try await workerTask.value
        }
        await reader.stop()
        try? await producer.shutdown()
        await database.shutdown()
        say("\nDone. Run it again any time with scripts/demo.sh.")
    }
}

func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Prints each status event as the QuickBooks column would change.
final class StatusPrinter: Sendable {
    private let consumer: KafkaConsumer
    private let task: Task<Void, Never>
    private let assignment = Assignment()

    private actor Assignment {
        var assigned = false
        /// Status events printed so far, and when the last one was.
        var printed = 0
        var lastPrinted = ContinuousClock.now
        func set() { assigned = true }
        func didPrint() {
            printed += 1
            lastPrinted = .now
        }
    }

    /// Waits until the column has settled after a step: at least `minimum`; when the step changes
    /// something, until its first change shows and then no further one came for `quiet` (at most
    /// `maximum` in all), so each step's changes print under its title.
    func waitUntilSettled(
        since printedBefore: Int, changes: Bool, minimum: Duration,
        quiet: Duration = .milliseconds(700), maximum: Duration = .seconds(20)
    ) async throws {
        let started = ContinuousClock.now
        try await Task.sleep(for: minimum)
        guard changes else { return }
        while ContinuousClock.now - started < maximum {
            if await assignment.printed > printedBefore, ContinuousClock.now - (await assignment.lastPrinted) >= quiet { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    var printed: Int { get async { await assignment.printed } }

    /// Waits until the reader owns its partitions, so no status event is printed late.
    func waitUntilReading(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while await !assignment.assigned, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// - Parameters:
    ///   - names: account names by account id.
    ///   - documents: how to name invoices and payments, by `entity:id`.
    init(bootstrapServers: String, topic: String, names: [String: String], documents: [String: String], logger: Logger) throws {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                connection: KafkaConfiguration(bootstrapServers: bootstrapServers), groupID: "demo-status-\(UUID().uuidString)",
                topics: [topic]
            ).tunedForMockCluster(),
            logger: logger)
        self.consumer = consumer
        let assignment = self.assignment
        task = Task {
            let labels = ["not_synced": "Not synced", "syncing": "Syncing", "synced": "Synced", "skipped": "Skipped", "failed": "Failed"]
            do {
                for try await event in consumer.events {
                    if case .partitionsAssigned = event { await assignment.set() }
                    guard case .message(let message) = event, let value = message.value,
                        let json = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
                        let data = json["data"] as? [String: Any]
                    else { continue }
                    let entity = data["entity"] as? String ?? ""
                    let id = data["entity_id"] as? String ?? ""
                    let who: String
                    switch entity {
                    case "account": who = names[id] ?? id
                    case "firm": who = "QuickBooks connection"
                    default: who = "   " + (documents["\(entity):\(id)"] ?? "\(entity) \(id)")
                    }
                    let from = (data["previous_status"] as? String).flatMap { labels[$0] } ?? "new"
                    let to = labels[data["status"] as? String ?? ""] ?? "?"
                    var line = "   \(who): \(from) → \(to)"
                    if let qbo = data["qbo_id"] as? String, to == "Synced", entity != "firm" {
                        line += " (QuickBooks \(entity == "account" ? "customer" : entity) \(qbo))"
                    }
                    if let detail = data["detail"] as? String { line += "\n      “\(detail)”" }
                    say(line)
                    await assignment.didPrint()
                }
            } catch {
                say("   (status stream ended: \(error))")
            }
        }
    }

    func stop() async {
        task.cancel()
        try? await consumer.close()
    }
}

/// The sample traffic: CloudEvents as the platform's services would send them.
struct DemoEvents {
    let firm: String
    let names: [String: String]

    private func envelope(_ type: String, _ topic: String, _ data: [String: Any]) -> (topic: String, value: [UInt8]) {
        let object: [String: Any] = [
            "specversion": "1.0", "id": UUID().uuidString.lowercased(), "source": "/demo", "type": type,
            "time": Date().formatted(.iso8601), "datacontenttype": "application/json", "data": data,
        ]
        return (topic, Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data()))
    }

    func accountUpserted(_ id: String) -> (topic: String, value: [UInt8]) {
        envelope("account.upserted", "accounts.lifecycle", ["firm_id": firm, "account_id": id, "account_name": names[id] ?? id])
    }

    /// How the printer names the demo's invoices and payments, by `entity:id`.
    var documentLabels: [String: String] {
        var labels: [String: String] = [:]
        for (account, name) in names {
            for number in ["0999", "1001", "1002"] { labels["invoice:inv-\(account)-\(number)"] = "Invoice \(number) of \(name)" }
            labels["payment:pay-\(account)"] = "Payment of \(name)"
        }
        return labels
    }

    func invoice(_ id: String, number: String, date: String = "2026-11-01") -> (topic: String, value: [UInt8]) {
        envelope(
            "invoice.upserted", "billing.invoices",
            [
                "firm_id": firm, "account_id": id, "account_name": names[id] ?? id, "invoice_id": "inv-\(id)-\(number)", "number": number,
                "issue_date": date, "currency": "USD",
                "lines": [
                    ["service_id": "tax-prep", "service_name": "Tax preparation", "quantity": 1, "rate": "450.00", "amount": "450.00"],
                    [
                        "service_id": "bookkeeping", "service_name": "Bookkeeping", "description": "Monthly", "quantity": "2",
                        "rate": "95.00", "amount": "190.00",
                    ],
                ],
                "total": "640.00", "revision": 1,
            ])
    }

    /// A card payment; with `paying`, of that invoice number in full (a 2.9 % fee).
    func payment(_ id: String, paying number: String? = nil) -> (topic: String, value: [UInt8]) {
        let applied: [[String: Any]] = number.map { [["invoice_id": "inv-\(id)-\($0)", "amount": "640.00"]] } ?? []
        return envelope(
            "payment.upserted", "billing.payments",
            [
                "firm_id": firm, "account_id": id, "account_name": names[id] ?? id, "payment_id": "pay-\(id)", "date": "2026-11-03",
                "amount": number == nil ? "120.00" : "640.00", "currency": "USD", "method": "card", "reference": "ch_\(id)",
                "processing_fee": number == nil ? "3.78" : "18.56", "applied_to": applied, "revision": 1,
            ])
    }

    func sync(_ id: String, mode: String, customerID: String? = nil) -> (topic: String, value: [UInt8]) {
        var link: [String: Any] = ["mode": mode]
        if let customerID { link["qbo_customer_id"] = customerID }
        return envelope(
            "account.sync_requested", "accounts.quickbooks-sync",
            [
                "firm_id": firm, "account_id": id, "account_name": names[id] ?? id, "actor": ["user_id": "u-owner", "role": "owner"],
                "link": link,
            ])
    }

    /// "Sync Payment to QuickBooks" / "Unsync Payment" from the payment's column, by the owner.
    func paymentToggle(_ id: String, sync: Bool) -> (topic: String, value: [UInt8]) {
        envelope(
            sync ? "payment.sync_requested" : "payment.unsync_requested", "billing.payments",
            [
                "firm_id": firm, "account_id": id, "payment_id": "pay-\(id)", "actor": ["user_id": "u-owner", "role": "owner"],
            ])
    }

    func unsync(_ id: String, role: String) -> (topic: String, value: [UInt8]) {
        envelope(
            "account.unsync_requested", "accounts.quickbooks-sync",
            ["firm_id": firm, "account_id": id, "actor": ["user_id": "u-\(role)", "role": role]])
    }
}

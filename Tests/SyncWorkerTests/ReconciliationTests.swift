import Foundation
import Postgres
import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@testable import SyncWorker

#if canImport(Glibc)
    import Glibc
#endif

private let line = TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "100.00", amount: "100.00")

/// An accountant changes what qbsync wrote, in QuickBooks; QuickBooks tells qbsync by webhook;
/// the column says what happened instead of a stale `synced`.
@Suite("Changes made in QuickBooks", .timeLimit(.minutes(2)))
struct ReconciliationTests {
    /// Someone working in the firm's QuickBooks company, with a connection of their own.
    struct Accountant {
        let client: QuickBooksClient
        let access: RealmAccess

        static func of(realm: String, _ env: TestEnvironment) async throws -> Accountant {
            let grant = env.sandbox.inspector.createRealm(realmId: realm)
            let client = QuickBooksClient(configuration: env.workerConfiguration().quickBooks, logger: env.logger)
            let tokens = try await client.exchangeAuthorizationCode(grant.authorizationCode, redirectURI: "http://localhost/callback")
            return Accountant(client: client, access: RealmAccess(realmID: realm, accessToken: tokens.accessToken))
        }

        func deleteInvoice(_ id: String) async throws {
            let invoice = try await client.invoice(id: id, access: access)
            _ = try await client.deleteInvoice(id: id, syncToken: invoice.syncToken ?? "0", requestID: UUID().uuidString, access: access)
        }

        func voidInvoice(_ id: String) async throws {
            let invoice = try await client.invoice(id: id, access: access)
            _ = try await client.voidInvoice(id: id, syncToken: invoice.syncToken ?? "0", requestID: UUID().uuidString, access: access)
        }

        func redateInvoice(_ id: String, to date: String) async throws {
            var invoice = try await client.invoice(id: id, access: access)
            invoice.txnDate = CalendarDate(date)
            _ = try await client.updateInvoice(invoice, requestID: UUID().uuidString, access: access)
        }

        func deactivateCustomer(_ id: String) async throws {
            let customer = try await client.read(Customer.entityName, id: id, as: Customer.self, access: access)
            _ = try await client.update(
                Customer.entityName, Customer(id: id, syncToken: customer.syncToken, displayName: customer.displayName, active: false),
                sparse: true, requestID: UUID().uuidString, access: access)
        }
    }

    /// A webhook as QuickBooks sends it (legacy format), signed.
    static func notify(_ url: String, realm: String, _ entities: [(name: String, id: String, operation: String, deletedID: String?)])
        async throws
    {
        let items = entities.map { entity in
            #"{"name":"\#(entity.name)","id":"\#(entity.id)","operation":"\#(entity.operation)","lastUpdated":"\#(Date().timeIntervalSince1970)""#
                + (entity.deletedID.map { #","deletedId":"\#($0)""# } ?? "") + "}"
        }
        let body = #"{"eventNotifications":[{"realmId":"\#(realm)","dataChangeEvent":{"entities":[\#(items.joined(separator: ","))]}}]}"#
        let answer = try await WebhookIntakeTests.post(url, body)
        #expect(answer.status == 200, "\(answer.body)")
    }

    static func post(_ url: String, _ body: String) async throws {
        let answer = try await WebhookIntakeTests.post(url, body)
        #expect(answer.status == 200, "\(answer.body)")
    }

    static func allReconciled(_ env: TestEnvironment) async throws {
        try await env.eventually("every notification reconciled") {
            try await env.database.withConnection { connection in
                try await connection.query("select 1 from quickbooks_notifications where reconciled_at is null").isEmpty
            }
        }
    }

    @Test("an invoice deleted in QuickBooks fails once, however often QuickBooks says so, and syncing it by hand writes it anew")
    func deletedInvoice() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            try await WebhookIntakeTests.withWorker(env) { url in
                try await env.send(TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i1", number: "R-1", lines: [line]))
                let synced = try await env.status.wait("f1:invoice:i1", is: "synced")
                let id = try #require(synced.qboID)
                let accountant = try await Accountant.of(realm: realm, env)
                try await accountant.deleteInvoice(id)

                let changedAt = "2026-12-02T10:00:00.000Z"
                let body =
                    #"{"eventNotifications":[{"realmId":"\#(realm)","dataChangeEvent":{"entities":[{"name":"Invoice","id":"\#(id)","operation":"Delete","lastUpdated":"\#(changedAt)"}]}}]}"#
                for _ in 1...3 { try await Self.post(url, body) }
                let failed = try await env.status.wait("f1:invoice:i1", is: "failed", detailContaining: "was deleted in QuickBooks")
                #expect(failed.errorCode == "deleted_in_quickbooks")
                try await Self.allReconciled(env)
                #expect(
                    await env.status.events.filter { $0.key == "f1:invoice:i1" && $0.status == "failed" }.count == 1,
                    "the column changed once")

                try await env.send(TestEvents.documentToggle("invoice.sync_requested", firm: "f1", account: "a1", document: "i1"))
                let sequence = failed.sequence
                let events = try await env.status.wait(timeout: .seconds(30), for: "synced again") { events in
                    events.contains { $0.key == "f1:invoice:i1" && $0.status == "synced" && $0.sequence > sequence }
                }
                let again = try #require(events.last { $0.key == "f1:invoice:i1" && $0.status == "synced" })
                let live = try await env.objects(realm: realm, .invoice).filter { $0.status == .active }
                #expect(live.count == 1 && live.first?.id != id && again.qboID == live.first?.id, "written anew, with a new id")
            }
        }
    }

    @Test("an invoice voided or edited in QuickBooks fails, saying what changed; qbsync's own writes never show as drift")
    func voidedAndEdited() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            try await WebhookIntakeTests.withWorker(env) { url in
                try await env.send(
                    TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i1", number: "V-1", lines: [line]),
                    TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i2", number: "E-1", lines: [line]),
                    TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i3", number: "P-1", lines: [line]))
                let voided = try #require(try await env.status.wait("f1:invoice:i1", is: "synced").qboID)
                let edited = try #require(try await env.status.wait("f1:invoice:i2", is: "synced").qboID)
                let paid = try #require(try await env.status.wait("f1:invoice:i3", is: "synced").qboID)
                // qbsync's own payment changes the paid invoice's SyncToken in QuickBooks.
                try await env.send(
                    TestEvents.payment(
                        firm: "f1", account: "a1", name: "Acme", payment: "p1", amount: "100.00",
                        appliedTo: [(invoice: "i3", amount: "100.00")]))
                let payment = try #require(try await env.status.wait("f1:payment:p1", is: "synced").qboID)

                let accountant = try await Accountant.of(realm: realm, env)
                try await accountant.voidInvoice(voided)
                try await accountant.redateInvoice(edited, to: "2026-11-03")

                let before = await env.status.events.count
                try await Self.notify(
                    url, realm: realm,
                    [
                        ("Invoice", voided, "Void", nil), ("Invoice", edited, "Update", nil),
                        ("Invoice", paid, "Update", nil), ("Payment", payment, "Create", nil), ("Payment", payment, "Update", nil),
                    ])
                _ = try await env.status.wait("f1:invoice:i1", is: "failed", detailContaining: "was voided in QuickBooks")
                let changed = try await env.status.wait("f1:invoice:i2", is: "failed", detailContaining: "was changed in QuickBooks")
                #expect(changed.detail?.contains("date 2026-11-01 → 2026-11-03") == true, "\(changed.detail ?? "")")
                try await Self.allReconciled(env)
                let after = await env.status.events.dropFirst(before)
                #expect(
                    after.map(\.key).sorted() == ["f1:invoice:i1", "f1:invoice:i2"],
                    "qbsync's own writes are not drift: \(after.map(\.key))")
            }
        }
    }

    @Test("a linked customer made inactive or merged away in QuickBooks fails its account, saying what to do")
    func customerChanged() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            try await WebhookIntakeTests.withWorker(env) { url in
                try await env.send(
                    TestEvents.syncRequested(firm: "f1", account: "a1", name: "Gone Inactive"),
                    TestEvents.syncRequested(firm: "f1", account: "a2", name: "Merged Away"))
                let inactive = try #require(try await env.status.wait("f1:account:a1", is: "synced").qboID)
                let merged = try #require(try await env.status.wait("f1:account:a2", is: "synced").qboID)
                let accountant = try await Accountant.of(realm: realm, env)
                try await accountant.deactivateCustomer(inactive)
                try await Self.notify(url, realm: realm, [("Customer", inactive, "Update", nil), ("Customer", "4242", "Merge", merged)])
                let failed = try await env.status.wait("f1:account:a1", is: "failed", detailContaining: "made inactive in QuickBooks")
                #expect(
                    failed.detail
                        == "The QuickBooks customer 'Gone Inactive' was made inactive in QuickBooks. Make it active again there, or sync the account to another customer."
                )
                let gone = try await env.status.wait("f1:account:a2", is: "failed", detailContaining: "merged into customer 4242")
                #expect(gone.errorCode == "customer_merged_in_quickbooks")
            }
        }
    }

    @Test(
        "an accountant's delete, void, edit, deactivation and merge, in the sandbox, reach the column through the webhooks it sends (either format), and with every webhook dropped through change-data-capture alone",
        arguments: [(SandboxWebhooks.Format.cloudEvents, false), (.legacy, false), (.cloudEvents, true)])
    func accountantInSandbox(format: SandboxWebhooks.Format, dropped: Bool) async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            // Without webhooks, the sweep is the only way: every second here.
            try await WebhookIntakeTests.withWorker(env, configure: { if dropped { $0.changeDataCaptureInterval = .seconds(1) } }) { url in
                try env.sandbox.inspector.setWebhooks(
                    SandboxWebhooks(
                        url: url, verifierToken: WebhookIntakeTests.verifier, format: format,
                        batchDelay: .milliseconds(200), dropRate: dropped ? 1 : 0))
                try await env.send(
                    TestEvents.syncRequested(firm: "f1", account: "a2", name: "Dormant Ltd"),
                    TestEvents.syncRequested(firm: "f1", account: "a3", name: "Merged Away"),
                    TestEvents.syncRequested(firm: "f1", account: "a4", name: "Survivor Inc"))
                try await env.send(
                    (1...4).map {
                        TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i\($0)", number: "W-\($0)", lines: [line])
                    })
                let deleted = try #require(try await env.status.wait("f1:invoice:i1", is: "synced").qboID)
                let voided = try #require(try await env.status.wait("f1:invoice:i2", is: "synced").qboID)
                let edited = try #require(try await env.status.wait("f1:invoice:i3", is: "synced").qboID)
                _ = try await env.status.wait("f1:invoice:i4", is: "synced")
                let dormant = try #require(try await env.status.wait("f1:account:a2", is: "synced").qboID)
                let merged = try #require(try await env.status.wait("f1:account:a3", is: "synced").qboID)
                let survivor = try #require(try await env.status.wait("f1:account:a4", is: "synced").qboID)
                await env.sandbox.inspector.flushWebhooks()
                try await Self.allReconciled(env)
                let before = await env.status.events.count

                let accountant = env.sandbox.inspector.accountant
                _ = try await accountant.delete(realmId: realm, entity: .invoice, id: deleted)
                _ = try await accountant.void(realmId: realm, entity: .invoice, id: voided)
                _ = try await accountant.edit(realmId: realm, entity: .invoice, id: edited, changes: #"{"TxnDate":"2026-11-07"}"#)
                _ = try await accountant.deactivateCustomer(realmId: realm, id: dormant)
                _ = try await accountant.mergeCustomer(realmId: realm, from: merged, into: survivor)
                await env.sandbox.inspector.flushWebhooks()

                _ = try await env.status.wait("f1:invoice:i1", is: "failed", detailContaining: "was deleted in QuickBooks")
                _ = try await env.status.wait("f1:invoice:i2", is: "failed", detailContaining: "was voided in QuickBooks")
                _ = try await env.status.wait("f1:invoice:i3", is: "failed", detailContaining: "date 2026-11-01 → 2026-11-07")
                _ = try await env.status.wait(
                    "f1:account:a2", is: "failed", detailContaining: "'Dormant Ltd' was made inactive in QuickBooks")
                // Change-data-capture shows the merged-away customer deleted; only the webhook names the one it went into.
                _ = try await env.status.wait(
                    "f1:account:a3", is: "failed", detailContaining: dropped ? "was merged" : "merged into customer \(survivor)")
                try await Self.allReconciled(env)
                let changed = await env.status.events.dropFirst(before).map(\.key).sorted()
                #expect(
                    changed == ["f1:account:a2", "f1:account:a3", "f1:invoice:i1", "f1:invoice:i2", "f1:invoice:i3"],
                    "nothing else moved (i4, a4, qbsync's own writes): \(changed)")
                let counters = try env.sandbox.inspector.counters(realmId: realm)
                if dropped {
                    #expect(counters.webhooksDelivered == 0 && counters.webhooksDropped > 0, "\(counters)")
                } else {
                    #expect(counters.webhooksDelivered > 0 && counters.webhooksFailed == 0, "\(counters)")
                }
            }
        }
    }

    @Test(
        "for a firm whose platform wins, an invoice edited or deleted in QuickBooks is written back with the platform's version; a void is still reported"
    )
    func platformWins() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1") { $0.quickBooksChanges = .platformWins }
            try await WebhookIntakeTests.withWorker(env) { url in
                try await env.send(
                    (1...3).map {
                        TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i\($0)", number: "PW-\($0)", lines: [line])
                    })
                let edited = try #require(try await env.status.wait("f1:invoice:i1", is: "synced").qboID)
                let deleted = try #require(try await env.status.wait("f1:invoice:i2", is: "synced").qboID)
                let voided = try #require(try await env.status.wait("f1:invoice:i3", is: "synced").qboID)
                let accountant = env.sandbox.inspector.accountant
                _ = try await accountant.edit(realmId: realm, entity: .invoice, id: edited, changes: #"{"TxnDate":"2026-11-08"}"#)
                _ = try await accountant.delete(realmId: realm, entity: .invoice, id: deleted)
                _ = try await accountant.void(realmId: realm, entity: .invoice, id: voided)
                try await Self.notify(
                    url, realm: realm,
                    [("Invoice", edited, "Update", nil), ("Invoice", deleted, "Delete", nil), ("Invoice", voided, "Void", nil)])

                _ = try await env.status.wait("f1:invoice:i3", is: "failed", detailContaining: "was voided in QuickBooks")
                try await env.eventually("the edit written back and the deleted invoice written anew") {
                    let invoices = try await env.objects(realm: realm, .invoice)
                    let live = invoices.filter { $0.status == .active }
                    return live.first { $0.id == edited }?.string("TxnDate") == "2026-11-01"
                        && live.contains { $0.string("DocNumber") == "PW-2" && $0.id != deleted }
                }
                try await Self.allReconciled(env)
                try await env.eventually("both columns synced again, the deleted one with its new id") {
                    let rewritten = await env.status.entity("f1:invoice:i2").last
                    return await env.status.entity("f1:invoice:i1").last?.status == "synced"
                        && rewritten?.status == "synced" && rewritten?.qboID != deleted
                }
                #expect(
                    await !env.status.events.contains { ($0.key == "f1:invoice:i1" || $0.key == "f1:invoice:i2") && $0.status == "failed" },
                    "the platform's version went back without a failure in the column")
            }
        }
    }

    @Test(
        "with no webhook at all, change-data-capture alone brings an accountant's delete, edit and void to the column, and qbsync's own writes stay synced"
    )
    func changeDataCaptureAlone() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker { $0.changeDataCaptureInterval = .seconds(1) }
            try await env.send(
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i1", number: "C-1", lines: [line]),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i2", number: "C-2", lines: [line]),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i3", number: "C-3", lines: [line]),
                TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i4", number: "C-4", lines: [line]))
            let voided = try #require(try await env.status.wait("f1:invoice:i4", is: "synced").qboID)
            let deleted = try #require(try await env.status.wait("f1:invoice:i1", is: "synced").qboID)
            let edited = try #require(try await env.status.wait("f1:invoice:i2", is: "synced").qboID)
            _ = try await env.status.wait("f1:invoice:i3", is: "synced")
            let accountant = try await Accountant.of(realm: realm, env)
            try await accountant.deleteInvoice(deleted)
            try await accountant.redateInvoice(edited, to: "2026-11-09")
            try await accountant.voidInvoice(voided)

            _ = try await env.status.wait(
                "f1:invoice:i1", is: "failed", detailContaining: "was deleted in QuickBooks", timeout: .seconds(30))
            _ = try await env.status.wait(
                "f1:invoice:i4", is: "failed", detailContaining: "was voided in QuickBooks", timeout: .seconds(30))
            _ = try await env.status.wait(
                "f1:invoice:i2", is: "failed", detailContaining: "date 2026-11-01 → 2026-11-09", timeout: .seconds(30))
            try await Self.allReconciled(env)
            #expect(await env.status.entity("f1:invoice:i3").map(\.status) == ["syncing", "synced"], "qbsync's own writes are not drift")
            let sources = try await env.database.withConnection { connection in
                try await connection.query("select distinct source from quickbooks_notifications").map {
                    try $0.decode(String.self, "source")
                }
            }
            #expect(sources == ["cdc"])
            try await worker.stop()
        }
    }

    /// Runs `qbsync reconcile` against the test's database and sandbox.
    static func reconcileCommand(_ env: TestEnvironment, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try WorkerProcess.binary()
        process.arguments = ["reconcile", "--log-level", "error"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging([
            "QBSYNC_DATABASE_URL": env.databaseURL, "QBSYNC_QBO_API_URL": env.endpoint.apiBaseURL,
            "QBSYNC_QBO_TOKEN_URL": env.endpoint.tokenURL,
            "QBSYNC_TOKEN_KEY": Data(env.tokenKey).base64EncodedString(), "QBSYNC_KAFKA_BOOTSTRAP_SERVERS": env.cluster.bootstrapServers,
        ]) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, printed, text)
    }

    @Test("qbsync reconcile lists exactly what was changed in QuickBooks (and not qbsync's own writes); --fix brings it to the column")
    func reconcileCommand() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker()
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a2", name: "Dormant Ltd"))
            try await env.send(
                (1...3).map {
                    TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i\($0)", number: "Q-\($0)", lines: [line])
                })
            try await env.send(
                TestEvents.payment(
                    firm: "f1", account: "a1", name: "Acme", payment: "p1", amount: "100.00", appliedTo: [(invoice: "i3", amount: "100.00")]
                ))
            let deleted = try #require(try await env.status.wait("f1:invoice:i1", is: "synced").qboID)
            let edited = try #require(try await env.status.wait("f1:invoice:i2", is: "synced").qboID)
            _ = try await env.status.wait("f1:payment:p1", is: "synced")
            let dormant = try #require(try await env.status.wait("f1:account:a2", is: "synced").qboID)

            let clean = try Self.reconcileCommand(env, ["--firm", "f1"])
            #expect(clean.status == 0 && clean.stdout.hasSuffix("0 difference(s)\n"), "\(clean.stdout)\(clean.stderr)")

            let accountant = try await Accountant.of(realm: realm, env)
            try await accountant.deleteInvoice(deleted)
            try await accountant.redateInvoice(edited, to: "2026-11-04")
            try await accountant.deactivateCustomer(dormant)

            let listed = try Self.reconcileCommand(env, ["--firm", "f1", "--json"])
            #expect(listed.status == 0, "\(listed.stderr)")
            let differences = try JSONDecoder().decode([FirmReconciliation.Difference].self, from: Data(listed.stdout.utf8))
            #expect(
                differences.map { "\($0.entity) \($0.id) \($0.kind)" } == [
                    "invoice i1 deleted_in_quickbooks", "invoice i2 changed_in_quickbooks", "account a2 customer_inactive_in_quickbooks",
                ])
            #expect(differences[1].detail.contains("date 2026-11-01 → 2026-11-04"))

            let fixed = try Self.reconcileCommand(env, ["--firm", "f1", "--fix"])
            #expect(fixed.status == 0 && fixed.stdout.contains("3 difference(s); 3 queued"), "\(fixed.stdout)\(fixed.stderr)")
            _ = try await env.status.wait("f1:invoice:i1", is: "failed", detailContaining: "was deleted in QuickBooks")
            _ = try await env.status.wait("f1:invoice:i2", is: "failed", detailContaining: "date 2026-11-01 → 2026-11-04")
            _ = try await env.status.wait("f1:account:a2", is: "failed", detailContaining: "made inactive in QuickBooks")
            #expect(try Self.reconcileCommand(env, ["--firm", "nobody"]).status != 0)
            try await worker.stop()
        }
    }

    @Test(
        "a company whose checkpoint is older than change-data-capture reaches gets a full reconcile: everything qbsync wrote there is read back"
    )
    func fullReconcileAfterLongDowntime() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let worker = try await env.startWorker { $0.changeDataCaptureInterval = .seconds(1) }
            try await env.send(
                (1...2).map {
                    TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i\($0)", number: "F-\($0)", lines: [line])
                })
            _ = try await env.status.wait("f1:invoice:i1", is: "synced")
            let edited = try #require(try await env.status.wait("f1:invoice:i2", is: "synced").qboID)
            try await Self.allReconciled(env)
            // Forty days without a sweep: an edit from back then is out of CDC's reach. The test
            // holds the realm's checkpoint as a sweep would while it edits, so that no sweep in
            // flight reads the edit through CDC first.
            try await env.eventually("the realm's checkpoint held by the test, no sweep in flight") {
                try await env.database.withConnection { connection in
                    try await connection.query(
                        """
                        update quickbooks_cdc_checkpoints set claimed_by = 'test', claimed_until = now() + interval '60 seconds'
                        where realm_id = $1 and (claimed_until is null or claimed_until < now()) returning realm_id
                        """, [.text(realm)]
                    ).count == 1
                }
            }
            let accountant = try await Accountant.of(realm: realm, env)
            try await accountant.redateInvoice(edited, to: "2026-11-10")
            try await env.database.withConnection { connection in
                _ = try await connection.execute("delete from quickbooks_notifications")
                _ = try await connection.execute(
                    """
                    update quickbooks_cdc_checkpoints set checked_until = now() - interval '40 days', next_sweep_at = now(),
                        claimed_by = null, claimed_until = null
                    where realm_id = $1
                    """, [.text(realm)])
            }
            _ = try await env.status.wait(
                "f1:invoice:i2", is: "failed", detailContaining: "date 2026-11-01 → 2026-11-10", timeout: .seconds(30))
            let queued = try await env.database.withConnection { connection in
                try await connection.query(
                    "select entity, count(*)::bigint as n from quickbooks_notifications where source = 'reconcile' group by entity order by entity"
                )
                .map { "\(try $0.decode(String.self, "entity")) \(try $0.decode(Int64.self, "n"))" }
            }
            #expect(queued == ["Customer 1", "Invoice 2"], "each invoice qbsync wrote and the linked customer checked again: \(queued)")
            try await Self.allReconciled(env)
            #expect(await env.status.entity("f1:invoice:i1").last?.status == "synced")
            try await worker.stop()
        }
    }

    /// A TCP port nothing listens on now (the kernel's choice, released at once).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("a worker process killed (SIGKILL) right after acknowledging a webhook loses nothing: the next worker applies it")
    func killedAfterAcknowledging() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            var synced = ""
            try await WebhookIntakeTests.withWorker(env) { _ in
                try await env.send(TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i1", number: "X-1", lines: [line]))
                synced = try #require(try await env.status.wait("f1:invoice:i1", is: "synced").qboID)
            }
            // Its reconciler is held back (the notification's claim looks taken), so the kill lands between acknowledgement and reconciliation.
            try await env.database.withConnection { connection in
                _ = try await connection.execute(
                    "alter table quickbooks_notifications alter column claimed_until set default now() + interval '1 hour'")
            }
            let port = try Self.freePort()
            let logs = FileManager.default.temporaryDirectory.appendingPathComponent("qbsync-killed-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
            let process = WorkerProcess(
                name: "acknowledging", binary: try WorkerProcess.binary(),
                environment: [
                    "QBSYNC_DATABASE_URL": env.databaseURL, "QBSYNC_KAFKA_BOOTSTRAP_SERVERS": env.cluster.bootstrapServers,
                    "QBSYNC_KAFKA_MOCK_CLUSTER": "1", "QBSYNC_QBO_API_URL": env.endpoint.apiBaseURL,
                    "QBSYNC_QBO_TOKEN_URL": env.endpoint.tokenURL,
                    "QBSYNC_TOKEN_KEY": Data(env.tokenKey).base64EncodedString(), "QBSYNC_HTTP_HOST": "127.0.0.1",
                    "QBSYNC_HTTP_PORT": String(port),
                    "QBSYNC_QBO_WEBHOOK_VERIFIER_TOKEN": WebhookIntakeTests.verifier,
                ], logDirectory: logs)
            try process.start()
            let url = "http://127.0.0.1:\(port)/webhooks/quickbooks"
            try await env.eventually("the worker process answers", timeout: .seconds(30)) {
                (try? await HTTP.status("GET", "http://127.0.0.1:\(port)/healthz")) == 200
            }
            try await Self.notify(url, realm: realm, [("Invoice", synced, "Delete", nil)])
            try await process.kill()
            try await env.database.withConnection { connection in
                _ = try await connection.execute("alter table quickbooks_notifications alter column claimed_until drop default")
                _ = try await connection.execute("update quickbooks_notifications set claimed_until = null")
            }
            try await WebhookIntakeTests.withWorker(env) { _ in
                _ = try await env.status.wait("f1:invoice:i1", is: "failed", detailContaining: "was deleted in QuickBooks")
            }
        }
    }
}

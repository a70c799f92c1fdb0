import Foundation
import QuickBooksSandbox
import Testing

@Suite("Webhook notifications")
struct WebhookTests {
    static let token = "verifier-token-of-the-app"

    static func configuration(
        _ receiver: WebhookReceiver, format: SandboxWebhooks.Format, batchDelay: Duration = .seconds(60)
    ) -> SandboxConfiguration {
        var configuration = SandboxConfiguration()
        // A long batch delay by default: the tests flush, so nothing arrives on a timer by surprise.
        configuration.webhooks = SandboxWebhooks(
            url: receiver.url, verifierToken: token, format: format, batchDelay: batchDelay,
            retryBackoff: .milliseconds(20))
        return configuration
    }

    @Test("the app's own create is notified, signed with the verifier token", arguments: SandboxWebhooks.Format.allCases)
    func apiCreateIsNotified(format: SandboxWebhooks.Format) async throws {
        try await WebhookReceiver.run { receiver in
            try await SandboxHarness.run(Self.configuration(receiver, format: format)) { sandbox in
                let company = try await sandbox.connectCompany()
                let created = try await sandbox.create(company, "Customer", #"{"DisplayName":"Notified"}"#)
                let id = try #require(created["Id"].string)
                #expect(await receiver.inbox.deliveries.isEmpty)  // still collecting
                await sandbox.inspector.flushWebhooks()

                let deliveries = await receiver.inbox.deliveries
                let delivery = try #require(deliveries.first)
                #expect(deliveries.count == 1)
                #expect(delivery.contentType?.hasPrefix("application/json") == true)
                #expect(delivery.signatureVerifies(with: Self.token))
                #expect(!delivery.signatureVerifies(with: "another-token"))
                #expect(delivery.notifications.count == 1)
                let notification = try #require(delivery.notifications.first)
                #expect(notification.realmId == company.realmId)
                #expect(notification.id == id)
                let time = try #require(notification.time)
                #expect(
                    time.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
                // The notification's time is the entity's LastUpdatedTime (which MetaData gives to the second).
                let lastUpdated = try #require(
                    created["MetaData"]["LastUpdatedTime"].string.flatMap(Self.parseTime))
                let notified = try #require(Self.parseTime(time))
                #expect(abs(notified.timeIntervalSince(lastUpdated)) < 1)

                switch format {
                case .legacy:
                    #expect(delivery.json["eventNotifications"][0]["realmId"].string == company.realmId)
                    #expect(notification.name == "Customer")
                    #expect(notification.operation == "Create")
                case .cloudEvents:
                    let event = delivery.json[0]
                    #expect(event["specversion"].string == "1.0")
                    #expect(event["source"].string == "intuit.quickbooks")
                    #expect(event["datacontenttype"].string == "application/json")
                    #expect(event["id"].string?.isEmpty == false)
                    #expect(notification.cloudEventType == "qbo.customer.created.v1")
                }
                #expect(try sandbox.inspector.counters(realmId: company.realmId).webhooksDelivered == 1)
            }
        }
    }

    @Test("every change by the accountant is notified with its operation", arguments: SandboxWebhooks.Format.allCases)
    func accountantChangesAreNotified(format: SandboxWebhooks.Format) async throws {
        try await WebhookReceiver.run { receiver in
            try await SandboxHarness.run(Self.configuration(receiver, format: format)) { sandbox in
                let company = try await sandbox.connectCompany()
                let realm = company.realmId
                let jane = try await sandbox.makeCustomer(company, "Jane")
                let john = try await sandbox.makeCustomer(company, "John")
                let invoice = try #require(
                    try await sandbox.makeInvoice(company, customerId: jane, amount: "100")["Id"].string)
                let second = try #require(
                    try await sandbox.makeInvoice(company, customerId: jane, amount: "50")["Id"].string)
                let payment = try #require(
                    try await sandbox.create(
                        company, "Payment",
                        #"{"CustomerRef":{"value":"\#(jane)"},"TotalAmt":40,"Line":[{"Amount":40,"LinkedTxn":[{"TxnId":"\#(invoice)","TxnType":"Invoice"}]}]}"#
                    )["Id"].string)
                await sandbox.inspector.flushWebhooks()
                let accountant = sandbox.inspector.accountant

                /// What one accountant change was notified as.
                func notified(_ change: () async throws -> Void) async throws -> [WebhookReceiver.Notification] {
                    let before = await receiver.inbox.deliveries.count
                    try await change()
                    await sandbox.inspector.flushWebhooks()
                    let deliveries = await receiver.inbox.deliveries.dropFirst(before)
                    #expect(deliveries.allSatisfy { $0.signatureVerifies(with: Self.token) })
                    return deliveries.flatMap(\.notifications)
                }
                func contains(
                    _ notifications: [WebhookReceiver.Notification], _ name: String, _ id: String, _ operation: String,
                    deletedId: String? = nil
                ) -> Bool {
                    notifications.contains { notification in
                        guard notification.id == id, notification.realmId == realm,
                            notification.deletedId == deletedId
                        else { return false }
                        switch format {
                        case .legacy: return notification.name == name && notification.operation == operation
                        case .cloudEvents:
                            let verb =
                                [
                                    "Create": "created", "Update": "updated", "Delete": "deleted",
                                    "Merge": "merged", "Void": "voided",
                                ][operation] ?? "?"
                            return notification.cloudEventType == "qbo.\(name.lowercased()).\(verb).v1"
                        }
                    }
                }

                let deactivated = try await notified { _ = try await accountant.deactivateCustomer(realmId: realm, id: john) }
                #expect(contains(deactivated, "Customer", john, "Update"))
                let reactivated = try await notified { _ = try await accountant.reactivateCustomer(realmId: realm, id: john) }
                #expect(contains(reactivated, "Customer", john, "Update"))
                let edited = try await notified {
                    _ = try await accountant.edit(
                        realmId: realm, entity: .invoice, id: second, changes: #"{"TxnDate":"2026-11-30"}"#)
                }
                #expect(contains(edited, "Invoice", second, "Update"))
                let voided = try await notified { _ = try await accountant.void(realmId: realm, entity: .payment, id: payment) }
                #expect(contains(voided, "Payment", payment, "Void"))
                // The invoice it paid is unpaid again: a new version too.
                #expect(contains(voided, "Invoice", invoice, "Update"))
                let deleted = try await notified { _ = try await accountant.delete(realmId: realm, entity: .invoice, id: second) }
                #expect(contains(deleted, "Invoice", second, "Delete"))
                let merged = try await notified { _ = try await accountant.mergeCustomer(realmId: realm, from: jane, into: john) }
                #expect(contains(merged, "Customer", john, "Merge", deletedId: jane))
                #expect(contains(merged, "Invoice", invoice, "Update"))
                // Only the Merge tells of the customer merged away.
                #expect(
                    !merged.contains {
                        $0.id == jane && ($0.name == "Customer" || $0.cloudEventType?.hasPrefix("qbo.customer.") == true)
                    })
            }
        }
    }

    @Test("a realm's changes are collected for the batch delay and sent in one POST")
    func changesAreBatched() async throws {
        try await WebhookReceiver.run { receiver in
            let configuration = Self.configuration(receiver, format: .legacy, batchDelay: .milliseconds(400))
            try await SandboxHarness.run(configuration) { sandbox in
                let company = try await sandbox.connectCompany()
                for name in ["One", "Two", "Three"] { _ = try await sandbox.makeCustomer(company, name) }
                let arrived = try await SandboxHarness.eventually(within: .seconds(5)) {
                    await !receiver.inbox.deliveries.isEmpty
                }
                #expect(arrived)
                try await Task.sleep(for: .milliseconds(600))  // nothing else is on its way
                let deliveries = await receiver.inbox.deliveries
                #expect(deliveries.count == 1)
                #expect(deliveries.first?.notifications.map(\.operation) == ["Create", "Create", "Create"])
            }
        }
    }

    @Test("a failed delivery is retried with the same body, then given up and counted")
    func failedDeliveriesAreRetried() async throws {
        try await WebhookReceiver.run { receiver in
            let configuration = Self.configuration(receiver, format: .cloudEvents)
            try await SandboxHarness.run(configuration) { sandbox in
                let company = try await sandbox.connectCompany()
                await receiver.inbox.failNext(2)
                _ = try await sandbox.makeCustomer(company, "Retried")
                await sandbox.inspector.flushWebhooks()
                #expect(await receiver.inbox.attempts == 3)
                #expect(await receiver.inbox.deliveries.count == 1)
                var counters = try sandbox.inspector.counters(realmId: company.realmId)
                #expect(counters.webhookRetries == 2)
                #expect(counters.webhooksDelivered == 1)
                #expect(counters.webhooksFailed == 0)

                var fewAttempts = try #require(sandbox.inspector.webhooks)
                fewAttempts.maxAttempts = 2
                try sandbox.inspector.setWebhooks(fewAttempts)
                await receiver.inbox.failNext(5)
                _ = try await sandbox.makeCustomer(company, "Given up")
                await sandbox.inspector.flushWebhooks()
                counters = try sandbox.inspector.counters(realmId: company.realmId)
                #expect(await receiver.inbox.attempts == 5)
                #expect(await receiver.inbox.deliveries.count == 1)
                #expect(counters.webhooksFailed == 1)
                #expect(counters.webhookRetries == 3)
            }
        }
    }

    @Test("with dropRate 1 nothing is delivered, yet change data capture shows the change")
    func droppedNotificationsLeaveCDC() async throws {
        try await WebhookReceiver.run { receiver in
            try await SandboxHarness.run(Self.configuration(receiver, format: .legacy)) { sandbox in
                let company = try await sandbox.connectCompany()
                var dropping = try #require(sandbox.inspector.webhooks)
                dropping.dropRate = 1
                try sandbox.inspector.setWebhooks(dropping)
                let since = Self.cdcTime(Date().addingTimeInterval(-60))
                let id = try await sandbox.makeCustomer(company, "Unannounced")
                await sandbox.inspector.flushWebhooks()

                #expect(await receiver.inbox.attempts == 0)
                #expect(try sandbox.inspector.counters(realmId: company.realmId).webhooksDropped == 1)
                let changes = try await sandbox.api(
                    company, .GET, "cdc", query: ["entities": "Customer", "changedSince": since])
                #expect(changes.status == 200)
                let customers = changes.json["CDCResponse"][0]["QueryResponse"][0]["Customer"].array
                #expect(customers.contains { $0["Id"].string == id && $0["DisplayName"].string == "Unannounced" })
            }
        }
    }

    @Test("webhooks are set, read, flushed and turned off over the admin API")
    func adminWebhooks() async throws {
        try await WebhookReceiver.run { receiver in
            try await SandboxHarness.run { sandbox in
                let company = try await sandbox.connectCompany()
                _ = try await sandbox.makeCustomer(company, "Before webhooks")  // nothing to notify yet
                let off = try await sandbox.admin(.GET, "/webhooks")
                #expect(off.status == 200)
                #expect(off.json["webhooks"].exists == false)

                let missing = try await sandbox.admin(.PUT, "/webhooks", body: #"{"url":"\#(receiver.url)"}"#)
                #expect(missing.status == 400)
                let set = try await sandbox.admin(
                    .PUT, "/webhooks",
                    body: #"{"url":"\#(receiver.url)","verifierToken":"\#(Self.token)","format":"legacy","batchDelayMs":60000}"#)
                #expect(set.status == 200)
                #expect(set.json["webhooks"]["format"].string == "legacy")
                #expect(set.json["webhooks"]["verifierToken"].exists == false)
                #expect(sandbox.inspector.webhooks?.batchDelay == .seconds(60))
                let invalid = try await sandbox.admin(.PUT, "/webhooks", body: #"{"dropRate":2}"#)
                #expect(invalid.status == 400)

                _ = try await sandbox.makeCustomer(company, "After webhooks")
                #expect(try await sandbox.admin(.GET, "/webhooks").json["pendingChanges"].int == 1)
                let flushed = try await sandbox.admin(.POST, "/webhooks/flush")
                #expect(flushed.json["pendingChanges"].int == 0)
                let deliveries = await receiver.inbox.deliveries
                #expect(deliveries.count == 1)
                #expect(deliveries.first?.notifications.map(\.operation) == ["Create"])
                #expect(deliveries.first?.signatureVerifies(with: Self.token) == true)

                #expect(try await sandbox.admin(.DELETE, "/webhooks").json["webhooks"].exists == false)
                _ = try await sandbox.makeCustomer(company, "After turning off")
                await sandbox.inspector.flushWebhooks()
                #expect(await receiver.inbox.attempts == 1)
            }
        }
    }

    @Test("shutting the sandbox down does not wait for pending or unanswered deliveries")
    func shutdownDoesNotHang() async throws {
        try await WebhookReceiver.run { receiver in
            var configuration = Self.configuration(receiver, format: .cloudEvents)
            configuration.webhooks?.timeout = .seconds(60)
            let started = ContinuousClock.now
            await receiver.inbox.hold(true)
            try await SandboxHarness.run(configuration) { sandbox in
                let company = try await sandbox.connectCompany()
                _ = try await sandbox.makeCustomer(company, "Pending at shutdown")
                // A flush over the admin API hangs on an endpoint that does not answer; the server's
                // graceful shutdown waits for the requests it is serving…
                Task { _ = try? await sandbox.admin(.POST, "/webhooks/flush") }
                let sent = try await SandboxHarness.eventually(within: .seconds(5)) { await receiver.inbox.attempts == 1 }
                #expect(sent)
                // …and another batch waits out its 60-second delay.
                _ = try await sandbox.makeCustomer(company, "Still collecting")
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            await receiver.inbox.hold(false)
        }
    }

    // MARK: - Helpers

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// A `changedSince` value.
    static func cdcTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

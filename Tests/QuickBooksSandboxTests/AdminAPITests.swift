import Foundation
import QuickBooksSandbox
import Testing

@Suite("Admin API and in-process inspection")
struct AdminAPITests {
    @Test("listing a realm's entities flags inactive, voided and deleted ones")
    func listEntities() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let sleeping = try await sandbox.makeCustomer(company, "Sleeping")
            _ = try await sandbox.api(
                company, .POST, "customer", body: #"{"Id":"\#(sleeping)","SyncToken":"0","sparse":true,"Active":false}"#
            )
            let awake = try await sandbox.makeCustomer(company, "Awake")
            let invoiceId = try #require(
                try await sandbox.makeInvoice(company, customerId: awake, amount: "9")["Id"].string)
            _ = try await sandbox.api(
                company, .POST, "invoice", query: ["operation": "delete"],
                body: #"{"Id":"\#(invoiceId)","SyncToken":"0"}"#)

            let customers = try await sandbox.admin(.GET, "/realms/\(company.realmId)/entities/customer")
            #expect(customers.status == 200)
            let statuses = Dictionary(
                uniqueKeysWithValues: customers.json["records"].array.map {
                    ($0["label"].string ?? "", $0["status"].string ?? "")
                })
            #expect(statuses == ["Sleeping": "inactive", "Awake": "active"])
            let invoices = try await sandbox.admin(.GET, "/realms/\(company.realmId)/entities/Invoice")
            #expect(invoices.json["records"][0]["status"].string == "deleted")

            let records = try await sandbox.inspector.records(realmId: company.realmId, entity: .invoice)
            #expect(records.map(\.status) == [.deleted])
            let summary = try await sandbox.admin(.GET, "/realms/\(company.realmId)")
            #expect(summary.json["entities"]["Customer"].int == 2)
        }
    }

    @Test("counters count requests and can be reset")
    func counters() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            _ = try await sandbox.makeCustomer(company, "Counted")
            _ = try await sandbox.api(company, .GET, "customer/1")
            _ = try await sandbox.api(company, .GET, "account/1", bearer: "wrong")
            let counters = try await sandbox.counters(company)
            #expect(counters["requests"].int == 3)
            #expect(counters["writes"].int == 1)
            #expect(counters["authenticationFailures"].int == 1)
            #expect(try sandbox.inspector.counters(realmId: company.realmId).requests == 3)
            let reset = try await sandbox.admin(.POST, "/realms/\(company.realmId)/counters/reset")
            #expect(reset.json["requests"].int == 0)
            let unknown = try await sandbox.admin(.GET, "/realms/nope/counters")
            #expect(unknown.status == 404)
        }
    }

    @Test("the inspector creates realms and injects faults without HTTP")
    func inspector() async throws {
        try await SandboxHarness.run { sandbox in
            let grant = sandbox.inspector.createRealm(companyName: "In Process", realmId: "4620816365100000")
            #expect(grant.realmId == "4620816365100000")
            let tokens = try await sandbox.exchange(code: grant.authorizationCode)
            let company = SandboxHarness.Company(
                realmId: grant.realmId, accessToken: tokens.json["access_token"].string ?? "",
                refreshToken: tokens.json["refresh_token"].string ?? "")
            try sandbox.inspector.setFaults(SandboxFaults(forced429Count: 1), realmId: grant.realmId)
            #expect(try await sandbox.api(company, .GET, "account/1").status == 429)
            #expect(try sandbox.inspector.faults(realmId: grant.realmId).forced429Count == 0)
            try sandbox.inspector.revokeTokens(realmId: grant.realmId)
            #expect(try await sandbox.api(company, .GET, "account/1").status == 401)
            #expect(throws: SandboxError.unknownRealm("missing")) { try sandbox.inspector.counters(realmId: "missing") }
        }
    }

    @Test("CompanyInfo answers for the connected company, as clients use it to check a connection")
    func companyInfo() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany(named: "Checked Co")
            let info = try await sandbox.api(company, .GET, "companyinfo/\(company.realmId)")
            #expect(info.status == 200)
            #expect(info.json["CompanyInfo"]["CompanyName"].string == "Checked Co")
        }
    }

    @Test("the configuration can be read from QBSYNC_SANDBOX_* variables, and a bad value is named")
    func environment() throws {
        let configuration = try SandboxConfiguration(environment: [
            "QBSYNC_SANDBOX_PORT": "8089", "QBSYNC_SANDBOX_THROTTLE_WINDOW_SECONDS": "1.5",
            "QBSYNC_SANDBOX_LATENCY_MS": "20-80", "QBSYNC_SANDBOX_THROTTLE_BODY_FORMAT": "xml",
        ])
        #expect(configuration.port == 8089)
        #expect(configuration.throttleWindow == .milliseconds(1500))
        #expect(configuration.faults.latency == .uniform(min: .milliseconds(20), max: .milliseconds(80)))
        #expect(configuration.faults.throttleBodyFormat == .xml)
        #expect(configuration.requestsPerWindow == 500)
        #expect(
            throws: SandboxError.invalidConfiguration("QBSYNC_SANDBOX_MAX_IN_FLIGHT must be a whole number; got ten")
        ) {
            try SandboxConfiguration(environment: ["QBSYNC_SANDBOX_MAX_IN_FLIGHT": "ten"])
        }
    }

    @Test("removing a realm forgets its data and its tokens")
    func removeRealm() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let removed = try await sandbox.admin(.DELETE, "/realms/\(company.realmId)")
            #expect(removed.status == 200)
            #expect(try await sandbox.api(company, .GET, "account/1").status == 401)
            #expect(try await sandbox.admin(.GET, "/realms/\(company.realmId)").status == 404)
            #expect(sandbox.inspector.realmIds.isEmpty)
        }
    }

    @Test("a sandbox that cannot bind its port fails instead of hanging")
    func bindFailure() async throws {
        try await SandboxHarness.run { sandbox in
            var taken = SandboxConfiguration()
            taken.port = sandbox.endpoint.port
            await #expect(throws: (any Error).self) {
                try await QuickBooksSandbox.withRunning(configuration: taken) { _ in }
            }
            let health = try await sandbox.admin(.GET, "/health")
            #expect(health.status == 200)
        }
    }

    @Test("with an admin token configured, the admin API needs it")
    func adminToken() async throws {
        var configuration = SandboxConfiguration()
        configuration.adminToken = "s3cret"
        try await SandboxHarness.run(configuration) { sandbox in
            let refused = try await sandbox.admin(.POST, "/realms")
            #expect(refused.status == 401)
            let allowed = try await sandbox.send(
                .POST, sandbox.endpoint.adminBaseURL + "/realms", headers: ["Authorization": "Bearer s3cret"])
            #expect(allowed.status == 201)
        }
    }
}

import AsyncHTTPClient
import Foundation
import QuickBooksSandbox
import Testing

@Suite("Fault injection and latency")
struct FaultInjectionTests {
    @Test("a 5xx rate of 1 fails every call with a SystemFault and writes nothing")
    func serverErrors() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            try await sandbox.setFaults(#"{"serverErrorRate":1}"#, realmId: company.realmId)
            let failed = try await sandbox.api(company, .POST, "customer", body: #"{"DisplayName":"Never"}"#)
            #expect(failed.status == 500)
            #expect(failed.faultCode == "10000")
            #expect(failed.json["Fault"]["type"].string == "SystemFault")
            _ = try await sandbox.admin(.DELETE, "/realms/\(company.realmId)/faults")
            let count = try await sandbox.query(company, "select count(*) from Customer")
            #expect(count.json["QueryResponse"]["totalCount"].int == 0)
            let counters = try await sandbox.counters(company)
            #expect(counters["serverErrorsInjected"].int == 1)
            #expect(counters["faultsInjected"].int == 1)
        }
    }

    @Test("a timed-out write is applied but unanswered; the same requestid then returns the original answer")
    func timeoutAfterWrite() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            try await sandbox.setFaults(#"{"timeoutRate":1,"timeoutHoldMs":60000}"#, realmId: company.realmId)
            let body = #"{"DisplayName":"Lost Answer"}"#
            let lost = try await withThrowingTaskGroup(of: SandboxHarness.Reply.self) { group in
                group.addTask {
                    try await sandbox.api(company, .POST, "customer", query: ["requestid": "slow-1"], body: body)
                }
                let held = try await SandboxHarness.eventually(within: .seconds(20)) {
                    try await sandbox.counters(company)["timeoutsInjected"].int == 1
                }
                #expect(held)
                // The customer exists while the client is still waiting for an answer.
                let stored = try await sandbox.inspector.records(realmId: company.realmId, entity: .customer)
                #expect(stored.map(\.label) == ["Lost Answer"])
                try await sandbox.setFaults(#"{"timeoutRate":0}"#, realmId: company.realmId)
                return try await group.next()
            }
            #expect(lost?.status == 504)
            #expect(lost?.json["Customer"].exists == false)

            let retry = try await sandbox.api(company, .POST, "customer", query: ["requestid": "slow-1"], body: body)
            #expect(retry.status == 200)
            #expect(retry.json["Customer"]["DisplayName"].string == "Lost Answer")
            let count = try await sandbox.query(company, "select count(*) from Customer")
            #expect(count.json["QueryResponse"]["totalCount"].int == 1)
            let counters = try await sandbox.counters(company)
            #expect(counters["idempotentReplays"].int == 1)
        }
    }

    @Test("a client that gives up gets no answer, and the held call does not keep an in-flight slot")
    func timeoutsReleaseSlots() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            try await sandbox.setFaults(#"{"timeoutRate":1,"timeoutHoldMs":60000}"#, realmId: company.realmId)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        await #expect(throws: (any Error).self) {
                            _ = try await sandbox.api(company, .GET, "account/1", timeout: .seconds(5))
                        }
                    }
                }
                let allHeld = try await SandboxHarness.eventually(within: .seconds(20)) {
                    try await sandbox.counters(company)["timeoutsInjected"].int == 10
                }
                #expect(allHeld)
                #expect(try await sandbox.counters(company)["inFlight"].int == 0)
                try await group.waitForAll()
            }
            _ = try await sandbox.admin(.DELETE, "/realms/\(company.realmId)/faults")
            let after = try await sandbox.api(company, .GET, "account/1")
            #expect(after.status == 200)
        }
    }

    @Test("a timeout before the write leaves nothing behind")
    func timeoutBeforeWrite() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            try await sandbox.setFaults(
                #"{"timeoutRate":1,"timeoutHoldMs":300,"timeoutAfterWrite":false}"#, realmId: company.realmId)
            let held = try await sandbox.api(company, .POST, "customer", body: #"{"DisplayName":"Not Written"}"#)
            #expect(held.status == 504)
            _ = try await sandbox.admin(.DELETE, "/realms/\(company.realmId)/faults")
            let count = try await sandbox.query(company, "select count(*) from Customer")
            #expect(count.json["QueryResponse"]["totalCount"].int == 0)
        }
    }

    @Test("an outage window answers 503 until it ends")
    func outage() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            try await sandbox.setFaults(#"{"outage":{"startsInMs":0,"durationMs":3000}}"#)
            let down = try await sandbox.api(company, .GET, "account/1")
            #expect(down.status == 503)
            let back = try await SandboxHarness.eventually(within: .seconds(10), every: .milliseconds(100)) {
                try await sandbox.api(company, .GET, "account/1").status == 200
            }
            #expect(back)
            let counters = try await sandbox.counters(company)
            #expect(counters["outageRejections"].int ?? 0 >= 1)
        }
    }

    @Test("fixed latency delays every answer")
    func latency() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            try await sandbox.setFaults(#"{"latency":{"mode":"fixed","ms":300}}"#, realmId: company.realmId)
            let start = ContinuousClock.now
            #expect(try await sandbox.api(company, .GET, "account/1").status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
            let settings = try await sandbox.admin(.GET, "/realms/\(company.realmId)/faults")
            #expect(settings.json["latency"]["ms"].int == 300)
            #expect(settings.json["overridden"].bool == true)
        }
    }

    @Test("fault settings from the configuration apply from the start; bad settings are refused")
    func configuredFaults() async throws {
        var configuration = SandboxConfiguration()
        configuration.faults = SandboxFaults(forced429Count: 1)
        try await SandboxHarness.run(configuration) { sandbox in
            let company = try await sandbox.connectCompany()
            #expect(try await sandbox.api(company, .GET, "account/1").status == 429)
            #expect(try await sandbox.api(company, .GET, "account/1").status == 200)
            let invalid = try await sandbox.admin(.PUT, "/faults", body: #"{"serverErrorRate":2}"#)
            #expect(invalid.status == 400)
        }
        var invalid = SandboxConfiguration()
        invalid.requestsPerWindow = 0
        #expect(throws: SandboxError.self) { try invalid.validate() }
    }

    @Test("a retired minorversion below 75 is served as 75, as Intuit does, and counted; 75 and none are accepted")
    func minorVersion() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let retired = try await sandbox.api(company, .GET, "account/1", query: ["minorversion": "65"])
            #expect(retired.status == 200)
            #expect(retired.json["Account"]["Id"].string == "1")
            #expect(try await sandbox.api(company, .GET, "account/1", query: ["minorversion": "75"]).status == 200)
            let bare = try await sandbox.send(
                .GET, "\(sandbox.endpoint.apiBaseURL)/v3/company/\(company.realmId)/account/1",
                headers: ["Authorization": "Bearer \(company.accessToken)"])
            #expect(bare.status == 200)
            #expect(try sandbox.inspector.counters(realmId: company.realmId).retiredMinorVersions == 1)
        }
    }

    @Test("with rejectRetiredMinorVersions a minorversion below 75 is refused, to catch a client pinned to one")
    func strictMinorVersion() async throws {
        var configuration = SandboxConfiguration()
        configuration.rejectRetiredMinorVersions = true
        try await SandboxHarness.run(configuration) { sandbox in
            let company = try await sandbox.connectCompany()
            let retired = try await sandbox.api(company, .GET, "account/1", query: ["minorversion": "65"])
            #expect(retired.status == 400)
            #expect(retired.json["Fault"]["Error"][0]["element"].string == "minorversion")
            #expect(try await sandbox.api(company, .GET, "account/1", query: ["minorversion": "75"]).status == 200)
        }
    }
}

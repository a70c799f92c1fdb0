import Foundation
import QuickBooksSandbox
import Testing

@Suite("QuickBooks' limits per realm")
struct ThrottlingTests {
    @Test("the 501st request in a window gets 429 ThrottleExceeded and the next window serves again")
    func requestsPerWindow() async throws {
        var configuration = SandboxConfiguration()
        configuration.throttleWindow = .seconds(10)
        try await SandboxHarness.run(configuration) { sandbox in
            let company = try await sandbox.connectCompany()
            let started = ContinuousClock.now
            // Eight at a time, under the ten-in-flight limit.
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var statuses: [Int] = []
                        for _ in stride(from: worker, to: 500, by: 8) {
                            statuses.append(try await sandbox.api(company, .GET, "account/1").status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.count == 500)
            #expect(statuses.allSatisfy { $0 == 200 })
            let burst = ContinuousClock.now - started
            try #require(
                burst < .seconds(10),
                "the burst took \(burst), longer than the window; the machine is too slow for this test")

            let over = try await sandbox.api(company, .GET, "account/1")
            #expect(over.status == 429)
            #expect(over.faultCode == "003001")
            #expect(over.json["Fault"]["Error"][0]["Message"].string?.contains("ThrottleExceeded") == true)

            let servedAgain = try await SandboxHarness.eventually(within: .seconds(15), every: .milliseconds(200)) {
                try await sandbox.api(company, .GET, "account/1").status == 200
            }
            #expect(servedAgain)
            #expect(ContinuousClock.now - started >= .seconds(10))
            let counters = try await sandbox.counters(company)
            #expect(counters["throttledByWindow"].int ?? 0 >= 1)
        }
    }

    @Test("11 concurrent requests to one realm: exactly one gets 429")
    func inFlight() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            // Latency keeps requests in flight; changing the settings later lets them go.
            try await sandbox.setFaults(#"{"latency":{"mode":"fixed","ms":60000}}"#, realmId: company.realmId)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 { group.addTask { try await sandbox.api(company, .GET, "account/1").status } }
                let tenInFlight = try await SandboxHarness.eventually(within: .seconds(20)) {
                    try await sandbox.counters(company)["inFlight"].int == 10
                }
                #expect(tenInFlight)
                let eleventh = try await sandbox.api(company, .GET, "account/1")
                #expect(eleventh.faultCode == "003001")
                try await sandbox.setFaults(#"{"latency":{"mode":"none"}}"#, realmId: company.realmId)
                return try await group.reduce(into: [eleventh.status]) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 429 }.count == 1)
            #expect(statuses.filter { $0 == 200 }.count == 10)
            let counters = try await sandbox.counters(company)
            #expect(counters["throttledByConcurrency"].int == 1)
            #expect(counters["peakInFlight"].int == 10)
        }
    }

    @Test("the 41st batch request in a window gets 429 while single requests still pass")
    func batchesPerWindow() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let batch = #"{"BatchItemRequest":[{"bId":"q","Query":"select count(*) from Customer"}]}"#
            for _ in 0..<40 {
                let reply = try await sandbox.api(company, .POST, "batch", body: batch)
                try #require(reply.status == 200)
            }
            let over = try await sandbox.api(company, .POST, "batch", body: batch)
            #expect(over.status == 429)
            #expect(try await sandbox.api(company, .GET, "account/1").status == 200)
            let counters = try await sandbox.counters(company)
            #expect(counters["throttledByBatchWindow"].int == 1)
            #expect(counters["batchRequests"].int == 41)
        }
    }

    @Test("batch requests count toward the per-window request limit")
    func batchesCountTowardRequests() async throws {
        var configuration = SandboxConfiguration()
        configuration.requestsPerWindow = 5
        try await SandboxHarness.run(configuration) { sandbox in
            let company = try await sandbox.connectCompany()
            let batch = #"{"BatchItemRequest":[{"bId":"q","Query":"select count(*) from Customer"}]}"#
            for _ in 0..<3 { try #require(try await sandbox.api(company, .GET, "account/1").status == 200) }
            for _ in 0..<2 { try #require(try await sandbox.api(company, .POST, "batch", body: batch).status == 200) }
            #expect(try await sandbox.api(company, .GET, "account/1").status == 429)
        }
    }

    @Test("the throttling body can be XML, as QuickBooks sometimes sends it")
    func xmlQuirk() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            try await sandbox.setFaults(#"{"forced429Count":2,"throttleBodyFormat":"xml"}"#, realmId: company.realmId)
            let first = try await sandbox.api(company, .GET, "account/1")
            #expect(first.status == 429)
            #expect(first.headers.first(name: "Content-Type")?.contains("xml") == true)
            #expect(first.text.contains("<IntuitResponse"))
            #expect(first.text.contains("ThrottleExceeded"))
            #expect(try await sandbox.api(company, .GET, "account/1").status == 429)
            #expect(try await sandbox.api(company, .GET, "account/1").status == 200)
            let counters = try await sandbox.counters(company)
            #expect(counters["forced429s"].int == 2)
        }
    }
}

import AsyncHTTPClient
import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("Faults become the problems the sync rules act on")
struct FaultMappingTests {
    @Test("a forced 429 with a JSON body is throttled, code 003001")
    func throttledJSON() async throws {
        try await SandboxCompany.run { company in
            try company.inspector.setFaults(SandboxFaults(forced429Count: 1, throttleBodyFormat: .json), realmId: company.realmID)
            let error = await quickBooksFailure { try await company.client.customers(named: "Jane", access: company.access) }
            #expect(error?.httpStatus == 429)
            #expect(error?.code == "003001")
            #expect(error?.problem.kind == .throttled)
            #expect(error?.problem.disposition == .retryLater)
            // Only one was forced: the next call goes through.
            _ = try await company.client.customers(named: "Jane", access: company.access)
        }
    }

    @Test("a forced 429 with QuickBooks' XML body is throttled, code 003001")
    func throttledXML() async throws {
        try await SandboxCompany.run { company in
            try company.inspector.setFaults(SandboxFaults(forced429Count: 1, throttleBodyFormat: .xml), realmId: company.realmID)
            let error = await quickBooksFailure { try await company.client.customers(named: "Jane", access: company.access) }
            #expect(error?.httpStatus == 429)
            #expect(error?.code == "003001")
            #expect(error?.faultType != nil)
            #expect(error?.problem.kind == .throttled)
            #expect(error?.problem.disposition == .retryLater)
        }
    }

    @Test("a 500 SystemFault is unavailable, to retry later")
    func serverError() async throws {
        try await SandboxCompany.run { company in
            try company.inspector.setFaults(SandboxFaults(serverErrorRate: 1), realmId: company.realmID)
            let error = await quickBooksFailure {
                try await company.client.createCustomer(
                    displayName: "Never Written", requestID: SandboxCompany.requestID(), access: company.access)
            }
            #expect(error?.httpStatus == 500)
            #expect(error?.code == "10000")
            #expect(error?.problem.kind == .unavailable)
            #expect(error?.problem.disposition == .retryLater)
        }
    }

    @Test("a 503 during an outage is unavailable, to retry later")
    func outage() async throws {
        try await SandboxCompany.run { company in
            try company.inspector.setFaults(SandboxFaults(outage: .init(duration: .seconds(60))), realmId: company.realmID)
            let error = await quickBooksFailure { try await company.client.customers(named: "Jane", access: company.access) }
            #expect(error?.httpStatus == 503)
            #expect(error?.problem.kind == .unavailable)
            #expect(error?.problem.disposition == .retryLater)
        }
    }

    @Test("a call to a port where nothing listens is unavailable, to retry later")
    func nothingListening() async throws {
        // A port that was just in use and is now closed.
        let endpoint = try await QuickBooksSandbox.withRunning(logger: SandboxCompany.logger) { $0 }
        var httpConfiguration = HTTPClient.Configuration()
        // Fail on the first refused connection instead of retrying until the request deadline.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        let client = QuickBooksClient(
            configuration: SandboxCompany.clientConfiguration(for: endpoint), httpClient: http, logger: SandboxCompany.logger)
        let started = ContinuousClock.now
        let error = await quickBooksFailure {
            try await client.customers(named: "Jane", access: RealmAccess(realmID: "1", accessToken: "token"))
        }
        try await http.shutdown()
        #expect(error?.httpStatus == nil)
        #expect(error?.transportError != nil)
        #expect(error?.code == "transport")
        #expect(error?.problem.kind == .unavailable)
        #expect(error?.problem.disposition == .retryLater)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

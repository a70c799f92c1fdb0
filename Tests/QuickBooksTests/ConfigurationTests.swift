import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("Configuration and minorversion")
struct ConfigurationTests {
    private func configuration() -> QuickBooksConfiguration {
        QuickBooksConfiguration(clientID: "id", clientSecret: "secret")
    }

    @Test("the defaults validate")
    func defaultsValidate() throws {
        try configuration().validate()
        #expect(configuration().minorVersion == 75)
    }

    @Test("validate rejects a retired minor version")
    func retiredMinorVersion() {
        var config = configuration()
        config.minorVersion = 74
        #expect(throws: QuickBooksConfigurationError.self) { try config.validate() }
    }

    @Test("validate rejects a URL that is not http(s)")
    func nonHTTPURL() {
        var config = configuration()
        config.apiBaseURL = "ftp://quickbooks.example"
        #expect(throws: QuickBooksConfigurationError.self) { try config.validate() }
        config = configuration()
        config.tokenURL = "oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
        #expect(throws: QuickBooksConfigurationError.self) { try config.validate() }
    }

    @Test("validate rejects missing client credentials")
    func missingCredentials() {
        #expect(throws: QuickBooksConfigurationError.self) {
            try QuickBooksConfiguration(clientID: "", clientSecret: "secret").validate()
        }
    }

    @Test("every call carries minorversion: with 74 each read, query, write and delete is counted as a retired one, with 75 none is")
    func minorVersionOnEveryCall() async throws {
        /// Four calls of four kinds (customer 1 and invoice 1 do not exist: the read and the delete are refused).
        func fourCalls(_ company: SandboxCompany) async throws -> Int {
            _ = await quickBooksFailure { try await company.client.customer(id: "1", access: company.access) }
            _ = try await company.client.customers(named: "Jane", access: company.access)
            _ = try await company.client.createCustomer(displayName: "Jane", requestID: SandboxCompany.requestID(), access: company.access)
            _ = await quickBooksFailure {
                try await company.client.deleteInvoice(
                    id: "1", syncToken: "0", requestID: SandboxCompany.requestID(), access: company.access)
            }
            return try company.sandbox.inspector.counters(realmId: company.realmID).retiredMinorVersions
        }
        // Intuit serves a retired minor version as 75; the sandbox does too, and counts it.
        #expect(try await SandboxCompany.run(configure: { $0.minorVersion = 74 }) { try await fourCalls($0) } == 4)
        #expect(try await SandboxCompany.run { try await fourCalls($0) } == 0)
    }
}

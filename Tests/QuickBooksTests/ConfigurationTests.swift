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

    @Test("every call carries minorversion: with 74 the sandbox refuses reads and writes alike")
    func minorVersionOnEveryCall() async throws {
        try await SandboxCompany.run(configure: { $0.minorVersion = 74 }) { company in
            let read = await quickBooksFailure { try await company.client.customer(id: "1", access: company.access) }
            let query = await quickBooksFailure { try await company.client.customers(named: "Jane", access: company.access) }
            let write = await quickBooksFailure {
                try await company.client.createCustomer(displayName: "Jane", requestID: SandboxCompany.requestID(), access: company.access)
            }
            let delete = await quickBooksFailure {
                try await company.client.deleteInvoice(id: "1", syncToken: "0", requestID: SandboxCompany.requestID(), access: company.access)
            }
            for error in [read, query, write, delete] {
                #expect(error?.code == "2010")
                #expect(error?.errors.first?.element == "minorversion")
                #expect(error?.problem.kind == .validation)
            }
        }
        // The same calls with the default minor version are accepted.
        try await SandboxCompany.run { company in
            _ = try await company.client.createCustomer(displayName: "Jane", requestID: SandboxCompany.requestID(), access: company.access)
            #expect(try await company.client.customers(named: "Jane", access: company.access).count == 1)
        }
    }
}

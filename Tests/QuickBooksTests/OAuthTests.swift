import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("OAuth 2 against the sandbox's token endpoint")
struct OAuthTests {
    @Test("exchanging the authorization code returns tokens that open the company")
    func codeExchange() async throws {
        try await SandboxCompany.run { company in
            #expect(!company.tokens.accessToken.isEmpty)
            #expect(!company.tokens.refreshToken.isEmpty)
            #expect(company.tokens.expiresIn == 3600)
            // The access token works: an API call is answered, not refused.
            let found = try await company.client.customers(named: "Nobody", access: company.access)
            #expect(found.isEmpty)
        }
    }

    @Test("an authorization code works once; a second exchange is invalid_grant")
    func codeIsSingleUse() async throws {
        try await SandboxCompany.run { company in
            let grant = company.inspector.createRealm(realmId: company.realmID)
            _ = try await company.client.exchangeAuthorizationCode(grant.authorizationCode, redirectURI: "http://localhost/callback")
            let error = await quickBooksFailure {
                try await company.client.exchangeAuthorizationCode(grant.authorizationCode, redirectURI: "http://localhost/callback")
            }
            #expect(error?.code == "invalid_grant")
            #expect(error?.problem.kind == .authentication)
        }
    }

    @Test("a refresh rotates the refresh token, and the old one then answers invalid_grant")
    func refreshRotates() async throws {
        try await SandboxCompany.run { company in
            let old = company.tokens
            let refreshed = try await company.client.refreshTokens(old.refreshToken)
            #expect(refreshed.refreshToken != old.refreshToken)
            #expect(refreshed.accessToken != old.accessToken)
            let access = RealmAccess(realmID: company.realmID, accessToken: refreshed.accessToken)
            _ = try await company.client.customers(named: "Nobody", access: access)

            let error = await quickBooksFailure { try await company.client.refreshTokens(old.refreshToken) }
            #expect(error?.httpStatus == 400)
            #expect(error?.code == "invalid_grant")
            #expect(error?.problem.kind == .authentication)
            #expect(error?.problem.disposition == .firmConnection)

            // The newest refresh token still works: the failure was about the old one only.
            _ = try await company.client.refreshTokens(refreshed.refreshToken)
        }
    }

    @Test("a revoked company's access token gets 401, an authentication problem for the firm")
    func revokedRealm() async throws {
        try await SandboxCompany.run { company in
            try company.inspector.revokeTokens(realmId: company.realmID)
            let error = await quickBooksFailure { try await company.client.customers(named: "Jane", access: company.access) }
            #expect(error?.httpStatus == 401)
            #expect(error?.code == "3200")
            #expect(error?.problem.kind == .authentication)
            #expect(error?.problem.disposition == .firmConnection)

            let refresh = await quickBooksFailure { try await company.client.refreshTokens(company.tokens.refreshToken) }
            #expect(refresh?.code == "invalid_grant")
        }
    }
}

import Foundation
import QuickBooksSandbox
import Testing

@Suite("OAuth 2 tokens")
struct OAuthTests {
    @Test("an authorization code is exchanged once for tokens in Intuit's shape")
    func codeExchange() async throws {
        try await SandboxHarness.run { sandbox in
            let created = try await sandbox.admin(.POST, "/realms", body: #"{"companyName":"Bootstrap"}"#)
            #expect(created.status == 201)
            let code = try #require(created.json["authorizationCode"].string)
            let tokens = try await sandbox.exchange(code: code)
            #expect(tokens.status == 200)
            #expect(tokens.json["token_type"].string == "bearer")
            #expect(tokens.json["access_token"].string != nil)
            #expect(tokens.json["refresh_token"].string != nil)
            #expect(tokens.json["expires_in"].int == 3600)
            #expect(tokens.json["x_refresh_token_expires_in"].int == 8_726_400)
            let again = try await sandbox.exchange(code: code)
            #expect(again.status == 400)
            #expect(again.json["error"].string == "invalid_grant")
        }
    }

    @Test("an old refresh token gives invalid_grant after rotation; the new one works")
    func refreshRotation() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let rotated = try await sandbox.refresh(company.refreshToken)
            #expect(rotated.status == 200)
            let newRefresh = try #require(rotated.json["refresh_token"].string)
            let newAccess = try #require(rotated.json["access_token"].string)
            #expect(newRefresh != company.refreshToken)

            let old = try await sandbox.refresh(company.refreshToken)
            #expect(old.status == 400)
            #expect(old.json["error"].string == "invalid_grant")

            let call = try await sandbox.api(company, .GET, "customer/1", bearer: newAccess)
            #expect(call.status != 401)
            #expect(try await sandbox.refresh(newRefresh).status == 200)
        }
    }

    @Test("two refreshes racing with one refresh token: one wins, the other gets invalid_grant")
    func refreshRace() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<2 { group.addTask { try await sandbox.refresh(company.refreshToken).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 400])
        }
    }

    @Test("a missing, bad or expired bearer gets 401 AuthenticationFault 3200")
    func badBearer() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let fresh = try await sandbox.api(company, .GET, "account/1")
            #expect(fresh.status == 200)

            let bad = try await sandbox.api(company, .GET, "account/1", bearer: "not-a-token")
            #expect(bad.status == 401)
            #expect(bad.faultCode == "3200")
            #expect(bad.json["Fault"]["type"].string == "AuthenticationFault")
            #expect(bad.headers.first(name: "WWW-Authenticate")?.contains("invalid_token") == true)

            let missing = try await sandbox.send(
                .GET, "\(sandbox.endpoint.apiBaseURL)/v3/company/\(company.realmId)/account/1")
            #expect(missing.status == 401)

            try sandbox.inspector.expireAccessTokens(realmId: company.realmId)
            let afterExpiry = try await sandbox.api(company, .GET, "account/1")
            #expect(afterExpiry.status == 401)
            #expect(afterExpiry.faultCode == "3200")
            // Refreshing brings the company back.
            let refreshed = try await sandbox.refresh(company.refreshToken)
            let access = try #require(refreshed.json["access_token"].string)
            #expect(try await sandbox.api(company, .GET, "account/1", bearer: access).status == 200)
        }
    }

    @Test("access tokens live as long as configured, then answer 401")
    func accessTokenLifetime() async throws {
        var configuration = SandboxConfiguration()
        configuration.accessTokenLifetime = .seconds(1)
        try await SandboxHarness.run(configuration) { sandbox in
            let created = try await sandbox.admin(.POST, "/realms", body: #"{"companyName":"Short Lived"}"#)
            let tokens = try await sandbox.exchange(code: try #require(created.json["authorizationCode"].string))
            #expect(tokens.json["expires_in"].int == 1)
            let company = SandboxHarness.Company(
                realmId: try #require(created.json["realmId"].string), accessToken: try #require(tokens.json["access_token"].string),
                refreshToken: try #require(tokens.json["refresh_token"].string))
            let expired = try await SandboxHarness.eventually(within: .seconds(10), every: .milliseconds(100)) {
                try await sandbox.api(company, .GET, "account/1").status == 401
            }
            #expect(expired)
        }
    }

    @Test("a token is good only for its own company (403 AuthorizationFault)")
    func otherRealm() async throws {
        try await SandboxHarness.run { sandbox in
            let one = try await sandbox.connectCompany(named: "One")
            let two = try await sandbox.connectCompany(named: "Two")
            let crossed = try await sandbox.api(two, .GET, "account/1", bearer: one.accessToken)
            #expect(crossed.status == 403)
            #expect(crossed.json["Fault"]["type"].string == "AuthorizationFault")
        }
    }

    @Test("revoking a realm's tokens makes API calls 401 and refreshes invalid_grant")
    func revocation() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let revoked = try await sandbox.admin(.POST, "/realms/\(company.realmId)/revoke-tokens")
            #expect(revoked.status == 200)
            let call = try await sandbox.api(company, .GET, "account/1")
            #expect(call.status == 401)
            #expect(call.faultCode == "3200")
            let refresh = try await sandbox.refresh(company.refreshToken)
            #expect(refresh.json["error"].string == "invalid_grant")
            // A new authorization reconnects the company.
            let code = try await sandbox.admin(.POST, "/realms/\(company.realmId)/authorization-codes")
            let tokens = try await sandbox.exchange(code: try #require(code.json["authorizationCode"].string))
            #expect(tokens.status == 200)
        }
    }

    @Test("the token endpoint wants the client's credentials")
    func clientCredentials() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let wrong = try await sandbox.tokenRequest(
                "grant_type=refresh_token&refresh_token=\(company.refreshToken)", clientSecret: "guess")
            #expect(wrong.status == 401)
            #expect(wrong.json["error"].string == "invalid_client")
            let unknownGrant = try await sandbox.tokenRequest("grant_type=password")
            #expect(unknownGrant.json["error"].string == "unsupported_grant_type")
            // The failed attempt did not spend the refresh token.
            #expect(try await sandbox.refresh(company.refreshToken).status == 200)
        }
    }
}

import AsyncHTTPClient
import Foundation
import Logging
import QuickBooks
import QuickBooksSandbox
import Testing

/// A running sandbox with one connected company and a client pointed at it, for one test.
struct SandboxCompany {
    let sandbox: QuickBooksSandbox
    let endpoint: SandboxEndpoint
    let client: QuickBooksClient
    let realmID: String
    let tokens: OAuthTokens

    var access: RealmAccess { RealmAccess(realmID: realmID, accessToken: tokens.accessToken) }
    var inspector: SandboxInspector { sandbox.inspector }

    static let logger: Logger = {
        var logger = Logger(label: "quickbooks-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Starts a sandbox on an ephemeral port, connects a company through the OAuth code exchange,
    /// runs `body`, and stops the sandbox.
    static func run<T>(
        companyName: String = "Test Company",
        configure: (inout QuickBooksConfiguration) -> Void = { _ in },
        _ body: (SandboxCompany) async throws -> T
    ) async throws -> T {
        let sandbox = QuickBooksSandbox(configuration: SandboxConfiguration(), logger: logger)
        return try await sandbox.withRunning { endpoint in
            var configuration = clientConfiguration(for: endpoint)
            configure(&configuration)
            let client = QuickBooksClient(configuration: configuration, logger: logger)
            let grant = sandbox.inspector.createRealm(companyName: companyName)
            let tokens = try await client.exchangeAuthorizationCode(grant.authorizationCode, redirectURI: "http://localhost/callback")
            return try await body(
                SandboxCompany(sandbox: sandbox, endpoint: endpoint, client: client, realmID: grant.realmId, tokens: tokens))
        }
    }

    static func clientConfiguration(for endpoint: SandboxEndpoint) -> QuickBooksConfiguration {
        let defaults = SandboxConfiguration()
        var configuration = QuickBooksConfiguration(clientID: defaults.clientId, clientSecret: defaults.clientSecret)
        configuration.apiBaseURL = endpoint.apiBaseURL
        configuration.tokenURL = endpoint.tokenURL
        configuration.requestTimeout = .seconds(10)
        return configuration
    }

    /// A fresh requestid: tests that want idempotency reuse one explicitly.
    static func requestID() -> String { UUID().uuidString }
}

/// Runs `call`, which must fail with a QuickBooksError, and returns that error (nil, with
/// the test failing, otherwise).
func quickBooksFailure<T>(_ call: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation) async -> QuickBooksError? {
    do {
        let value = try await call()
        Issue.record("expected a QuickBooksError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as QuickBooksError {
        return error
    } catch {
        Issue.record("expected a QuickBooksError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A local QuickBooks Online: the Accounting API v3 subset qbsync uses, with QuickBooks' limits,
/// faults, `requestid` idempotency, SyncToken checks and rotating OAuth tokens, served over HTTP.
///
/// Run it in a `ServiceGroup`, or use ``withRunning(configuration:logger:_:)`` in tests:
///
///     try await QuickBooksSandbox.withRunning { endpoint in
///         // endpoint.apiBaseURL, endpoint.tokenURL, endpoint.adminBaseURL
///     }
///
/// Accounting API (Bearer access token; `minorversion` below 75 served as 75, as Intuit does,
/// absent accepted):
/// - `POST /v3/company/{realmId}/{entity}[?operation=delete|void][&requestid=…]` — create, full or
///   sparse update (body has `Id` + `SyncToken`), delete, void (a payment also with
///   `operation=update&include=void`). Entities: customer, item, account, invoice, payment,
///   creditmemo, refundreceipt, purchase.
/// - `GET /v3/company/{realmId}/{entity}/{id}`, `GET /v3/company/{realmId}/companyinfo/{realmId}`
/// - `GET /v3/company/{realmId}/query?query=select …` (or `POST` with the statement as body)
/// - `POST /v3/company/{realmId}/batch[?requestid=…]` — `{"BatchItemRequest":[…]}`
/// - `GET /v3/company/{realmId}/cdc?entities=Customer,Invoice&changedSince=…` — at most 30 days
///   back, at most 1,000 objects per entity; deleted and merged-away objects as
///   `{"Id","status":"Deleted","MetaData":{"LastUpdatedTime"}}`
///
/// Webhooks (``SandboxWebhooks``): every change to a realm's entities, the app's own included, is
/// POSTed to the configured endpoint in batches, signed in `intuit-signature`.
///
/// OAuth 2 (HTTP Basic client credentials, form body): `POST /oauth2/v1/tokens/bearer` with
/// `grant_type=authorization_code&code=…` or `grant_type=refresh_token&refresh_token=…`;
/// `POST /oauth2/v1/tokens/revoke` with `{"token":"…"}`.
///
/// Admin API (JSON; `Authorization: Bearer <adminToken>` when configured):
/// - `POST /admin/v1/realms` `{"companyName"?, "realmId"?}` → `{"realmId","companyName","authorizationCode"}`
/// - `GET /admin/v1/realms`, `GET|DELETE /admin/v1/realms/{realmId}`
/// - `POST /admin/v1/realms/{realmId}/authorization-codes` — another code for the realm
/// - `GET /admin/v1/realms/{realmId}/entities/{entity}` — everything, with status active, inactive, voided or deleted
/// - `GET /admin/v1/realms/{realmId}/counters`, `POST /admin/v1/realms/{realmId}/counters/reset`, `POST /admin/v1/counters/reset`
/// - `GET|PUT|DELETE /admin/v1/faults` and `/admin/v1/realms/{realmId}/faults` — see ``SandboxFaults``
/// - `POST /admin/v1/realms/{realmId}/revoke-tokens`, `GET /admin/v1/health`
/// - `POST /admin/v1/realms/{realmId}/entities/{entity}/{id}/{action}` — a change by the accountant
///   (``SandboxAccountant``): `deactivate`, `reactivate`, `merge` (`{"into":"<id>"}`) on customers;
///   `delete`, `void`, `edit` (body: the changes) → `{"record":{…}}`; refused: 400 `{"error","code"}`
/// - `GET|PUT|DELETE /admin/v1/webhooks` (see ``SandboxWebhooks``), `POST /admin/v1/webhooks/flush`
///   — send what is collected now; all answer `{"webhooks":{…}|null,"pendingChanges":n}`
public struct QuickBooksSandbox: Service {
    /// What the sandbox was started with.
    public let configuration: SandboxConfiguration
    /// In-process access to the sandbox's realms, counters and fault injection.
    public let inspector: SandboxInspector
    let state: SandboxState

    /// Prepares a sandbox; nothing listens until ``run()``.
    public init(
        configuration: SandboxConfiguration = SandboxConfiguration(), logger: Logger = Logger(label: "qbsync.sandbox")
    ) {
        self.configuration = configuration
        self.state = SandboxState(configuration: configuration, logger: logger)
        self.inspector = SandboxInspector(state: state)
    }

    /// Where the sandbox listens, once it does (useful with port 0). Throws if it stops or fails
    /// to bind first.
    public var endpoint: SandboxEndpoint {
        get async throws(SandboxError) {
            try await state.listening.endpoint()
        }
    }

    /// Serves until cancelled or gracefully shut down. Validates the configuration first. Run an
    /// instance once; realms live as long as the instance.
    public func run() async throws {
        do {
            try configuration.validate()
        } catch {
            state.listening.stopped(reason: error.description)
            throw error
        }
        let state = self.state
        let host = configuration.host
        let application = Application(
            router: SandboxRouter.build(state: state),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port), serverName: "qbsync-sandbox"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                state.logger.info("QuickBooks sandbox listening", metadata: ["host": "\(host)", "port": "\(port)"])
                state.listening.listening(at: SandboxEndpoint(host: host, port: port))
            },
            logger: state.logger
        )
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await application.run() }
                    // Webhook batches wait for their delay beside the server and end with it.
                    group.addTask { await state.webhooks.run() }
                    try await group.next()
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                // Release held requests so the server's own graceful shutdown does not wait for them.
                state.shutdown.trigger()
            }
        } catch {
            state.listening.stopped(reason: "\(error)")
            throw error
        }
        state.listening.stopped(reason: "the sandbox has stopped")
    }
}

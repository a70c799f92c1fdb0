import Foundation
import Logging
import NIOConcurrencyHelpers

/// Everything a running sandbox holds, shared by the HTTP handlers and the inspector.
final class SandboxState: Sendable {
    let configuration: SandboxConfiguration
    let logger: Logger
    let clock = ContinuousClock()
    let tokens: TokenStore
    let globalFaults: FaultSchedule
    let listening = ListeningState()
    let shutdown: ShutdownSignal
    let webhooks: WebhookDispatcher
    private let realms: NIOLockedValueBox<[String: Realm]>
    private let realmCount = NIOLockedValueBox(0)

    init(configuration: SandboxConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let realms = NIOLockedValueBox<[String: Realm]>([:])
        let shutdown = ShutdownSignal()
        self.realms = realms
        self.shutdown = shutdown
        self.webhooks = WebhookDispatcher(
            settings: configuration.webhooks, shutdown: shutdown, logger: logger,
            count: { realmId, outcome in
                realms.withLockedValue { $0[realmId] }?.traffic.record { counters in
                    switch outcome {
                    case .delivered: counters.webhooksDelivered += 1
                    case .dropped: counters.webhooksDropped += 1
                    case .failed: counters.webhooksFailed += 1
                    case .retried: counters.webhookRetries += 1
                    }
                }
            })
        self.tokens = TokenStore(
            accessLifetime: configuration.accessTokenLifetime,
            refreshLifetime: configuration.refreshTokenLifetime,
            codeLifetime: configuration.authorizationCodeLifetime
        )
        self.globalFaults = FaultSchedule(configuration.faults, now: ContinuousClock().now)
    }

    func realm(_ id: String) -> Realm? {
        realms.withLockedValue { $0[id] }
    }

    var allRealms: [Realm] {
        realms.withLockedValue { Array($0.values) }.sorted { $0.id < $1.id }
    }

    /// Creates a realm seeded like a new QuickBooks company, or returns the existing one with that id.
    func createRealm(id requested: String?, companyName: String?) -> (realm: Realm, created: Bool) {
        let number = realmCount.withLockedValue { count -> Int in
            count += 1
            return count
        }
        let id = requested ?? RandomToken.realmId()
        let name = companyName ?? "Sandbox Company_US_\(number)"
        let configuration = self.configuration
        let webhooks = self.webhooks
        return realms.withLockedValue { realms in
            if let existing = realms[id] { return (existing, false) }
            let realm = Realm(
                id: id, companyName: name,
                store: RealmStore(
                    realmId: id, companyName: name, now: Date(),
                    idempotencyLimit: configuration.idempotencyCacheLimit, maxBatchItems: configuration.maxBatchItems,
                    customerTypes: configuration.customerTypes,
                    onChange: { change in webhooks.notify(realmId: id, change) }
                ),
                traffic: RealmTraffic(
                    limits: .init(
                        window: configuration.throttleWindow, requestsPerWindow: configuration.requestsPerWindow,
                        batchRequestsPerWindow: configuration.batchRequestsPerWindow,
                        maxInFlight: configuration.maxInFlight
                    ))
            )
            realms[id] = realm
            return (realm, true)
        }
    }

    /// Forgets a realm and everything in it, and revokes its tokens (long demos and benchmarks
    /// free memory this way).
    func removeRealm(_ id: String) -> Bool {
        let removed = realms.withLockedValue { $0.removeValue(forKey: id) } != nil
        if removed {
            tokens.revokeAll(realmId: id)
            logger.info("Removed sandbox realm", metadata: ["realmId": "\(id)"])
        }
        return removed
    }

    /// The realm's own fault settings, or the sandbox-wide ones.
    func faultSchedule(for realm: Realm) -> FaultSchedule {
        realm.faultSchedule ?? globalFaults
    }

    func grantRealm(id: String?, companyName: String?) -> SandboxRealmGrant {
        let (realm, created) = createRealm(id: id, companyName: companyName)
        if created {
            logger.info(
                "Created sandbox realm", metadata: ["realmId": "\(realm.id)", "company": "\(realm.companyName)"])
        }
        return SandboxRealmGrant(
            realmId: realm.id, companyName: realm.companyName,
            authorizationCode: tokens.issueAuthorizationCode(realmId: realm.id, now: clock.now)
        )
    }
}

import Foundation
import Logging
import Postgres
import QuickBooks
import SyncCore

/// Connects (or reconnects) a firm's QuickBooks company: what `qbsync firm connect` and the
/// admin endpoint do.
///
/// Reconnecting clears the firm's failed status once, wakes the work that waited for it, and
/// starts the links the policy calls for that could not start while the firm was not connected.
public struct FirmConnector: Sendable {
    public enum Credential: Sendable {
        /// A refresh token obtained elsewhere; it is exchanged at once, which also proves it works.
        case refreshToken(String)
        /// The code of the OAuth connect flow (the sandbox hands these out for tests and the demo).
        case authorizationCode(String, redirectURI: String)
    }

    public struct Result: Sendable, Hashable, Codable {
        public var firmID: String
        public var realmID: String
        /// Accounts whose waiting links were woken.
        public var resumedAccounts: Int
        /// Accounts whose first sync the connection started.
        public var startedAccounts: Int
    }

    let database: PostgresClient
    let client: QuickBooksClient
    let cipher: TokenCipher
    let statusTopic: String
    let logger: Logger

    /// How long a payment waits for its invoices (``WorkerConfiguration/paymentInvoiceWait``).
    let invoiceWait: Duration

    public init(
        database: PostgresClient, client: QuickBooksClient, tokenKey: [UInt8], statusTopic: String, logger: Logger,
        invoiceWait: Duration = .seconds(24 * 3600)
    ) throws {
        self.invoiceWait = invoiceWait
        self.database = database
        self.client = client
        self.cipher = try TokenCipher(keyMaterial: tokenKey)
        self.statusTopic = statusTopic
        self.logger = logger
    }

    /// Validates the settings, then, holding the firm's lock in one transaction, exchanges the
    /// credential and stores the tokens it returns: a request refused for its settings spends no
    /// token, and the rotated refresh token is written in the same step as the exchange (the old
    /// one is dead from then on).
    ///
    /// - Throws: ``FirmSettingsError`` for invalid settings, `QuickBooksError` when Intuit refuses
    ///   the credential, `PostgresError` when the database cannot be reached.
    public func connect(_ settings: FirmSettings, credential: Credential) async throws -> Result {
        try settings.validate()
        let connectID = "firm-connect:\(UUID().uuidString.lowercased())"
        var result = try await database.withTransaction { connection in
            // Two connects of one firm (or a connect and a token refresh) do not exchange at once.
            _ = try await connection.query(
                "select pg_advisory_xact_lock(hashtextextended($1, 0))", [.text("firm-connect:\(settings.firmID)")])
            let before = try await FirmStore.load(firmID: settings.firmID, forUpdate: true, on: connection)
            let tokens: OAuthTokens
            switch credential {
            case .refreshToken(let token): tokens = try await client.refreshTokens(token)
            case .authorizationCode(let code, let redirectURI):
                tokens = try await client.exchangeAuthorizationCode(code, redirectURI: redirectURI)
            }
            try await FirmStore.upsert(
                settings, sealedRefreshToken: try cipher.seal(tokens.refreshToken, firmID: settings.firmID),
                sealedAccessToken: try cipher.seal(tokens.accessToken, firmID: settings.firmID),
                accessTokenExpiresAt: Date().addingTimeInterval(TimeInterval(tokens.expiresIn)), on: connection)
            var state = before?.connection ?? FirmConnectionState(status: .notSynced)
            if let update = state.apply(.connected) {
                try await FirmStore.saveConnection(firmID: settings.firmID, state, on: connection)
                try await Outbox.enqueue(
                    StatusChange(
                        firmID: settings.firmID, entity: .firm, entityID: settings.firmID, accountID: nil, status: update.status,
                        previousStatus: before == nil ? nil : update.previousStatus, detail: nil, errorCode: nil, qboID: settings.realmID,
                        sequence: update.sequence, causedBy: connectID), topic: statusTopic, on: connection)
            }
            let started = try await startEligibleAccounts(settings, connectID: connectID, on: connection)
            // Settings that changed apply to what they held back, not only to what comes later.
            if let before, before.settings != settings, let firm = try await FirmStore.load(firmID: settings.firmID, on: connection) {
                try await DocumentReview(statusTopic: statusTopic, invoiceWait: invoiceWait).firmSettingsChanged(
                    firm, causedBy: connectID, on: connection)
            }
            // Documents waiting for the connection are written again.
            try await DocumentQueueStore.wakeFirm(settings.firmID, on: connection)
            return Result(firmID: settings.firmID, realmID: settings.realmID, resumedAccounts: 0, startedAccounts: started)
        }
        // Links waiting for the connection go again, once it is committed: a consumer parking one
        // now finds the firm connected after its own commit (``EventProcessor``), and this finds
        // any it committed before.
        result.resumedAccounts = try await database.withConnection { connection in
            try await AccountStore.resumeLinks(ofConnectedFirms: [settings.firmID], on: connection)
        }
        logger.info(
            "firm connected to QuickBooks",
            metadata: [
                "firm_id": "\(settings.firmID)", "realm_id": "\(settings.realmID)", "policy": "\(settings.policy.rawValue)",
                "resumed": "\(result.resumedAccounts)", "started": "\(result.startedAccounts)",
            ])
        return result
    }

    /// A change of a connected firm's settings; nil fields stay as they are.
    public struct SettingsChange: Sendable, Hashable {
        public var policy: FirmPolicy?
        /// `.some(nil)` removes the start date.
        public var syncStartDate: CalendarDate??
        public var manualPaymentsSync: Bool?
        public var incomeAccountID: String?
        public var feeAccountID: String?
        public var quickBooksChanges: QuickBooksChangeRule?

        public init(
            policy: FirmPolicy? = nil, syncStartDate: CalendarDate?? = nil, manualPaymentsSync: Bool? = nil,
            incomeAccountID: String? = nil, feeAccountID: String? = nil, quickBooksChanges: QuickBooksChangeRule? = nil
        ) {
            self.policy = policy
            self.syncStartDate = syncStartDate
            self.manualPaymentsSync = manualPaymentsSync
            self.incomeAccountID = incomeAccountID
            self.feeAccountID = feeAccountID
            self.quickBooksChanges = quickBooksChanges
        }
    }

    public struct SettingsResult: Sendable, Hashable, Codable {
        public var settings: FirmSettings
        /// Documents the new settings let through.
        public var releasedDocuments: Int
        /// Accounts whose first sync the new policy started.
        public var startedAccounts: Int

        enum CodingKeys: String, CodingKey {
            case settings
            case releasedDocuments = "released_documents"
            case startedAccounts = "started_accounts"
        }
    }

    /// Changes a connected firm's settings without a new token. They apply to what is held back
    /// too: an earlier sync start date sends what it had held (oldest first), a later one leaves
    /// what is in QuickBooks alone, `all_accounts` starts every known account not yet synced, and
    /// a changed payments default applies to the payments not yet written without a checkbox.
    public func updateSettings(firmID: String, _ change: SettingsChange) async throws -> SettingsResult {
        let changeID = "firm-settings:\(UUID().uuidString.lowercased())"
        return try await database.withTransaction { connection in
            guard let firm = try await FirmStore.load(firmID: firmID, forUpdate: true, on: connection) else {
                throw UnknownFirm.unknownFirm(firmID)
            }
            var settings = firm.settings
            if let policy = change.policy { settings.policy = policy }
            if let date = change.syncStartDate { settings.syncStartDate = date }
            if let flag = change.manualPaymentsSync { settings.manualPaymentsSync = flag }
            if let id = change.incomeAccountID { settings.incomeAccountID = id.isEmpty ? nil : id }
            if let id = change.feeAccountID { settings.feeAccountID = id.isEmpty ? nil : id }
            if let rule = change.quickBooksChanges { settings.quickBooksChanges = rule }
            try settings.validate()
            guard settings != firm.settings else { return SettingsResult(settings: settings, releasedDocuments: 0, startedAccounts: 0) }
            try await FirmStore.updateSettings(settings, on: connection)
            guard let updated = try await FirmStore.load(firmID: firmID, on: connection) else { throw UnknownFirm.unknownFirm(firmID) }
            let released = try await DocumentReview(statusTopic: statusTopic, invoiceWait: invoiceWait).firmSettingsChanged(
                updated, causedBy: changeID, on: connection)
            let started =
                updated.connection.isConnected ? try await startEligibleAccounts(settings, connectID: changeID, on: connection) : 0
            logger.info(
                "firm settings changed",
                metadata: [
                    "firm_id": "\(firmID)", "released_documents": "\(released)", "started_accounts": "\(started)",
                ])
            return SettingsResult(settings: settings, releasedDocuments: released, startedAccounts: started)
        }
    }

    public struct Disconnected: Sendable, Hashable, Codable {
        public var firmID: String
        /// Whether the firm was connected (false: it was disconnected already; nothing changed).
        public var changed: Bool

        enum CodingKeys: String, CodingKey {
            case firmID = "firm_id"
            case changed
        }
    }

    /// A firm that was never connected.
    public enum UnknownFirm: Error, Sendable, CustomStringConvertible {
        case unknownFirm(String)
        public var description: String {
            switch self {
            case .unknownFirm(let firm): "firm '\(firm)' was never connected to QuickBooks"
            }
        }
    }

    /// Disconnects the firm's QuickBooks company: revokes its tokens at Intuit, forgets them,
    /// publishes the firm's status (`not_synced`) once, and holds its work until it connects again,
    /// which resumes it. When Intuit cannot be reached nothing changes, so the request can be repeated.
    public func disconnect(firmID: String, causedBy: String = "firm-disconnect:\(UUID().uuidString.lowercased())") async throws
        -> Disconnected
    {
        let result = try await database.withTransaction { connection -> Disconnected in
            _ = try await connection.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [.text("firm-connect:\(firmID)")])
            guard let firm = try await FirmStore.load(firmID: firmID, forUpdate: true, on: connection) else {
                throw UnknownFirm.unknownFirm(firmID)
            }
            guard !firm.connection.isDisconnected else { return Disconnected(firmID: firmID, changed: false) }
            let sealed =
                try await connection.query("select refresh_token from firms where firm_id = $1", [.text(firmID)]).first?
                .decode([UInt8].self, "refresh_token") ?? []
            // A token this worker cannot open, or one Intuit no longer knows, is gone already; the rest is revoked.
            var token: String?
            if !sealed.isEmpty {
                do {
                    token = try cipher.open(sealed, firmID: firmID)
                } catch {
                    logger.warning(
                        "could not open the firm's stored refresh token to revoke it; forgetting it without revoking",
                        metadata: ["firm_id": "\(firmID)", "error": "\(error)", "hint": "sealed under another QBSYNC_TOKEN_KEY?"])
                }
            }
            if let token, !token.isEmpty {
                do {
                    try await client.revokeToken(token)
                } catch let error as QuickBooksError where error.httpStatus == 400 {
                    logger.info(
                        "Intuit no longer knew the firm's token; forgetting it", metadata: ["firm_id": "\(firmID)", "error": "\(error)"])
                }
            }
            var state = firm.connection
            try await connection.execute(
                """
                update firms set refresh_token = ''::bytea, access_token = null, access_token_expires_at = null, updated_at = now() where firm_id = $1
                """, [.text(firmID)])
            if let update = state.apply(.disconnected(detail: FailureDetail.disconnected)) {
                try await FirmStore.saveConnection(firmID: firmID, state, on: connection)
                try await Outbox.enqueue(
                    StatusChange(
                        firmID: firmID, entity: .firm, entityID: firmID, accountID: nil, status: update.status,
                        previousStatus: update.previousStatus,
                        detail: update.detail, errorCode: update.errorCode, qboID: firm.realmID, sequence: update.sequence,
                        causedBy: causedBy),
                    topic: statusTopic, on: connection)
            }
            return Disconnected(firmID: firmID, changed: true)
        }
        if result.changed { logger.info("firm disconnected from QuickBooks", metadata: ["firm_id": "\(firmID)"]) }
        return result
    }

    /// Accounts the policy wants synced that are still not synced start linking now; the
    /// ``RetrySweeper`` makes the QuickBooks calls.
    private func startEligibleAccounts(_ settings: FirmSettings, connectID: String, on connection: PostgresConnection) async throws -> Int {
        let candidates = try await connection.query(
            """
            select account_id from accounts where firm_id = $1 and status = 'not_synced' and (has_activity or $2) for update
            """, [.text(settings.firmID), .bool(settings.policy == .allAccounts)])
        var started = 0
        for row in candidates {
            guard
                var account = try await AccountStore.lock(
                    firmID: settings.firmID, accountID: try row.decode(String.self, "account_id"), on: connection)
            else { continue }
            let input: AccountSyncInput = account.state.hasActivity ? .activity(name: nil) : .learned(name: account.state.name)
            let transition = AccountSyncMachine.transition(from: account.state, on: input, policy: settings.policy)
            guard let next = transition.state, next.status == .syncing else { continue }
            for case .publish(let update) in transition.actions {
                try await Outbox.enqueue(
                    StatusChange(
                        firmID: settings.firmID, entity: .account, entityID: account.accountID, accountID: account.accountID,
                        status: update.status, previousStatus: update.previousStatus, detail: update.detail, errorCode: update.errorCode,
                        qboID: update.qboID, sequence: update.sequence, causedBy: connectID), topic: statusTopic, on: connection)
            }
            account.state = next
            account.pendingEventID = "\(connectID):\(account.accountID)"
            account.attempts = 0
            account.nextAttemptAt = Date()
            try await AccountStore.save(account, on: connection)
            started += 1
        }
        return started
    }
}

/// In-process access to a sandbox for tests and the demo: the same things the admin API offers,
/// without HTTP.
public struct SandboxInspector: Sendable {
    let state: SandboxState

    /// Creates a realm seeded like a new QuickBooks company (or, for an existing id, mints a new
    /// authorization code for it).
    public func createRealm(companyName: String? = nil, realmId: String? = nil) -> SandboxRealmGrant {
        state.grantRealm(id: realmId, companyName: companyName)
    }

    /// Forgets a realm and all it holds, and revokes its tokens. Returns false if there was none.
    @discardableResult
    public func removeRealm(realmId: String) -> Bool {
        state.removeRealm(realmId)
    }

    /// Ids of every realm in the sandbox, sorted.
    public var realmIds: [String] {
        state.allRealms.map(\.id)
    }

    /// Every entity of a type in a realm, inactive, voided and deleted ones flagged.
    public func records(realmId: String, entity: QuickBooksEntityType) async throws(SandboxError) -> [SandboxRecord] {
        try await realm(realmId).store.records(of: entity)
    }

    /// The realm's counters, as `GET /admin/v1/realms/{realmId}/counters` reports them.
    public func counters(realmId: String) throws(SandboxError) -> SandboxCounters {
        try realm(realmId).traffic.counters
    }

    /// Zeroes the realm's counters (requests in flight stay counted).
    public func resetCounters(realmId: String) throws(SandboxError) {
        try realm(realmId).traffic.resetCounters()
    }

    /// Replaces the fault settings, for one realm or (realmId nil) for every realm without its own.
    public func setFaults(_ faults: SandboxFaults, realmId: String? = nil) throws(SandboxError) {
        try faults.validate()
        let now = state.clock.now
        if let realmId {
            try realm(realmId).overrideFaults(FaultSchedule(faults, now: now))
        } else {
            state.globalFaults.replace(with: faults, now: now)
        }
    }

    /// The fault settings in force, with what is left of an outage and of the forced 429s.
    public func faults(realmId: String? = nil) throws(SandboxError) -> SandboxFaults {
        let now = state.clock.now
        guard let realmId else { return state.globalFaults.current(now: now) }
        return state.faultSchedule(for: try realm(realmId)).current(now: now)
    }

    /// Revokes every token of a realm: API calls answer 401 and refreshes `invalid_grant`.
    public func revokeTokens(realmId: String) throws(SandboxError) {
        _ = try realm(realmId)
        state.tokens.revokeAll(realmId: realmId)
    }

    /// Expires every access token of a realm now, as if an hour had passed: API calls answer 401
    /// until the client refreshes (its refresh token still works).
    public func expireAccessTokens(realmId: String) throws(SandboxError) {
        _ = try realm(realmId)
        state.tokens.expireAccessTokens(realmId: realmId, now: state.clock.now)
    }

    // MARK: - The accountant and webhooks

    /// Changes made in QuickBooks by the firm's accountant, not through the app's API.
    public var accountant: SandboxAccountant {
        SandboxAccountant(state: state)
    }

    /// The webhook settings in force (nil: no notifications are sent).
    public var webhooks: SandboxWebhooks? {
        state.webhooks.settings
    }

    /// Replaces the webhook settings while the sandbox runs (endpoint, format, batch delay, drop
    /// rate…). Batches already collected go out with the new settings; nil stops notifications
    /// and forgets what was collected.
    public func setWebhooks(_ webhooks: SandboxWebhooks?) throws(SandboxError) {
        try webhooks?.validate()
        state.webhooks.replaceSettings(webhooks)
    }

    /// Sends every realm's collected changes now, without waiting for the batch delay, and
    /// returns once they and the deliveries already under way are delivered, dropped or given up
    /// (retries included), or the sandbox shuts down.
    public func flushWebhooks() async {
        await state.webhooks.flush()
    }

    private func realm(_ realmId: String) throws(SandboxError) -> Realm {
        guard let realm = state.realm(realmId) else { throw .unknownRealm(realmId) }
        return realm
    }
}

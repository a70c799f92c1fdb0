import NIOConcurrencyHelpers

/// OAuth 2 state: authorization codes, access tokens and rotating refresh tokens, per realm.
///
/// A lock rather than an actor: every API call validates a bearer token, and a dictionary look-up
/// under a lock costs less than a hop to an actor.
final class TokenStore: Sendable {
    struct TokenPair: Sendable {
        let accessToken: String
        let refreshToken: String
        let accessLifetimeSeconds: Int
        let refreshLifetimeSeconds: Int
    }

    enum GrantError: Error, Equatable {
        /// Unknown, used, expired or revoked code or refresh token (`invalid_grant`).
        case invalidGrant
    }

    enum AccessFailure: Error, Equatable {
        case unknown
        case expired
        case revoked
    }

    private struct AccessGrant {
        let realmId: String
        let expires: ContinuousClock.Instant
    }

    private struct RefreshGrant {
        let realmId: String
        let expires: ContinuousClock.Instant
        var used: Bool
    }

    private struct CodeGrant {
        let realmId: String
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var codes: [String: CodeGrant] = [:]
        var accessTokens: [String: AccessGrant] = [:]
        var refreshTokens: [String: RefreshGrant] = [:]
        /// Tokens revoked by realm: kept so that a revoked access token says "revoked", not "unknown".
        var revokedAccessTokens: Set<String> = []
        var issuedSinceSweep = 0
    }

    private let state = NIOLockedValueBox(State())
    private let accessLifetime: Duration
    private let refreshLifetime: Duration
    private let codeLifetime: Duration

    init(accessLifetime: Duration, refreshLifetime: Duration, codeLifetime: Duration) {
        self.accessLifetime = accessLifetime
        self.refreshLifetime = refreshLifetime
        self.codeLifetime = codeLifetime
    }

    func issueAuthorizationCode(realmId: String, now: ContinuousClock.Instant) -> String {
        let code = RandomToken.make(prefix: "AB11", length: 40)
        state.withLockedValue { $0.codes[code] = CodeGrant(realmId: realmId, expires: now + codeLifetime) }
        return code
    }

    /// Exchanges an authorization code once; returns the realm and a fresh token pair.
    func exchange(code: String, now: ContinuousClock.Instant) throws(GrantError) -> (realmId: String, tokens: TokenPair) {
        let result: (String, TokenPair)? = state.withLockedValue { state in
            guard let grant = state.codes.removeValue(forKey: code), grant.expires > now else { return nil }
            return (grant.realmId, issue(realmId: grant.realmId, now: now, into: &state))
        }
        guard let result else { throw .invalidGrant }
        return result
    }

    /// Rotates a refresh token: the presented one is spent, a new pair is returned. Two refreshes
    /// racing with the same token get one pair and one `invalid_grant`, as with Intuit.
    func refresh(token: String, now: ContinuousClock.Instant) throws(GrantError) -> (realmId: String, tokens: TokenPair) {
        let result: (String, TokenPair)? = state.withLockedValue { state in
            guard var grant = state.refreshTokens[token], !grant.used, grant.expires > now else { return nil }
            grant.used = true
            state.refreshTokens[token] = grant
            return (grant.realmId, issue(realmId: grant.realmId, now: now, into: &state))
        }
        guard let result else { throw .invalidGrant }
        return result
    }

    /// The realm an access token is good for.
    func validate(accessToken: String, now: ContinuousClock.Instant) throws(AccessFailure) -> String {
        let outcome: Result<String, AccessFailure> = state.withLockedValue { state in
            if let grant = state.accessTokens[accessToken] {
                return grant.expires > now ? .success(grant.realmId) : .failure(.expired)
            }
            return .failure(state.revokedAccessTokens.contains(accessToken) ? .revoked : .unknown)
        }
        return try outcome.get()
    }

    /// Revokes every code and token of a realm: the company "disconnected the app".
    func revokeAll(realmId: String) {
        state.withLockedValue { state in
            state.codes = state.codes.filter { $0.value.realmId != realmId }
            for (token, grant) in state.accessTokens where grant.realmId == realmId {
                state.accessTokens[token] = nil
                state.revokedAccessTokens.insert(token)
            }
            state.refreshTokens = state.refreshTokens.filter { $0.value.realmId != realmId }
        }
    }

    /// Ends the life of every access token of a realm now, as if its hour had passed; refresh
    /// tokens stay good.
    func expireAccessTokens(realmId: String, now: ContinuousClock.Instant) {
        state.withLockedValue { state in
            for (token, grant) in state.accessTokens where grant.realmId == realmId {
                state.accessTokens[token] = AccessGrant(realmId: realmId, expires: now)
            }
        }
    }

    /// The realm a refresh or access token belongs to, for the revoke endpoint.
    func realm(ofToken token: String) -> String? {
        state.withLockedValue { state in
            state.refreshTokens[token]?.realmId ?? state.accessTokens[token]?.realmId
        }
    }

    private func issue(realmId: String, now: ContinuousClock.Instant, into state: inout State) -> TokenPair {
        let access = RandomToken.make(prefix: "eyJsbx.", length: 48)
        let refresh = RandomToken.make(prefix: "RT1-", length: 44)
        state.accessTokens[access] = AccessGrant(realmId: realmId, expires: now + accessLifetime)
        state.refreshTokens[refresh] = RefreshGrant(realmId: realmId, expires: now + refreshLifetime, used: false)
        state.issuedSinceSweep += 1
        if state.issuedSinceSweep >= 1024 {
            // Forget long-dead tokens now and then so a long demo run stays flat in memory.
            state.issuedSinceSweep = 0
            state.accessTokens = state.accessTokens.filter { $0.value.expires > now }
            state.codes = state.codes.filter { $0.value.expires > now }
        }
        return TokenPair(
            accessToken: access,
            refreshToken: refresh,
            accessLifetimeSeconds: Self.wholeSeconds(accessLifetime),
            refreshLifetimeSeconds: Self.wholeSeconds(refreshLifetime)
        )
    }

    private static func wholeSeconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}

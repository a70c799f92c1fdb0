/// A realm created for a test or the demo, with a code to exchange at the token endpoint.
public struct SandboxRealmGrant: Sendable, Equatable {
    public let realmId: String
    public let companyName: String
    /// One-time authorization code for `grant_type=authorization_code`.
    public let authorizationCode: String
}

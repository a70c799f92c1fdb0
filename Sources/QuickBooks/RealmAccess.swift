/// What an API call needs to reach one company: its realm id and a live access token.
public struct RealmAccess: Sendable, Hashable {
    public var realmID: String
    public var accessToken: String

    public init(realmID: String, accessToken: String) {
        self.realmID = realmID
        self.accessToken = accessToken
    }
}

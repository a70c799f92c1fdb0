/// The person behind a sync or unsync request.
public struct Actor: Sendable, Hashable {
    public var userID: String
    public var role: String

    public init(userID: String, role: String) {
        self.userID = userID
        self.role = role
    }

    /// Only a firm owner or admin may sync or unsync an account (help article).
    public var mayToggleSync: Bool {
        switch role.lowercased() {
        case "owner", "admin": true
        default: false
        }
    }
}

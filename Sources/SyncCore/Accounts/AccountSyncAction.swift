/// A side effect the caller runs after an ``AccountSyncMachine`` transition.
public enum AccountSyncAction: Sendable, Hashable {
    /// Link the account to a QuickBooks customer in this mode.
    case link(LinkMode)
    /// Publish this change of the account's QuickBooks column.
    case publish(AccountStatusUpdate)
    /// Keep the request in the audit table and count it: the actor may not toggle sync.
    case rejectToggle(RejectedToggle)
}

/// The account part of a status event; the caller adds firm, ids and `caused_by`.
public typealias AccountStatusUpdate = StatusUpdate

/// A sync or unsync request from someone who is not an owner or admin.
public struct RejectedToggle: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable { case sync, unsync }
    public var action: Action
    public var actor: Actor
    public var reason: String

    public init(action: Action, actor: Actor, reason: String) {
        self.action = action
        self.actor = actor
        self.reason = reason
    }
}

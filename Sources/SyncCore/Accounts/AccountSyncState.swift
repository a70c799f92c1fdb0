/// What qbsync knows about one client account: the row behind its QuickBooks column cell.
public struct AccountSyncState: Sendable, Hashable {
    public var name: String
    public var status: SyncStatus
    public var qboCustomerID: String?
    public var detail: String?
    public var errorCode: String?
    /// Increases with every published change, so readers can drop stale events.
    public var sequence: Int64
    /// Whether an invoice or payment has arrived for this account.
    public var hasActivity: Bool
    /// The link still to be made while `status == .syncing` (kept across retries and restarts).
    public var pendingLink: LinkMode?

    public init(
        name: String, status: SyncStatus = .notSynced, qboCustomerID: String? = nil,
        detail: String? = nil, errorCode: String? = nil, sequence: Int64 = 0,
        hasActivity: Bool = false, pendingLink: LinkMode? = nil
    ) {
        self.name = name
        self.status = status
        self.qboCustomerID = qboCustomerID
        self.detail = detail
        self.errorCode = errorCode
        self.sequence = sequence
        self.hasActivity = hasActivity
        self.pendingLink = pendingLink
    }

    /// The part of the state that the QuickBooks column shows; a change here is published.
    var visible: Visible { Visible(status: status, qboCustomerID: qboCustomerID, detail: detail, errorCode: errorCode) }

    struct Visible: Hashable {
        var status: SyncStatus
        var qboCustomerID: String?
        var detail: String?
        var errorCode: String?
    }
}

/// One entity's QuickBooks column cell changing; the caller adds firm, ids and `caused_by` to
/// make a ``StatusChange``.
public struct StatusUpdate: Sendable, Hashable {
    public var status: SyncStatus
    /// nil when the entity was not shown before.
    public var previousStatus: SyncStatus?
    public var detail: String?
    public var errorCode: String?
    public var qboID: String?
    public var sequence: Int64

    public init(status: SyncStatus, previousStatus: SyncStatus?, detail: String?, errorCode: String?, qboID: String?, sequence: Int64) {
        self.status = status
        self.previousStatus = previousStatus
        self.detail = detail
        self.errorCode = errorCode
        self.qboID = qboID
        self.sequence = sequence
    }
}

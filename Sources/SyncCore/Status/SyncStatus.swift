/// The value shown in the QuickBooks column for an account, invoice, payment or firm.
///
/// The raw values are the wire format of `quickbooks.sync-status` events.
public enum SyncStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Known but not linked to QuickBooks: never synced, or nothing to sync yet.
    case notSynced = "not_synced"
    /// Linking or pushing is in progress, or waiting for a retry after a transient error.
    case syncing
    /// Linked to a QuickBooks customer (or written to QuickBooks, for a document).
    case synced
    /// An owner or admin chose "Do not sync this account / Unsync".
    case skipped
    /// A problem the firm has to fix; `detail` says what and how.
    case failed
}

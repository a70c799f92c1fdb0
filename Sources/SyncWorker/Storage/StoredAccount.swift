import Foundation
import SyncCore

/// An account row: the sync state plus the bookkeeping around QuickBooks calls.
struct StoredAccount: Sendable, Equatable {
    var firmID: String
    var accountID: String
    var state: AccountSyncState
    /// The ingress event that asked for the pending link; it seeds the QuickBooks requestid so a
    /// retried link repeats the same request instead of creating a second customer.
    var pendingEventID: String?
    var attempts: Int
    var nextAttemptAt: Date?
    var leaseOwner: String?
    var leaseExpiresAt: Date?

    init(firmID: String, accountID: String, state: AccountSyncState) {
        self.firmID = firmID
        self.accountID = accountID
        self.state = state
        attempts = 0
    }

    func isLeased(byOtherThan owner: String, at now: Date) -> Bool {
        guard let leaseOwner, leaseOwner != owner, let leaseExpiresAt else { return false }
        return leaseExpiresAt > now
    }
}

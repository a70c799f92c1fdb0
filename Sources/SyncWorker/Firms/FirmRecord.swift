import Foundation
import SyncCore

/// A firm's QuickBooks connection and sync settings as stored.
struct FirmRecord: Sendable {
    var firmID: String
    var realmID: String
    var policy: FirmPolicy
    var syncStartDate: CalendarDate?
    var manualPaymentsSync: Bool
    var incomeAccountID: String?
    var feeAccountID: String?
    var connection: FirmConnectionState
}

/// What `qbsync firm connect` and the admin endpoint set.
public struct FirmSettings: Sendable, Hashable, Codable {
    public var firmID: String
    public var realmID: String
    public var policy: FirmPolicy
    public var syncStartDate: CalendarDate?
    /// Whether manually recorded payments sync when their event carries no sync flag.
    public var manualPaymentsSync: Bool
    public var incomeAccountID: String?
    public var feeAccountID: String?

    public init(firmID: String, realmID: String, policy: FirmPolicy = .accountsWithActivity, syncStartDate: CalendarDate? = nil,
                manualPaymentsSync: Bool = true, incomeAccountID: String? = nil, feeAccountID: String? = nil) {
        self.firmID = firmID
        self.realmID = realmID
        self.policy = policy
        self.syncStartDate = syncStartDate
        self.manualPaymentsSync = manualPaymentsSync
        self.incomeAccountID = incomeAccountID
        self.feeAccountID = feeAccountID
    }

    enum CodingKeys: String, CodingKey {
        case firmID = "firm_id", realmID = "realm_id", policy, syncStartDate = "sync_start_date"
        case manualPaymentsSync = "manual_payments_sync", incomeAccountID = "income_account_id", feeAccountID = "fee_account_id"
    }
}

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
    var quickBooksChanges: QuickBooksChangeRule
    var connection: FirmConnectionState

    /// What `qbsync firm connect` and the admin endpoint set.
    var settings: FirmSettings {
        FirmSettings(
            firmID: firmID, realmID: realmID, policy: policy, syncStartDate: syncStartDate, manualPaymentsSync: manualPaymentsSync,
            incomeAccountID: incomeAccountID, feeAccountID: feeAccountID, quickBooksChanges: quickBooksChanges)
    }
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
    /// What happens when an accountant changes in QuickBooks what qbsync wrote.
    public var quickBooksChanges: QuickBooksChangeRule

    public init(
        firmID: String, realmID: String, policy: FirmPolicy = .accountsWithActivity, syncStartDate: CalendarDate? = nil,
        manualPaymentsSync: Bool = true, incomeAccountID: String? = nil, feeAccountID: String? = nil,
        quickBooksChanges: QuickBooksChangeRule = .report
    ) {
        self.firmID = firmID
        self.realmID = realmID
        self.policy = policy
        self.syncStartDate = syncStartDate
        self.manualPaymentsSync = manualPaymentsSync
        self.incomeAccountID = incomeAccountID
        self.feeAccountID = feeAccountID
        self.quickBooksChanges = quickBooksChanges
    }

    enum CodingKeys: String, CodingKey {
        case firmID = "firm_id"
        case realmID = "realm_id"
        case policy
        case syncStartDate = "sync_start_date"
        case manualPaymentsSync = "manual_payments_sync"
        case incomeAccountID = "income_account_id"
        case feeAccountID = "fee_account_id"
        case quickBooksChanges = "quickbooks_changes"
    }
}

extension FirmSettings {
    /// Checks the settings before anything is exchanged or stored: a refresh token spent on a
    /// request that is then refused cannot be used again.
    public func validate() throws(FirmSettingsError) {
        func identifier(_ value: String, _ field: String, maxLength: Int) throws(FirmSettingsError) {
            guard !value.trimmingWhitespace.isEmpty else { throw FirmSettingsError("\(field) must not be empty") }
            guard value.unicodeScalars.count <= maxLength else {
                throw FirmSettingsError("\(field) is longer than \(maxLength) characters")
            }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw FirmSettingsError("\(field) contains control characters")
            }
        }
        try identifier(firmID, "firm_id", maxLength: 128)
        try identifier(realmID, "realm_id", maxLength: 64)
        guard realmID.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) }) else {
            throw FirmSettingsError("realm_id must be the QuickBooks company id (letters and digits), got '\(realmID)'")
        }
        for (field, value) in [("income_account_id", incomeAccountID), ("fee_account_id", feeAccountID)] {
            if let value { try identifier(value, field, maxLength: 64) }
        }
    }
}

/// A firm connection request that cannot be applied, saying which field is wrong.
public struct FirmSettingsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

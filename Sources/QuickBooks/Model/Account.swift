/// An account of the chart of accounts. qbsync looks accounts up to find Undeposited Funds
/// (`AccountSubType` "UndepositedFunds"), the income account of its service items and the
/// expense account for processing fees.
public struct Account: QuickBooksEntity, Hashable {
    public static let entityName = "Account"

    public var id: String?
    public var syncToken: String?
    public var name: String?
    public var fullyQualifiedName: String?
    /// "Bank", "Income", "Expense", "Other Current Asset"…
    public var accountType: String?
    /// The detail type: "UndepositedFunds", "ServiceFeeIncome", "BankCharges"…
    public var accountSubType: String?
    /// "Asset", "Liability", "Equity", "Revenue", "Expense".
    public var classification: String?
    public var active: Bool?
    public var currentBalance: QuickBooksDecimal?
    public var currencyRef: ReferenceType?
    public var metaData: ModificationMetaData?

    public init(
        id: String? = nil, syncToken: String? = nil, name: String? = nil, accountType: String? = nil,
        accountSubType: String? = nil, active: Bool? = nil
    ) {
        self.id = id
        self.syncToken = syncToken
        self.name = name
        self.accountType = accountType
        self.accountSubType = accountSubType
        self.active = active
    }

    public var isActive: Bool { active ?? true }

    /// A reference to this account (needs ``id``).
    public var reference: ReferenceType? { id.map { ReferenceType(value: $0, name: name) } }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case syncToken = "SyncToken"
        case name = "Name"
        case fullyQualifiedName = "FullyQualifiedName"
        case accountType = "AccountType"
        case accountSubType = "AccountSubType"
        case classification = "Classification"
        case active = "Active"
        case currentBalance = "CurrentBalance"
        case currencyRef = "CurrencyRef"
        case metaData = "MetaData"
    }
}

/// One line of a Purchase: an amount booked to an expense account.
public struct ExpenseLine: Sendable, Hashable, Codable {
    public static let accountBasedDetailType = "AccountBasedExpenseLineDetail"

    public var id: String?
    public var description: String?
    public var amount: QuickBooksDecimal
    public var detailType: String
    public var accountBasedExpenseLineDetail: AccountBasedExpenseLineDetail?

    public init(
        id: String? = nil, description: String? = nil, amount: QuickBooksDecimal, detailType: String,
        accountBasedExpenseLineDetail: AccountBasedExpenseLineDetail?
    ) {
        self.id = id
        self.description = description
        self.amount = amount
        self.detailType = detailType
        self.accountBasedExpenseLineDetail = accountBasedExpenseLineDetail
    }

    /// `amount` booked to the expense account `account`.
    public static func expense(_ account: ReferenceType, amount: QuickBooksDecimal, description: String? = nil) -> ExpenseLine {
        ExpenseLine(
            description: description, amount: amount, detailType: accountBasedDetailType,
            accountBasedExpenseLineDetail: AccountBasedExpenseLineDetail(accountRef: account))
    }

    /// The expense account of the line.
    public struct AccountBasedExpenseLineDetail: Sendable, Hashable, Codable {
        public var accountRef: ReferenceType

        public init(accountRef: ReferenceType) {
            self.accountRef = accountRef
        }

        enum CodingKeys: String, CodingKey {
            case accountRef = "AccountRef"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case description = "Description"
        case amount = "Amount"
        case detailType = "DetailType"
        case accountBasedExpenseLineDetail = "AccountBasedExpenseLineDetail"
    }
}

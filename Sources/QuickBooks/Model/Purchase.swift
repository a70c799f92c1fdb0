import SyncCore

/// An expense paid from ``accountRef`` (a bank or credit card account) and booked, line by line,
/// to expense accounts. qbsync writes one for a payment's processing fee.
public struct Purchase: QuickBooksEntity, Hashable {
    public static let entityName = "Purchase"

    /// How the expense was paid: QuickBooks' `PaymentType`.
    public enum PaymentType: String, Sendable, Hashable, Codable {
        case cash = "Cash"
        case check = "Check"
        case creditCard = "CreditCard"
    }

    public var id: String?
    public var syncToken: String?
    public var paymentType: PaymentType?
    /// The account the money leaves (Bank for Cash/Check, Credit Card for CreditCard).
    public var accountRef: ReferenceType?
    public var docNumber: String?
    public var txnDate: CalendarDate?
    public var currencyRef: ReferenceType?
    public var lines: [ExpenseLine]?
    public var privateNote: String?
    public var totalAmt: QuickBooksDecimal?
    public var metaData: ModificationMetaData?

    public init(
        id: String? = nil, syncToken: String? = nil, paymentType: PaymentType? = nil, accountRef: ReferenceType? = nil,
        docNumber: String? = nil, txnDate: CalendarDate? = nil, currencyRef: ReferenceType? = nil,
        lines: [ExpenseLine]? = nil, privateNote: String? = nil
    ) {
        self.id = id
        self.syncToken = syncToken
        self.paymentType = paymentType
        self.accountRef = accountRef
        self.docNumber = docNumber
        self.txnDate = txnDate
        self.currencyRef = currencyRef
        self.lines = lines
        self.privateNote = privateNote
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", syncToken = "SyncToken", paymentType = "PaymentType", accountRef = "AccountRef"
        case docNumber = "DocNumber", txnDate = "TxnDate", currencyRef = "CurrencyRef", lines = "Line"
        case privateNote = "PrivateNote", totalAmt = "TotalAmt", metaData = "MetaData"
    }
}

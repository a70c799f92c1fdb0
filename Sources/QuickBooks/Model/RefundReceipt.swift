import SyncCore

/// Money paid back to a customer, from ``depositToAccountRef`` (the account the refund leaves).
/// qbsync writes one for a refunded payment.
public struct RefundReceipt: QuickBooksEntity, Hashable {
    public static let entityName = "RefundReceipt"

    public var id: String?
    public var syncToken: String?
    public var customerRef: ReferenceType?
    /// At most 21 characters, unique among refund receipts.
    public var docNumber: String?
    public var txnDate: CalendarDate?
    public var currencyRef: ReferenceType?
    public var lines: [SalesLine]?
    /// The account the refund is paid from; required.
    public var depositToAccountRef: ReferenceType?
    public var paymentRefNum: String?
    public var paymentMethodRef: ReferenceType?
    public var privateNote: String?
    public var totalAmt: QuickBooksDecimal?
    public var metaData: ModificationMetaData?

    public init(
        id: String? = nil, syncToken: String? = nil, customerRef: ReferenceType? = nil, docNumber: String? = nil,
        txnDate: CalendarDate? = nil, currencyRef: ReferenceType? = nil, lines: [SalesLine]? = nil,
        depositToAccountRef: ReferenceType? = nil, paymentRefNum: String? = nil,
        paymentMethodRef: ReferenceType? = nil, privateNote: String? = nil
    ) {
        self.id = id
        self.syncToken = syncToken
        self.customerRef = customerRef
        self.docNumber = docNumber
        self.txnDate = txnDate
        self.currencyRef = currencyRef
        self.lines = lines
        self.depositToAccountRef = depositToAccountRef
        self.paymentRefNum = paymentRefNum
        self.paymentMethodRef = paymentMethodRef
        self.privateNote = privateNote
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", syncToken = "SyncToken", customerRef = "CustomerRef", docNumber = "DocNumber"
        case txnDate = "TxnDate", currencyRef = "CurrencyRef", lines = "Line"
        case depositToAccountRef = "DepositToAccountRef", paymentRefNum = "PaymentRefNum"
        case paymentMethodRef = "PaymentMethodRef", privateNote = "PrivateNote", totalAmt = "TotalAmt"
        case metaData = "MetaData"
    }
}

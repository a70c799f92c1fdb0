import SyncCore

/// A customer payment, applied to invoices through its lines and deposited (by default) to
/// Undeposited Funds. What is not applied stays as the customer's credit (``unappliedAmt``).
public struct Payment: QuickBooksEntity, Hashable {
    public static let entityName = "Payment"

    public var id: String?
    public var syncToken: String?
    public var customerRef: ReferenceType?
    public var totalAmt: QuickBooksDecimal?
    public var txnDate: CalendarDate?
    /// The payer's reference (check number, card transaction id).
    public var paymentRefNum: String?
    /// Where the money goes; Undeposited Funds when absent.
    public var depositToAccountRef: ReferenceType?
    public var paymentMethodRef: ReferenceType?
    public var currencyRef: ReferenceType?
    public var lines: [PaymentLine]?
    public var privateNote: String?
    /// Computed by QuickBooks: ``totalAmt`` minus what the lines apply.
    public var unappliedAmt: QuickBooksDecimal?
    public var metaData: ModificationMetaData?

    public init(
        id: String? = nil, syncToken: String? = nil, customerRef: ReferenceType? = nil,
        totalAmt: QuickBooksDecimal? = nil, txnDate: CalendarDate? = nil, paymentRefNum: String? = nil,
        depositToAccountRef: ReferenceType? = nil, paymentMethodRef: ReferenceType? = nil,
        currencyRef: ReferenceType? = nil, lines: [PaymentLine]? = nil, privateNote: String? = nil
    ) {
        self.id = id
        self.syncToken = syncToken
        self.customerRef = customerRef
        self.totalAmt = totalAmt
        self.txnDate = txnDate
        self.paymentRefNum = paymentRefNum
        self.depositToAccountRef = depositToAccountRef
        self.paymentMethodRef = paymentMethodRef
        self.currencyRef = currencyRef
        self.lines = lines
        self.privateNote = privateNote
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case syncToken = "SyncToken"
        case customerRef = "CustomerRef"
        case totalAmt = "TotalAmt"
        case txnDate = "TxnDate"
        case paymentRefNum = "PaymentRefNum"
        case depositToAccountRef = "DepositToAccountRef"
        case paymentMethodRef = "PaymentMethodRef"
        case currencyRef = "CurrencyRef"
        case lines = "Line"
        case privateNote = "PrivateNote"
        case unappliedAmt = "UnappliedAmt"
        case metaData = "MetaData"
    }
}

import SyncCore

/// A credit memo: credit the customer can use against invoices. qbsync writes one for a payment
/// made with promotional credit.
public struct CreditMemo: QuickBooksEntity, Hashable {
    public static let entityName = "CreditMemo"

    public var id: String?
    public var syncToken: String?
    public var customerRef: ReferenceType?
    /// At most 21 characters, unique among credit memos.
    public var docNumber: String?
    public var txnDate: CalendarDate?
    public var currencyRef: ReferenceType?
    public var lines: [SalesLine]?
    public var privateNote: String?
    public var totalAmt: QuickBooksDecimal?
    /// Credit not yet used by payments; computed by QuickBooks.
    public var remainingCredit: QuickBooksDecimal?
    public var metaData: ModificationMetaData?

    public init(
        id: String? = nil, syncToken: String? = nil, customerRef: ReferenceType? = nil, docNumber: String? = nil,
        txnDate: CalendarDate? = nil, currencyRef: ReferenceType? = nil, lines: [SalesLine]? = nil,
        privateNote: String? = nil
    ) {
        self.id = id
        self.syncToken = syncToken
        self.customerRef = customerRef
        self.docNumber = docNumber
        self.txnDate = txnDate
        self.currencyRef = currencyRef
        self.lines = lines
        self.privateNote = privateNote
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", syncToken = "SyncToken", customerRef = "CustomerRef", docNumber = "DocNumber"
        case txnDate = "TxnDate", currencyRef = "CurrencyRef", lines = "Line", privateNote = "PrivateNote"
        case totalAmt = "TotalAmt", remainingCredit = "RemainingCredit", metaData = "MetaData"
    }
}

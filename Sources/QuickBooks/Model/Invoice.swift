import SyncCore

/// A sales invoice.
///
/// Every field is optional so the same type serves a create (``customerRef`` and ``lines``
/// required), a sparse update (``id``, ``syncToken`` and only the fields that change) and what
/// QuickBooks returns. ``totalAmt`` and ``balance`` are computed by QuickBooks.
public struct Invoice: QuickBooksEntity, Hashable {
    public static let entityName = "Invoice"

    public var id: String?
    public var syncToken: String?
    public var customerRef: ReferenceType?
    /// The invoice number, at most 21 characters, unique among invoices (fault 6210; 6140 reported
    /// for real QuickBooks). QuickBooks numbers the invoice itself when it is absent.
    public var docNumber: String?
    public var txnDate: CalendarDate?
    public var dueDate: CalendarDate?
    /// The invoice's currency (`{"value":"USD"}`); the company's home currency when absent.
    public var currencyRef: ReferenceType?
    public var lines: [SalesLine]?
    /// A note visible only inside QuickBooks.
    public var privateNote: String?
    public var totalAmt: QuickBooksDecimal?
    /// What is still owed after payments.
    public var balance: QuickBooksDecimal?
    /// Payments applied to this invoice.
    public var linkedTxn: [LinkedTransaction]?
    public var metaData: ModificationMetaData?

    public init(
        id: String? = nil, syncToken: String? = nil, customerRef: ReferenceType? = nil, docNumber: String? = nil,
        txnDate: CalendarDate? = nil, dueDate: CalendarDate? = nil, currencyRef: ReferenceType? = nil,
        lines: [SalesLine]? = nil, privateNote: String? = nil
    ) {
        self.id = id
        self.syncToken = syncToken
        self.customerRef = customerRef
        self.docNumber = docNumber
        self.txnDate = txnDate
        self.dueDate = dueDate
        self.currencyRef = currencyRef
        self.lines = lines
        self.privateNote = privateNote
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case syncToken = "SyncToken"
        case customerRef = "CustomerRef"
        case docNumber = "DocNumber"
        case txnDate = "TxnDate"
        case dueDate = "DueDate"
        case currencyRef = "CurrencyRef"
        case lines = "Line"
        case privateNote = "PrivateNote"
        case totalAmt = "TotalAmt"
        case balance = "Balance"
        case linkedTxn = "LinkedTxn"
        case metaData = "MetaData"
    }
}

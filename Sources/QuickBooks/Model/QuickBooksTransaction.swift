import SyncCore

/// What one kind of transaction adds to the fields every transaction has: its entity name, the
/// line type it books, and its own fields (a credit memo's customer and remaining credit, a
/// purchase's paying account…).
public protocol TransactionDetails: Codable, Sendable, Hashable {
    associatedtype Line: Codable, Sendable, Hashable
    static var entityName: String { get }
}

/// A QuickBooks transaction qbsync writes beside invoices and payments — ``CreditMemo``,
/// ``RefundReceipt``, ``Purchase`` — in their shared shape: version, number, date, currency,
/// lines, note and the total QuickBooks computes, plus the ``TransactionDetails`` of its kind,
/// which sit beside them in the same JSON object and read as if they were its own
/// (`memo.remainingCredit`).
@dynamicMemberLookup
public struct QuickBooksTransaction<Details: TransactionDetails>: QuickBooksEntity, Hashable {
    public static var entityName: String { Details.entityName }

    public var id: String?
    public var syncToken: String?
    /// At most 21 characters, unique among transactions of its kind.
    public var docNumber: String?
    public var txnDate: CalendarDate?
    public var currencyRef: ReferenceType?
    public var lines: [Details.Line]?
    public var privateNote: String?
    /// Computed by QuickBooks.
    public var totalAmt: QuickBooksDecimal?
    public var metaData: ModificationMetaData?
    public var details: Details

    public init(
        id: String? = nil, syncToken: String? = nil, docNumber: String? = nil, txnDate: CalendarDate? = nil,
        currencyRef: ReferenceType? = nil, lines: [Details.Line]? = nil, privateNote: String? = nil, details: Details
    ) {
        self.id = id
        self.syncToken = syncToken
        self.docNumber = docNumber
        self.txnDate = txnDate
        self.currencyRef = currencyRef
        self.lines = lines
        self.privateNote = privateNote
        self.details = details
    }

    public subscript<Value>(dynamicMember field: WritableKeyPath<Details, Value>) -> Value {
        get { details[keyPath: field] }
        set { details[keyPath: field] = newValue }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case syncToken = "SyncToken"
        case docNumber = "DocNumber"
        case txnDate = "TxnDate"
        case currencyRef = "CurrencyRef"
        case lines = "Line"
        case privateNote = "PrivateNote"
        case totalAmt = "TotalAmt"
        case metaData = "MetaData"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        syncToken = try container.decodeIfPresent(String.self, forKey: .syncToken)
        docNumber = try container.decodeIfPresent(String.self, forKey: .docNumber)
        txnDate = try container.decodeIfPresent(CalendarDate.self, forKey: .txnDate)
        currencyRef = try container.decodeIfPresent(ReferenceType.self, forKey: .currencyRef)
        lines = try container.decodeIfPresent([Details.Line].self, forKey: .lines)
        privateNote = try container.decodeIfPresent(String.self, forKey: .privateNote)
        totalAmt = try container.decodeIfPresent(QuickBooksDecimal.self, forKey: .totalAmt)
        metaData = try container.decodeIfPresent(ModificationMetaData.self, forKey: .metaData)
        details = try Details(from: decoder)  // its fields are in the same object
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(syncToken, forKey: .syncToken)
        try container.encodeIfPresent(docNumber, forKey: .docNumber)
        try container.encodeIfPresent(txnDate, forKey: .txnDate)
        try container.encodeIfPresent(currencyRef, forKey: .currencyRef)
        try container.encodeIfPresent(lines, forKey: .lines)
        try container.encodeIfPresent(privateNote, forKey: .privateNote)
        try container.encodeIfPresent(totalAmt, forKey: .totalAmt)
        try container.encodeIfPresent(metaData, forKey: .metaData)
        try details.encode(to: encoder)
    }
}

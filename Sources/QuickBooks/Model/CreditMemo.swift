import SyncCore

/// A credit memo: credit the customer can use against invoices. qbsync writes one for a payment
/// made with promotional credit.
public typealias CreditMemo = QuickBooksTransaction<CreditMemoDetails>

public struct CreditMemoDetails: TransactionDetails {
    public typealias Line = SalesLine
    public static let entityName = "CreditMemo"

    public var customerRef: ReferenceType?
    /// Credit not yet used by payments; computed by QuickBooks.
    public var remainingCredit: QuickBooksDecimal?

    public init(customerRef: ReferenceType? = nil) {
        self.customerRef = customerRef
    }

    enum CodingKeys: String, CodingKey {
        case customerRef = "CustomerRef"
        case remainingCredit = "RemainingCredit"
    }
}

extension QuickBooksTransaction where Details == CreditMemoDetails {
    public init(
        id: String? = nil, syncToken: String? = nil, customerRef: ReferenceType? = nil, docNumber: String? = nil,
        txnDate: CalendarDate? = nil, currencyRef: ReferenceType? = nil, lines: [SalesLine]? = nil,
        privateNote: String? = nil
    ) {
        self.init(
            id: id, syncToken: syncToken, docNumber: docNumber, txnDate: txnDate, currencyRef: currencyRef,
            lines: lines, privateNote: privateNote, details: CreditMemoDetails(customerRef: customerRef))
    }
}

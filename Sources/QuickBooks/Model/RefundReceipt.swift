import SyncCore

/// Money paid back to a customer, from its `depositToAccountRef` (the account the refund
/// leaves). qbsync writes one for a refunded payment.
public typealias RefundReceipt = QuickBooksTransaction<RefundReceiptDetails>

public struct RefundReceiptDetails: TransactionDetails {
    public typealias Line = SalesLine
    public static let entityName = "RefundReceipt"

    public var customerRef: ReferenceType?
    /// The account the refund is paid from; required.
    public var depositToAccountRef: ReferenceType?
    public var paymentRefNum: String?
    public var paymentMethodRef: ReferenceType?

    public init(
        customerRef: ReferenceType? = nil, depositToAccountRef: ReferenceType? = nil, paymentRefNum: String? = nil,
        paymentMethodRef: ReferenceType? = nil
    ) {
        self.customerRef = customerRef
        self.depositToAccountRef = depositToAccountRef
        self.paymentRefNum = paymentRefNum
        self.paymentMethodRef = paymentMethodRef
    }

    enum CodingKeys: String, CodingKey {
        case customerRef = "CustomerRef"
        case depositToAccountRef = "DepositToAccountRef"
        case paymentRefNum = "PaymentRefNum"
        case paymentMethodRef = "PaymentMethodRef"
    }
}

extension QuickBooksTransaction where Details == RefundReceiptDetails {
    public init(
        id: String? = nil, syncToken: String? = nil, customerRef: ReferenceType? = nil, docNumber: String? = nil,
        txnDate: CalendarDate? = nil, currencyRef: ReferenceType? = nil, lines: [SalesLine]? = nil,
        depositToAccountRef: ReferenceType? = nil, paymentRefNum: String? = nil,
        paymentMethodRef: ReferenceType? = nil, privateNote: String? = nil
    ) {
        let details = RefundReceiptDetails(
            customerRef: customerRef, depositToAccountRef: depositToAccountRef, paymentRefNum: paymentRefNum,
            paymentMethodRef: paymentMethodRef)
        self.init(
            id: id, syncToken: syncToken, docNumber: docNumber, txnDate: txnDate, currencyRef: currencyRef,
            lines: lines, privateNote: privateNote, details: details)
    }
}

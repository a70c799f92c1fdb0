import SyncCore

/// An expense paid from its `accountRef` (a bank or credit card account) and booked, line by
/// line, to expense accounts. qbsync writes one for a payment's processing fee.
public typealias Purchase = QuickBooksTransaction<PurchaseDetails>

public struct PurchaseDetails: TransactionDetails {
    public typealias Line = ExpenseLine
    public static let entityName = "Purchase"

    /// How the expense was paid: QuickBooks' `PaymentType`.
    public enum PaymentType: String, Sendable, Hashable, Codable {
        case cash = "Cash"
        case check = "Check"
        case creditCard = "CreditCard"
    }

    public var paymentType: PaymentType?
    /// The account the money leaves (Bank for Cash/Check, Credit Card for CreditCard).
    public var accountRef: ReferenceType?

    public init(paymentType: PaymentType? = nil, accountRef: ReferenceType? = nil) {
        self.paymentType = paymentType
        self.accountRef = accountRef
    }

    enum CodingKeys: String, CodingKey {
        case paymentType = "PaymentType"
        case accountRef = "AccountRef"
    }
}

extension QuickBooksTransaction where Details == PurchaseDetails {
    public init(
        id: String? = nil, syncToken: String? = nil, paymentType: PurchaseDetails.PaymentType? = nil,
        accountRef: ReferenceType? = nil, docNumber: String? = nil, txnDate: CalendarDate? = nil,
        currencyRef: ReferenceType? = nil, lines: [ExpenseLine]? = nil, privateNote: String? = nil
    ) {
        self.init(
            id: id, syncToken: syncToken, docNumber: docNumber, txnDate: txnDate, currencyRef: currencyRef,
            lines: lines, privateNote: privateNote, details: PurchaseDetails(paymentType: paymentType, accountRef: accountRef))
    }
}

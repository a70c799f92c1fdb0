/// The QuickBooks transaction types a document becomes.
public enum QuickBooksObjectType: String, Sendable, Hashable, CaseIterable {
    case invoice = "Invoice"
    case payment = "Payment"
    case creditMemo = "CreditMemo"
    case purchase = "Purchase"
    case refundReceipt = "RefundReceipt"
}

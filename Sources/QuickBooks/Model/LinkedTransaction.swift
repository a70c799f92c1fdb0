/// A link between transactions: a payment line to the invoice it pays, an invoice to the
/// payments applied to it (`{"TxnId":"130","TxnType":"Invoice"}`).
public struct LinkedTransaction: Sendable, Hashable, Codable {
    public var txnId: String
    /// "Invoice", "CreditMemo", "Payment"…
    public var txnType: String

    public init(txnId: String, txnType: String) {
        self.txnId = txnId
        self.txnType = txnType
    }

    /// A link to the invoice with this Id.
    public static func invoice(_ id: String) -> LinkedTransaction {
        LinkedTransaction(txnId: id, txnType: "Invoice")
    }

    /// A link to the credit memo with this Id (a payment that uses the credit).
    public static func creditMemo(_ id: String) -> LinkedTransaction {
        LinkedTransaction(txnId: id, txnType: "CreditMemo")
    }

    enum CodingKeys: String, CodingKey {
        case txnId = "TxnId"
        case txnType = "TxnType"
    }
}

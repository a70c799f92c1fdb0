/// One line of a Payment: the amount applied to one invoice (or credit memo).
public struct PaymentLine: Sendable, Hashable, Codable {
    public var amount: QuickBooksDecimal
    /// Exactly one transaction.
    public var linkedTxn: [LinkedTransaction]

    public init(amount: QuickBooksDecimal, linkedTxn: [LinkedTransaction]) {
        self.amount = amount
        self.linkedTxn = linkedTxn
    }

    /// `amount` applied to the invoice with this Id.
    public static func invoice(_ invoiceID: String, amount: QuickBooksDecimal) -> PaymentLine {
        PaymentLine(amount: amount, linkedTxn: [.invoice(invoiceID)])
    }

    enum CodingKeys: String, CodingKey {
        case amount = "Amount"
        case linkedTxn = "LinkedTxn"
    }
}

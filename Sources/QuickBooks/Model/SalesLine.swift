/// One line of an Invoice, CreditMemo or RefundReceipt.
///
/// qbsync writes `SalesItemLineDetail` lines (`Qty × UnitPrice = Amount`, QuickBooks checks it:
/// fault 6070). QuickBooks adds a `SubTotalLineDetail` line to what it returns; such lines decode
/// with only ``amount`` and ``detailType``, and QuickBooks ignores them when they are sent back.
public struct SalesLine: Sendable, Hashable, Codable {
    public static let salesItemDetailType = "SalesItemLineDetail"

    /// Line id QuickBooks assigns ("1", "2"…).
    public var id: String?
    public var lineNum: Int?
    public var description: String?
    public var amount: QuickBooksDecimal?
    /// "SalesItemLineDetail", "SubTotalLineDetail", "DescriptionOnly", "DiscountLineDetail"…
    public var detailType: String
    public var salesItemLineDetail: SalesItemLineDetail?

    public init(
        id: String? = nil, description: String? = nil, amount: QuickBooksDecimal?, detailType: String,
        salesItemLineDetail: SalesItemLineDetail? = nil
    ) {
        self.id = id
        self.description = description
        self.amount = amount
        self.detailType = detailType
        self.salesItemLineDetail = salesItemLineDetail
    }

    /// A service line: `quantity × unitPrice` must equal `amount` to the cent.
    public static func salesItem(
        _ item: ReferenceType, quantity: QuickBooksDecimal, unitPrice: QuickBooksDecimal, amount: QuickBooksDecimal,
        description: String? = nil
    ) -> SalesLine {
        SalesLine(
            description: description, amount: amount, detailType: salesItemDetailType,
            salesItemLineDetail: SalesItemLineDetail(itemRef: item, qty: quantity, unitPrice: unitPrice))
    }

    /// True for lines that sell an item (not the subtotal QuickBooks appends).
    public var isSalesItem: Bool { detailType == Self.salesItemDetailType }

    /// The item, quantity and price of a sales line.
    public struct SalesItemLineDetail: Sendable, Hashable, Codable {
        /// A Service item; an inactive item gives fault 610.
        public var itemRef: ReferenceType
        public var qty: QuickBooksDecimal?
        public var unitPrice: QuickBooksDecimal?
        public var taxCodeRef: ReferenceType?

        public init(itemRef: ReferenceType, qty: QuickBooksDecimal?, unitPrice: QuickBooksDecimal?, taxCodeRef: ReferenceType? = nil) {
            self.itemRef = itemRef
            self.qty = qty
            self.unitPrice = unitPrice
            self.taxCodeRef = taxCodeRef
        }

        enum CodingKeys: String, CodingKey {
            case itemRef = "ItemRef"
            case qty = "Qty"
            case unitPrice = "UnitPrice"
            case taxCodeRef = "TaxCodeRef"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case lineNum = "LineNum"
        case description = "Description"
        case amount = "Amount"
        case detailType = "DetailType"
        case salesItemLineDetail = "SalesItemLineDetail"
    }
}

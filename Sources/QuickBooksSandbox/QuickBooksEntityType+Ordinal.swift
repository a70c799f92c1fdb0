extension QuickBooksEntityType {
    /// Position in ``allCases``, for array-indexed storage.
    var ordinal: Int {
        switch self {
        case .customer: return 0
        case .item: return 1
        case .account: return 2
        case .invoice: return 3
        case .payment: return 4
        case .creditMemo: return 5
        case .refundReceipt: return 6
        case .purchase: return 7
        case .customerType: return 8
        }
    }
}

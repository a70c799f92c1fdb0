extension QuickBooksClient {
    /// Creates a credit memo (promotional credit).
    public func createCreditMemo(_ creditMemo: CreditMemo, requestID: String, access: RealmAccess) async throws(QuickBooksError)
        -> CreditMemo
    {
        try await create(CreditMemo.entityName, creditMemo, requestID: requestID, access: access)
    }

    /// Creates a refund receipt (a refunded payment); it needs `depositToAccountRef`.
    public func createRefundReceipt(_ refund: RefundReceipt, requestID: String, access: RealmAccess) async throws(QuickBooksError)
        -> RefundReceipt
    {
        try await create(RefundReceipt.entityName, refund, requestID: requestID, access: access)
    }

    /// Creates a purchase (a processing fee booked as an expense).
    public func createPurchase(_ purchase: Purchase, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Purchase {
        try await create(Purchase.entityName, purchase, requestID: requestID, access: access)
    }
}

extension QuickBooksClient {
    /// Creates a payment; its lines apply amounts to invoices, which QuickBooks then versions
    /// (their SyncToken moves on).
    public func createPayment(_ payment: Payment, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Payment {
        try await create(Payment.entityName, payment, requestID: requestID, access: access)
    }

    public func payment(id: String, access: RealmAccess) async throws(QuickBooksError) -> Payment {
        try await read(Payment.entityName, id: id, as: Payment.self, access: access)
    }

    /// Deletes a payment; the invoices it paid are open again.
    public func deletePayment(id: String, syncToken: String, requestID: String, access: RealmAccess) async throws(QuickBooksError)
        -> DeletedObject
    {
        try await delete(Payment.self, id: id, syncToken: syncToken, requestID: requestID, access: access)
    }
}

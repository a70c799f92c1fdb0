extension QuickBooksClient {
    /// Creates an invoice. A DocNumber already used gives 6210 (6140 at real QuickBooks) —
    /// see ``QuickBooksError/isDuplicateDocumentNumber``.
    public func createInvoice(_ invoice: Invoice, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Invoice {
        try await create(Invoice.entityName, invoice, requestID: requestID, access: access)
    }

    public func invoice(id: String, access: RealmAccess) async throws(QuickBooksError) -> Invoice {
        try await read(Invoice.entityName, id: id, as: Invoice.self, access: access)
    }

    /// Invoices with this DocNumber (at most one: numbers are unique), to find an invoice whose
    /// create answer was lost.
    public func invoices(docNumber: String, access: RealmAccess) async throws(QuickBooksError) -> [Invoice] {
        let statement = "select * from Invoice where DocNumber = \(QueryLiteral.quoted(docNumber))"
        return try await query(statement, entity: Invoice.entityName, as: Invoice.self, access: access)
    }

    /// A sparse update: `change` carries the Id, the current SyncToken (stale gives 5010) and only
    /// the fields to change. Sending `lines` replaces all lines.
    public func updateInvoice(_ change: Invoice, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Invoice {
        try await update(Invoice.entityName, change, sparse: true, requestID: requestID, access: access)
    }

    /// Voids an invoice (`operation=void`): it stays, numbered, with zero amounts.
    public func voidInvoice(id: String, syncToken: String, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Invoice
    {
        try await void(Invoice.self, id: id, syncToken: syncToken, requestID: requestID, access: access)
    }

    /// Deletes an invoice (`operation=delete`). QuickBooks refuses while payments are applied to it.
    public func deleteInvoice(id: String, syncToken: String, requestID: String, access: RealmAccess) async throws(QuickBooksError)
        -> DeletedObject
    {
        try await delete(Invoice.self, id: id, syncToken: syncToken, requestID: requestID, access: access)
    }
}

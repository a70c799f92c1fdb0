import SyncCore

extension QuickBooksClient {
    /// Items whose Name is exactly `name`, inactive ones included (an inactive item keeps its name).
    public func items(named name: String, access: RealmAccess) async throws(QuickBooksError) -> [Item] {
        let statement = "select * from Item where Name = \(QueryLiteral.quoted(name)) and Active in (true, false)"
        return try await query(statement, entity: Item.entityName, as: Item.self, access: access)
    }

    public func item(id: String, access: RealmAccess) async throws(QuickBooksError) -> Item {
        try await read(Item.entityName, id: id, as: Item.self, access: access)
    }

    /// Creates an item; a name already used gives 6240.
    public func createItem(_ item: Item, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Item {
        try await create(Item.entityName, item, requestID: requestID, access: access)
    }

    /// Makes an inactive item active again so lines can use it.
    public func reactivate(_ item: Item, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Item {
        let change = Item(id: item.id, syncToken: item.syncToken, name: item.name, active: true)
        return try await update(Item.entityName, change, sparse: true, requestID: requestID, access: access)
    }

    /// The Service item named `name`, found by name (active or not, reactivated if needed) or
    /// created with `incomeAccount`.
    ///
    /// `requestID` makes the create idempotent. When another writer creates the same name
    /// between the query and the create (6240), the item it created is returned. A reactivation
    /// uses a requestid derived from `requestID` and the item's SyncToken, so it is idempotent
    /// too without replaying an unrelated earlier answer.
    public func serviceItem(
        named name: String, incomeAccount: ReferenceType, requestID: String, access: RealmAccess
    ) async throws(QuickBooksError) -> Item {
        if let found = try await items(named: name, access: access).first {
            return try await activated(found, requestID: requestID, access: access)
        }
        return try await createServiceItem(named: name, incomeAccount: incomeAccount, requestID: requestID, access: access)
    }

    /// Creates the Service item `name` with `incomeAccount` (after a query found none); when
    /// another writer created it meanwhile (6240), that one is returned, active.
    public func createServiceItem(
        named name: String, incomeAccount: ReferenceType, requestID: String, access: RealmAccess
    ) async throws(QuickBooksError) -> Item {
        do {
            return try await createItem(.service(named: name, incomeAccount: incomeAccount), requestID: requestID, access: access)
        } catch  where error.isDuplicateName {
            // Created meanwhile (or the name differs only in letter case, which QuickBooks treats as equal).
            guard let found = try await items(named: name, access: access).first else { throw error }
            return try await activated(found, requestID: requestID, access: access)
        }
    }

    /// `item`, made active again if it is not (with a requestid derived from `requestID`).
    public func activated(_ item: Item, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Item {
        guard !item.isActive else { return item }
        let reactivationID = RequestID.stableUUID([requestID, "reactivate-item", item.id ?? "", item.syncToken ?? ""])
        return try await reactivate(item, requestID: reactivationID, access: access)
    }
}

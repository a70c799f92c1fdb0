extension QuickBooksClient {
    /// Accounts whose Name is exactly `name` (active only unless `includeInactive`).
    public func accounts(named name: String, includeInactive: Bool = false, access: RealmAccess) async throws(QuickBooksError) -> [Account]
    {
        try await accounts(where: "Name = \(QueryLiteral.quoted(name))", includeInactive: includeInactive, access: access)
    }

    /// Accounts of a detail type, e.g. "UndepositedFunds", "ServiceFeeIncome", "BankCharges".
    public func accounts(subType: String, includeInactive: Bool = false, access: RealmAccess) async throws(QuickBooksError) -> [Account] {
        try await accounts(where: "AccountSubType = \(QueryLiteral.quoted(subType))", includeInactive: includeInactive, access: access)
    }

    /// Accounts of a type, e.g. "Income", "Expense", "Bank".
    public func accounts(type: String, includeInactive: Bool = false, access: RealmAccess) async throws(QuickBooksError) -> [Account] {
        try await accounts(where: "AccountType = \(QueryLiteral.quoted(type))", includeInactive: includeInactive, access: access)
    }

    public func account(id: String, access: RealmAccess) async throws(QuickBooksError) -> Account {
        try await read(Account.entityName, id: id, as: Account.self, access: access)
    }

    private func accounts(where condition: String, includeInactive: Bool, access: RealmAccess) async throws(QuickBooksError) -> [Account] {
        let active = includeInactive ? "Active in (true, false)" : "Active = true"
        return try await query(
            "select * from Account where \(condition) and \(active)", entity: Account.entityName, as: Account.self, access: access)
    }
}

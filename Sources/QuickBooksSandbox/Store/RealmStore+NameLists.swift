import Foundation

/// Customers, items and accounts: unique names, deactivation instead of deletion.
extension RealmStore {
    func saveCustomer(
        _ input: [String: JSONValue], existing: StoredEntity?, now: Date
    ) throws(QuickBooksFault)
        -> StoredEntity
    {
        var fields = input
        var name = fields["DisplayName"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        if name.isEmpty {
            // QuickBooks builds a DisplayName from the name parts when none is given.
            name = ["Title", "GivenName", "MiddleName", "FamilyName", "Suffix"]
                .compactMap { fields[$0]?.stringValue?.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
                .joined(separator: " ")
        }
        guard !name.isEmpty else { throw .requiredParameter("DisplayName") }
        guard name.count <= 500 else { throw .stringTooLong("DisplayName", maximum: 500, supplied: name.count) }
        try claimName(.customer, name, for: existing)
        if fields["CustomerTypeRef"] != nil {
            _ = try resolve(.customerType, fields["CustomerTypeRef"], element: "CustomerTypeRef")
        }

        fields["DisplayName"] = .string(name)
        fields["FullyQualifiedName"] = .string(name)
        if fields["PrintOnCheckName"]?.stringValue == nil { fields["PrintOnCheckName"] = .string(name) }
        fields["Active"] = .bool(fields["Active"]?.boolValue ?? true)
        fields["Balance"] = existing?.fields["Balance"] ?? .number(0)
        fields["BalanceWithJobs"] = existing?.fields["Balance"] ?? .number(0)
        fields["Taxable"] = fields["Taxable"] ?? .bool(false)
        fields["Job"] = fields["Job"] ?? .bool(false)
        fields["BillWithParent"] = fields["BillWithParent"] ?? .bool(false)
        fields["IsProject"] = fields["IsProject"] ?? .bool(false)
        fields["PreferredDeliveryMethod"] = fields["PreferredDeliveryMethod"] ?? .string("Print")
        fields["CurrencyRef"] = fields["CurrencyRef"] ?? .reference("USD", name: "United States Dollar")

        let saved = commit(.customer, existing: existing, fields: fields, now: now)
        indexName(.customer, saved: saved, previous: existing)
        return saved
    }

    func saveItem(
        _ input: [String: JSONValue], existing: StoredEntity?, now: Date
    ) throws(QuickBooksFault)
        -> StoredEntity
    {
        var fields = input
        let name = fields["Name"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !name.isEmpty else { throw .requiredParameter("Name") }
        guard name.count <= 100 else { throw .stringTooLong("Name", maximum: 100, supplied: name.count) }
        let requestedType = fields["Type"]?.stringValue ?? "Service"
        guard
            let itemType = ["Service", "NonInventory"].first(where: { $0.lowercased() == requestedType.lowercased() })
        else {
            throw .invalidProperty(
                "Type",
                detail: "Item Type \(requestedType) is not supported by the sandbox; use Service or NonInventory.")
        }
        guard let income = try resolve(.account, fields["IncomeAccountRef"], element: "IncomeAccountRef") else {
            throw .requiredParameter("IncomeAccountRef")
        }
        let incomeType = income.fields["AccountType"]?.stringValue ?? ""
        guard incomeType == "Income" || incomeType == "Other Income" else {
            throw .businessValidation(
                "IncomeAccountRef must name an income account; account \(income.id) is \(incomeType).",
                element: "IncomeAccountRef")
        }
        if let expense = try resolve(
            .account, fields["ExpenseAccountRef"], element: "ExpenseAccountRef", required: false)
        {
            fields["ExpenseAccountRef"] = .reference(expense.idText, name: expense.label)
        }
        if let price = fields["UnitPrice"], !price.isNull, price.numberValue == nil {
            throw .invalidProperty("UnitPrice", detail: "UnitPrice must be a number.")
        }
        try claimName(.item, name, for: existing)

        fields["Name"] = .string(name)
        fields["FullyQualifiedName"] = .string(name)
        fields["Type"] = .string(itemType)
        fields["IncomeAccountRef"] = .reference(income.idText, name: income.label)
        fields["UnitPrice"] = .number(fields["UnitPrice"]?.numberValue ?? 0)
        fields["Active"] = .bool(fields["Active"]?.boolValue ?? true)
        fields["Taxable"] = fields["Taxable"] ?? .bool(false)
        fields["TrackQtyOnHand"] = .bool(false)

        let saved = commit(.item, existing: existing, fields: fields, now: now)
        indexName(.item, saved: saved, previous: existing)
        return saved
    }

    func saveAccount(
        _ input: [String: JSONValue], existing: StoredEntity?, now: Date
    ) throws(QuickBooksFault)
        -> StoredEntity
    {
        var fields = input
        let name = fields["Name"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !name.isEmpty else { throw .requiredParameter("Name") }
        guard name.count <= 100 else { throw .stringTooLong("Name", maximum: 100, supplied: name.count) }
        let subType = fields["AccountSubType"]?.stringValue
        var typeName = fields["AccountType"]?.stringValue
        if typeName == nil {
            guard let subType else { throw .accountTypeMissing() }
            guard let owner = AccountCatalog.subTypeOwners[subType] else {
                throw .invalidProperty(
                    "AccountSubType", detail: "Unknown AccountSubType \(subType); send AccountType too.")
            }
            typeName = owner
        }
        guard let typeName, let kind = AccountCatalog.kind(forType: typeName) else {
            throw .invalidProperty("AccountType", detail: "Unknown AccountType \(typeName ?? "").")
        }
        try claimName(.account, name, for: existing)

        fields["Name"] = .string(name)
        fields["FullyQualifiedName"] = .string(name)
        fields["AccountType"] = .string(kind.type)
        fields["AccountSubType"] = .string(subType ?? kind.defaultSubType)
        fields["Classification"] = .string(kind.classification)
        fields["SubAccount"] = .bool(false)
        fields["Active"] = .bool(fields["Active"]?.boolValue ?? true)
        fields["CurrentBalance"] = existing?.fields["CurrentBalance"] ?? .number(0)
        fields["CurrentBalanceWithSubAccounts"] = existing?.fields["CurrentBalance"] ?? .number(0)
        fields["CurrencyRef"] = fields["CurrencyRef"] ?? .reference("USD", name: "United States Dollar")

        let saved = commit(.account, existing: existing, fields: fields, now: now)
        indexName(.account, saved: saved, previous: existing)
        return saved
    }

    /// A name belongs to one entity of its list, active or not (an inactive customer still
    /// blocks its DisplayName, which is why matching must consider inactive customers).
    private func claimName(
        _ type: QuickBooksEntityType, _ name: String, for existing: StoredEntity?
    )
        throws(QuickBooksFault)
    {
        if let holder = tables[type.ordinal].nameIndex[EntityTable.normalise(name)], holder != existing?.id {
            throw .duplicateName(type, name: name)
        }
    }

    private func indexName(_ type: QuickBooksEntityType, saved: StoredEntity, previous: StoredEntity?) {
        if let oldName = previous?.label {
            let oldKey = EntityTable.normalise(oldName)
            if tables[type.ordinal].nameIndex[oldKey] == saved.id { tables[type.ordinal].nameIndex[oldKey] = nil }
        }
        if let name = saved.label {
            tables[type.ordinal].nameIndex[EntityTable.normalise(name)] = saved.id
        }
    }
}

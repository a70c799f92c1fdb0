import Foundation

/// Everything one QuickBooks company (realm) holds, and the business rules that guard it.
///
/// An actor per realm: operations of one realm are serialised, as QuickBooks effectively does
/// for a company, while different realms proceed in parallel. Every operation validates fully
/// before it changes anything, so a fault never leaves a half-applied write behind.
actor RealmStore {
    let realmId: String
    let companyName: String
    let maxBatchItems: Int

    var tables: [EntityTable]
    var idempotency: IdempotencyCache
    /// Set while a batch runs: entities it created, which its other items must not see.
    var createdInBatch: Set<EntityKey>?
    let undepositedFundsId: Int
    let createdAt: Date
    /// Told of every new version of an entity (the webhook notifications are built from these).
    private let onChange: @Sendable (EntityChange) -> Void

    /// Fields QuickBooks owns on every entity; a client's values for them are ignored.
    static let systemFields: Set<String> = ["Id", "SyncToken", "MetaData", "domain", "sparse", "status"]

    init(
        realmId: String, companyName: String, now: Date, idempotencyLimit: Int, maxBatchItems: Int,
        customerTypes: [String] = ["Individual", "Business"],
        onChange: @escaping @Sendable (EntityChange) -> Void = { _ in }
    ) {
        self.realmId = realmId
        self.onChange = onChange
        self.companyName = companyName
        self.maxBatchItems = maxBatchItems
        self.createdAt = now
        self.idempotency = IdempotencyCache(limit: idempotencyLimit)
        let (tables, undepositedFundsId) = Self.seededTables(now: now, customerTypes: customerTypes)
        self.tables = tables
        self.undepositedFundsId = undepositedFundsId
    }

    // MARK: - Entry points

    func read(_ type: QuickBooksEntityType, id: String, now: Date) -> APIAnswer {
        guard let entityId = Int(id), let entity = entity(type, entityId), entity.status != .deleted else {
            return faultAnswer(
                .objectNotFound(
                    "Id", detail: "Object Not Found : \(type.rawValue) with Id \(id) was not found or has been deleted."
                ), now: now)
        }
        return APIAnswer(status: 200, body: .object([type.rawValue: entity.rendered(), "time": Self.time(now)]))
    }

    func write(
        _ type: QuickBooksEntityType, operation: WriteOperation, body: JSONValue, requestId: String?, now: Date
    )
        -> APIAnswer
    {
        if let requestId, let original = idempotency.answer(for: requestId) {
            return APIAnswer(status: original.status, body: .null, encoded: original.body, replayed: true)
        }
        var answer: APIAnswer
        do {
            let result = try perform(type, operation: operation, body: body, now: now)
            answer = APIAnswer(status: 200, body: .object([type.rawValue: result, "time": Self.time(now)]), writes: 1)
        } catch {
            answer = faultAnswer(error, now: now)
        }
        if let requestId {
            let encoded = JSONWriter.serialize(answer.body)
            idempotency.remember(.init(status: answer.status, body: encoded), for: requestId)
            answer.encoded = encoded
        }
        return answer
    }

    /// Executes one write and returns the entity document (or the deleted stub).
    func perform(
        _ type: QuickBooksEntityType, operation: WriteOperation, body: JSONValue, now: Date
    )
        throws(QuickBooksFault) -> JSONValue
    {
        guard let payload = body.objectValue else {
            throw .invalidProperty(type.rawValue, detail: "The request body must be a \(type.rawValue) JSON object.")
        }
        let hasId = payload["Id"].map { !$0.isNull } ?? false
        switch operation {
        case .delete:
            return try delete(type, payload: payload, now: now)
        case .void:
            return try void(type, payload: payload, now: now)
        case .create where hasId:
            throw .invalidProperty(
                "Id", detail: "Id is assigned by QuickBooks; omit it to create, or use operation update.")
        case .update where !hasId:
            throw .requiredParameter("Id")
        case .save, .create, .update:
            break
        }
        let existing = hasId ? try current(type, payload: payload) : nil
        if let existing, existing.status == .voided {
            throw .businessValidation("A voided transaction can't be changed.", element: "Id")
        }
        let sparse = payload["sparse"]?.boolValue ?? false
        var fields = sparse ? (existing?.fields ?? [:]) : [:]
        for (key, value) in payload where !Self.systemFields.contains(key) {
            fields[key] = value
        }
        let saved: StoredEntity
        switch type {
        case .customer: saved = try saveCustomer(fields, existing: existing, now: now)
        case .item: saved = try saveItem(fields, existing: existing, now: now)
        case .account: saved = try saveAccount(fields, existing: existing, now: now)
        case .invoice, .creditMemo, .refundReceipt:
            saved = try saveSalesForm(type, fields: fields, existing: existing, now: now)
        case .payment: saved = try savePayment(fields, existing: existing, now: now)
        case .purchase: saved = try savePurchase(fields, existing: existing, now: now)
        case .customerType:
            throw .businessValidation(
                "Customer types are set up in QuickBooks' settings; the API can only read them.", element: "CustomerType")
        }
        return saved.rendered()
    }

    // MARK: - Storage helpers

    func entity(_ type: QuickBooksEntityType, _ id: Int) -> StoredEntity? {
        tables[type.ordinal].rows[id]
    }

    /// The entity an update, void or delete names, after checking its SyncToken.
    func current(_ type: QuickBooksEntityType, payload: [String: JSONValue]) throws(QuickBooksFault) -> StoredEntity {
        guard let idValue = payload["Id"], !idValue.isNull else { throw .requiredParameter("Id") }
        guard let idText = idValue.scalarText, let id = Int(idText), let existing = entity(type, id),
            existing.status != .deleted
        else {
            throw .objectNotFound(
                "Id",
                detail:
                    "Object Not Found : \(type.rawValue) with Id \(idValue.scalarText ?? "?") was not found or has been deleted."
            )
        }
        guard let tokenValue = payload["SyncToken"], let token = tokenValue.scalarText else {
            throw .requiredParameter("SyncToken")
        }
        guard Int(token) == existing.syncToken else { throw .staleObject() }
        return existing
    }

    /// Stores a new entity or a new version of an existing one, and reports the change (a Create
    /// or an Update unless the caller names another operation).
    func commit(
        _ type: QuickBooksEntityType, existing: StoredEntity?, fields: [String: JSONValue], now: Date,
        reporting operation: EntityChange.Operation? = nil, deletedId: String? = nil
    )
        -> StoredEntity
    {
        if var updated = existing {
            updated.fields = fields
            updated.syncToken += 1
            updated.updateTime = now
            tables[type.ordinal].rows[updated.id] = updated
            reportChange(of: updated, operation ?? .update, deletedId: deletedId)
            return updated
        }
        let id = tables[type.ordinal].nextId
        tables[type.ordinal].nextId += 1
        let created = StoredEntity(
            type: type, id: id, syncToken: 0, createTime: now, updateTime: now, status: .live, fields: fields
        )
        tables[type.ordinal].rows[id] = created
        tables[type.ordinal].order.append(id)
        createdInBatch?.insert(EntityKey(type: type, id: id))
        reportChange(of: created, operation ?? .create)
        return created
    }

    /// Tells the webhook dispatcher about a new version of an entity.
    func reportChange(of entity: StoredEntity, _ operation: EntityChange.Operation, deletedId: String? = nil) {
        onChange(
            EntityChange(
                entity: entity.type, id: entity.idText, operation: operation, lastUpdated: entity.updateTime,
                deletedId: deletedId))
    }

    /// Changes fields QuickBooks maintains itself (balances, links) on another entity. With a
    /// time, the change is a new version (SyncToken and LastUpdatedTime move), as when a payment
    /// is applied to an invoice; without, it is invisible bookkeeping (a customer's balance).
    func touch(
        _ type: QuickBooksEntityType, _ id: Int, newVersionAt now: Date?,
        _ change: (inout [String: JSONValue]) -> Void
    ) {
        guard var target = tables[type.ordinal].rows[id] else { return }
        change(&target.fields)
        if let now {
            target.syncToken += 1
            target.updateTime = now
        }
        tables[type.ordinal].rows[id] = target
        if now != nil { reportChange(of: target, .update) }
    }

    /// Resolves a `{"value": "…"}` reference to a live (and, for name lists, active) entity.
    func resolve(
        _ type: QuickBooksEntityType, _ reference: JSONValue?, element: String, required: Bool = true
    )
        throws(QuickBooksFault) -> StoredEntity?
    {
        guard let reference, !reference.isNull else {
            if required { throw .requiredParameter(element) }
            return nil
        }
        guard let idText = reference.referenceValue ?? reference.scalarText else {
            throw .invalidProperty(element, detail: "A reference needs a value, e.g. {\"value\": \"1\"}.")
        }
        guard let id = Int(idText), let target = entity(type, id), target.status == .live,
            !type.isNameList || target.isActive, createdInBatch?.contains(EntityKey(type: type, id: id)) != true
        else {
            throw .objectNotFound(
                element,
                detail: "Object Not Found : Something you're trying to use has been made inactive. Check the fields "
                    + "with accounts, customers, items, vendors or employees. \(element)=\(idText)"
            )
        }
        return target
    }

    func adjustCustomerBalance(_ customerId: Int?, by cents: Int) {
        guard let customerId, cents != 0 else { return }
        touch(.customer, customerId, newVersionAt: nil) { fields in
            let balance = (fields["Balance"]?.numberValue).map(Money.cents) ?? 0
            fields["Balance"] = .money(cents: balance + cents)
            fields["BalanceWithJobs"] = .money(cents: balance + cents)
        }
    }

    // MARK: - Answers

    static func time(_ now: Date) -> JSONValue {
        .string(IntuitTime.responseTime(now))
    }

    func faultAnswer(_ fault: QuickBooksFault, now: Date) -> APIAnswer {
        APIAnswer(status: fault.httpStatus, body: fault.document(at: now), validationFaults: 1)
    }

    // MARK: - Seed

    private static func seededTables(now: Date, customerTypes: [String]) -> ([EntityTable], Int) {
        var tables = Array(repeating: EntityTable(), count: QuickBooksEntityType.allCases.count)
        let usd = JSONValue.reference("USD", name: "United States Dollar")
        var undepositedFunds = 0
        var servicesAccount = 0
        for account in AccountCatalog.standardAccounts {
            let classification = AccountCatalog.kind(forType: account.type)?.classification ?? "Asset"
            let id = tables[QuickBooksEntityType.account.ordinal].nextId
            tables[QuickBooksEntityType.account.ordinal].nextId += 1
            let fields: [String: JSONValue] = [
                "Name": .string(account.name), "FullyQualifiedName": .string(account.name), "SubAccount": .bool(false),
                "Active": .bool(true), "Classification": .string(classification),
                "AccountType": .string(account.type), "AccountSubType": .string(account.subType),
                "CurrentBalance": .number(0), "CurrentBalanceWithSubAccounts": .number(0), "CurrencyRef": usd,
            ]
            tables[QuickBooksEntityType.account.ordinal].rows[id] = StoredEntity(
                type: .account, id: id, syncToken: 0, createTime: now, updateTime: now, status: .live, fields: fields
            )
            tables[QuickBooksEntityType.account.ordinal].order.append(id)
            tables[QuickBooksEntityType.account.ordinal].nameIndex[EntityTable.normalise(account.name)] = id
            if account.subType == "UndepositedFunds" { undepositedFunds = id }
            if account.name == "Services" { servicesAccount = id }
        }
        for name in AccountCatalog.standardItems {
            let id = tables[QuickBooksEntityType.item.ordinal].nextId
            tables[QuickBooksEntityType.item.ordinal].nextId += 1
            let fields: [String: JSONValue] = [
                "Name": .string(name), "FullyQualifiedName": .string(name), "Active": .bool(true),
                "Type": .string("Service"), "UnitPrice": .number(0), "Taxable": .bool(false),
                "TrackQtyOnHand": .bool(false),
                "IncomeAccountRef": .reference(String(servicesAccount), name: "Services"),
            ]
            tables[QuickBooksEntityType.item.ordinal].rows[id] = StoredEntity(
                type: .item, id: id, syncToken: 0, createTime: now, updateTime: now, status: .live, fields: fields
            )
            tables[QuickBooksEntityType.item.ordinal].order.append(id)
            tables[QuickBooksEntityType.item.ordinal].nameIndex[EntityTable.normalise(name)] = id
        }
        for name in customerTypes {
            let table = QuickBooksEntityType.customerType.ordinal
            let id = tables[table].nextId
            tables[table].nextId += 1
            tables[table].rows[id] = StoredEntity(
                type: .customerType, id: id, syncToken: 0, createTime: now, updateTime: now, status: .live,
                fields: ["Name": .string(name), "Active": .bool(true)]
            )
            tables[table].order.append(id)
            tables[table].nameIndex[EntityTable.normalise(name)] = id
        }
        return (tables, undepositedFunds)
    }
}

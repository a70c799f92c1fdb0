import Foundation

/// Changes an accountant makes in QuickBooks itself, not through the app's API: no `requestid`,
/// no SyncToken to send, and the latitude of QuickBooks' own screens (deleting an invoice that
/// has payments unapplies them, as QuickBooks does after its warning). Each one is a new version
/// of what it touches and is notified like any other change.
extension RealmStore {
    /// "Make inactive" / "Make active" on a customer.
    func accountantSetActive(customerId: String, active: Bool, now: Date) throws(QuickBooksFault) -> SandboxRecord {
        let existing = try stored(.customer, customerId)
        guard existing.isActive != active else {
            throw .businessValidation(
                "Customer \(customerId) is already \(active ? "active" : "inactive").", element: "Active")
        }
        var fields = existing.fields
        fields["Active"] = .bool(active)
        return Self.record(commit(.customer, existing: existing, fields: fields, now: now))
    }

    /// Merges customer `sourceId` into `targetId`: the source's transactions move to the target
    /// (each a new version), its balance with them, and the source is gone (deleted in change
    /// data capture, 610 to reads). The target's new version is notified as a Merge naming the
    /// source as `deletedId`.
    func accountantMerge(customerId sourceId: String, into targetId: String, now: Date)
        throws(QuickBooksFault) -> SandboxRecord
    {
        let source = try stored(.customer, sourceId)
        let target = try stored(.customer, targetId)
        guard source.id != target.id else {
            throw .businessValidation("A customer can't be merged into itself.", element: "Id")
        }
        let reference = JSONValue.reference(target.idText, name: target.label)
        for type in [QuickBooksEntityType.invoice, .payment, .creditMemo, .refundReceipt] {
            for id in tables[type.ordinal].order {
                guard let document = entity(type, id), document.status != .deleted,
                    document.fields["CustomerRef"]?.referenceValue == source.idText
                else { continue }
                touch(type, id, newVersionAt: now) { $0["CustomerRef"] = reference }
            }
        }
        for id in tables[QuickBooksEntityType.purchase.ordinal].order {
            guard let purchase = entity(.purchase, id), purchase.status != .deleted,
                var entityRef = purchase.fields["EntityRef"]?.objectValue,
                entityRef["value"]?.scalarText == source.idText,
                (entityRef["type"]?.stringValue ?? "Customer") == "Customer"
            else { continue }
            entityRef["value"] = .string(target.idText)
            entityRef["name"] = .string(target.label ?? "")
            touch(.purchase, id, newVersionAt: now) { $0["EntityRef"] = .object(entityRef) }
        }

        var fields = target.fields
        let balance = target.cents("Balance") + source.cents("Balance")
        fields["Balance"] = .money(cents: balance)
        fields["BalanceWithJobs"] = .money(cents: balance)
        let merged = commit(.customer, existing: target, fields: fields, now: now, reporting: .merge, deletedId: source.idText)

        var gone = source
        gone.status = .deleted
        gone.syncToken += 1
        gone.updateTime = now
        gone.fields["Balance"] = .number(0)
        gone.fields["BalanceWithJobs"] = .number(0)
        tables[QuickBooksEntityType.customer.ordinal].rows[source.id] = gone
        // The merged-away name is free again.
        if let name = source.label, tables[QuickBooksEntityType.customer.ordinal].nameIndex[EntityTable.normalise(name)] == source.id {
            tables[QuickBooksEntityType.customer.ordinal].nameIndex[EntityTable.normalise(name)] = nil
        }
        return Self.record(merged)
    }

    /// Deletes a transaction. An invoice's payments stay, as unapplied credit of the customer.
    func accountantDelete(_ type: QuickBooksEntityType, id: String, now: Date) throws(QuickBooksFault) -> SandboxRecord {
        let existing = try stored(type, id)
        if type == .invoice, existing.status == .live {
            let customer = existing.fields["CustomerRef"]?.referenceValue.flatMap(Int.init)
            for link in existing.fields["LinkedTxn"]?.arrayValue ?? [] where link["TxnType"]?.stringValue == "Payment" {
                guard let paymentId = link["TxnId"]?.scalarText.flatMap(Int.init) else { continue }
                let released = releasePayment(paymentId, from: existing.id, now: now)
                touch(.invoice, existing.id, newVersionAt: nil) { fields in
                    let balance = (fields["Balance"]?.numberValue).map(Money.cents) ?? 0
                    fields["Balance"] = .money(cents: balance + released)
                    fields["LinkedTxn"] = .array((fields["LinkedTxn"]?.arrayValue ?? []).filter { $0 != link })
                }
                adjustCustomerBalance(customer, by: released)
            }
        }
        _ = try delete(type, payload: currentVersion(of: existing), now: now)
        return try record(type, existing.id)
    }

    /// Voids an invoice or a payment, as `operation=void` does.
    func accountantVoid(_ type: QuickBooksEntityType, id: String, now: Date) throws(QuickBooksFault) -> SandboxRecord {
        let existing = try stored(type, id)
        _ = try void(type, payload: currentVersion(of: existing), now: now)
        return try record(type, existing.id)
    }

    /// A sparse edit through the same rules as a sparse update over the API (totals, balances and
    /// links recomputed). On sales forms a `Line` with an `Id` changes that line only, the way an
    /// accountant edits one row: a new `Amount` alone keeps `Qty` and sets `UnitPrice` to match,
    /// a new `Qty` or `UnitPrice` alone recomputes `Amount`. A `Line` without `Id` is added.
    func accountantEdit(
        _ type: QuickBooksEntityType, id: String, changes: [String: JSONValue], now: Date
    ) throws(QuickBooksFault) -> SandboxRecord {
        let existing = try stored(type, id)
        var payload = changes
        if type.hasNumberedDocuments, let lineChanges = changes["Line"] {
            guard let lineChanges = lineChanges.arrayValue else {
                throw .invalidProperty("Line", detail: "Line must be an array.")
            }
            payload["Line"] = .array(try Self.editedLines(existing.fields["Line"]?.arrayValue ?? [], lineChanges))
        }
        for (key, value) in currentVersion(of: existing) { payload[key] = value }
        payload["sparse"] = .bool(true)
        _ = try perform(type, operation: .update, body: .object(payload), now: now)
        return try record(type, existing.id)
    }

    // MARK: - Helpers

    /// A live, voided or inactive entity by its Id text; 610 when there is none or it was deleted.
    private func stored(_ type: QuickBooksEntityType, _ idText: String) throws(QuickBooksFault) -> StoredEntity {
        guard let id = Int(idText), let existing = entity(type, id), existing.status != .deleted else {
            throw .objectNotFound(
                "Id", detail: "Object Not Found : \(type.rawValue) with Id \(idText) was not found or has been deleted.")
        }
        return existing
    }

    private func record(_ type: QuickBooksEntityType, _ id: Int) throws(QuickBooksFault) -> SandboxRecord {
        guard let entity = entity(type, id) else { throw .objectNotFound("Id") }
        return Self.record(entity)
    }

    /// `Id` and the current `SyncToken`: the accountant always edits the latest version.
    private func currentVersion(of entity: StoredEntity) -> [String: JSONValue] {
        ["Id": .string(entity.idText), "SyncToken": .string(String(entity.syncToken))]
    }

    static func editedLines(_ existing: [JSONValue], _ changes: [JSONValue]) throws(QuickBooksFault) -> [JSONValue] {
        // QuickBooks recomputes the subtotal line.
        var lines = existing.filter { $0["DetailType"]?.stringValue != "SubTotalLineDetail" }
        for change in changes {
            guard let fields = change.objectValue else {
                throw .invalidProperty("Line", detail: "Each Line must be a JSON object.")
            }
            guard let lineId = fields["Id"]?.scalarText else {
                lines.append(change)
                continue
            }
            guard let index = lines.firstIndex(where: { $0["Id"]?.scalarText == lineId }),
                let line = lines[index].objectValue
            else {
                throw .objectNotFound("Line", detail: "Object Not Found : the document has no line with Id \(lineId).")
            }
            lines[index] = .object(editedLine(line, fields))
        }
        return lines
    }

    private static func editedLine(_ line: [String: JSONValue], _ change: [String: JSONValue]) -> [String: JSONValue] {
        var edited = line
        let detailChange = change["SalesItemLineDetail"]?.objectValue ?? [:]
        for (key, value) in change where key != "SalesItemLineDetail" { edited[key] = value }
        guard var detail = line["SalesItemLineDetail"]?.objectValue else {
            if let value = change["SalesItemLineDetail"] { edited["SalesItemLineDetail"] = value }
            return edited
        }
        for (key, value) in detailChange { detail[key] = value }
        let amountChanged = change["Amount"] != nil
        let quantityChanged = detailChange["Qty"] != nil
        let priceChanged = detailChange["UnitPrice"] != nil
        if amountChanged, !quantityChanged, !priceChanged, let amount = change["Amount"]?.numberValue,
            let quantity = detail["Qty"]?.numberValue, quantity != 0
        {
            detail["UnitPrice"] = .number(amount / quantity)
        } else if !amountChanged, quantityChanged || priceChanged {
            if detail["UnitPrice"]?.numberValue == nil, let amount = line["Amount"]?.numberValue {
                // The old rate: what the line cost per unit before.
                let oldQuantity = line["SalesItemLineDetail"]?["Qty"]?.numberValue ?? 1
                detail["UnitPrice"] = .number(oldQuantity == 0 ? amount : amount / oldQuantity)
            }
            if detail["Qty"]?.numberValue == nil { detail["Qty"] = .number(1) }
            edited["Amount"] = nil
        }
        edited["SalesItemLineDetail"] = .object(detail)
        return edited
    }
}

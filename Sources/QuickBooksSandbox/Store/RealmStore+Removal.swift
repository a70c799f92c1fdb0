import Foundation

/// `operation=delete` and `operation=void`.
extension RealmStore {
    func delete(
        _ type: QuickBooksEntityType, payload: [String: JSONValue], now: Date
    ) throws(QuickBooksFault)
        -> JSONValue
    {
        guard type.supportsDelete else {
            throw .unsupportedOperation(
                "delete on \(type.rawValue). \(type.rawValue) records are never deleted: make them inactive with Active=false"
            )
        }
        let existing = try current(type, payload: payload)
        let customer = existing.fields["CustomerRef"]?.referenceValue.flatMap(Int.init)
        switch type {
        case .invoice, .creditMemo:
            let payments = (existing.fields["LinkedTxn"]?.arrayValue ?? []).filter {
                $0["TxnType"]?.stringValue == "Payment"
            }
            guard payments.isEmpty else {
                let ids = payments.compactMap { $0["TxnId"]?.scalarText }.joined(separator: ", ")
                throw .businessValidation(
                    "This \(type.rawValue) has payments applied (Payment \(ids)). Delete the payments or unlink them first.",
                    element: "LinkedTxn")
            }
            if type == .invoice {
                adjustCustomerBalance(customer, by: -existing.cents("Balance"))
            } else {
                adjustCustomerBalance(customer, by: existing.cents("RemainingCredit"))
            }
        case .payment:
            unapply(applications(of: existing), paymentId: existing.id, now: now)
            adjustCustomerBalance(customer, by: existing.cents("UnappliedAmt"))
        default:
            break
        }
        var deleted = existing
        deleted.status = .deleted
        deleted.syncToken += 1
        deleted.updateTime = now
        tables[type.ordinal].rows[existing.id] = deleted
        reportChange(of: deleted, .delete)
        if type.hasNumberedDocuments { indexDocNumber(type, saved: deleted, previous: existing) }
        return deleted.deletedStub(includeMetaData: false)
    }

    func void(
        _ type: QuickBooksEntityType, payload: [String: JSONValue], now: Date
    ) throws(QuickBooksFault) -> JSONValue {
        guard type.supportsVoid else { throw .unsupportedOperation("void on \(type.rawValue)") }
        let existing = try current(type, payload: payload)
        let customer = existing.fields["CustomerRef"]?.referenceValue.flatMap(Int.init)
        var fields = existing.fields
        switch type {
        case .invoice:
            // Payments that paid this invoice stay, as unapplied credit of the customer.
            for link in fields["LinkedTxn"]?.arrayValue ?? [] where link["TxnType"]?.stringValue == "Payment" {
                guard let paymentId = link["TxnId"]?.scalarText.flatMap(Int.init) else { continue }
                releasePayment(paymentId, from: existing.id, now: now)
            }
            adjustCustomerBalance(customer, by: -existing.cents("Balance"))
            fields["Line"] = .array((fields["Line"]?.arrayValue ?? []).map(Self.zeroed))
            fields["TotalAmt"] = .number(0)
            fields["Balance"] = .number(0)
            fields["LinkedTxn"] = .array([])
        case .payment:
            unapply(applications(of: existing), paymentId: existing.id, now: now)
            adjustCustomerBalance(customer, by: existing.cents("UnappliedAmt"))
            fields["TotalAmt"] = .number(0)
            fields["UnappliedAmt"] = .number(0)
            fields["Line"] = .array([])
        default:
            break
        }
        let note = fields["PrivateNote"]?.stringValue ?? ""
        fields["PrivateNote"] = .string(note.isEmpty ? "Voided" : "Voided - \(note)")
        var voided = commit(type, existing: existing, fields: fields, now: now, reporting: .void)
        voided.status = .voided
        tables[type.ordinal].rows[voided.id] = voided
        return voided.rendered()
    }

    /// Removes a voided or deleted invoice from a payment's lines; the amount becomes unapplied.
    /// Returns the amount released.
    @discardableResult
    func releasePayment(_ paymentId: Int, from invoiceId: Int, now: Date) -> Int {
        guard let payment = entity(.payment, paymentId), payment.status == .live else { return 0 }
        var released = 0
        touch(.payment, paymentId, newVersionAt: now) { fields in
            let lines = fields["Line"]?.arrayValue ?? []
            let kept = lines.filter { line in
                let link = line["LinkedTxn"]?.arrayValue?.first
                let matches =
                    link?["TxnType"]?.stringValue == "Invoice" && link?["TxnId"]?.scalarText == String(invoiceId)
                if matches { released += (line["Amount"]?.numberValue).map(Money.cents) ?? 0 }
                return !matches
            }
            fields["Line"] = .array(kept)
            let unapplied = (fields["UnappliedAmt"]?.numberValue).map(Money.cents) ?? 0
            fields["UnappliedAmt"] = .money(cents: unapplied + released)
        }
        adjustCustomerBalance(payment.fields["CustomerRef"]?.referenceValue.flatMap(Int.init), by: -released)
        return released
    }

    private static func zeroed(_ line: JSONValue) -> JSONValue {
        guard var fields = line.objectValue else { return line }
        fields["Amount"] = .number(0)
        if var detail = fields["SalesItemLineDetail"]?.objectValue {
            detail["Qty"] = .number(0)
            fields["SalesItemLineDetail"] = .object(detail)
        }
        return .object(fields)
    }
}

import Foundation

/// Invoices, credit memos and refund receipts: sales lines that must add up, unique document
/// numbers, and the customer's balance.
extension RealmStore {
    struct SalesLines {
        var lines: [JSONValue]
        var totalCents: Int
    }

    func saveSalesForm(
        _ type: QuickBooksEntityType, fields input: [String: JSONValue], existing: StoredEntity?, now: Date
    ) throws(QuickBooksFault) -> StoredEntity {
        var fields = input
        let customer = try resolve(
            .customer, fields["CustomerRef"], element: "CustomerRef", required: type != .refundReceipt)
        let lines = try salesLines(fields["Line"])
        let docNumber = try documentNumber(type, fields["DocNumber"], existing: existing)
        let txnDate = try transactionDate(fields["TxnDate"], now: now)

        // What payments already took from this document stays taken.
        let applied: Int
        switch type {
        case .invoice: applied = existing.map { $0.cents("TotalAmt") - $0.cents("Balance") } ?? 0
        case .creditMemo: applied = existing.map { $0.cents("TotalAmt") - $0.cents("RemainingCredit") } ?? 0
        default: applied = 0
        }
        if applied > 0 {
            guard lines.totalCents >= applied else {
                throw .businessValidation(
                    "The new total \(Money.text(lines.totalCents)) is less than the \(Money.text(applied)) "
                        + "already applied to this \(type.rawValue) by payments.",
                    element: "Line")
            }
            guard customer?.id == existing?.fields["CustomerRef"]?.referenceValue.flatMap(Int.init) else {
                throw .businessValidation(
                    "The customer of a \(type.rawValue) with payments applied can't be changed.", element: "CustomerRef"
                )
            }
        }

        if let customer {
            fields["CustomerRef"] = .reference(customer.idText, name: customer.label)
        }
        fields["Line"] = .array(lines.lines)
        fields["TotalAmt"] = .money(cents: lines.totalCents)
        fields["DocNumber"] = .string(docNumber)
        fields["TxnDate"] = .string(txnDate)
        fields["CurrencyRef"] = fields["CurrencyRef"] ?? .reference("USD", name: "United States Dollar")
        fields["TxnTaxDetail"] = .object(["TotalTax": .number(0)])
        fields["PrintStatus"] = fields["PrintStatus"] ?? .string("NotSet")
        fields["EmailStatus"] = fields["EmailStatus"] ?? .string("NotSet")
        fields["ApplyTaxAfterDiscount"] = fields["ApplyTaxAfterDiscount"] ?? .bool(false)

        var balanceChange: (old: Int, new: Int) = (0, 0)
        switch type {
        case .invoice:
            let dueDate: String
            if fields["DueDate"]?.stringValue?.isEmpty == true {
                // An empty DueDate asks QuickBooks to compute it from the invoice's terms. The
                // sandbox keeps no terms, and without terms the invoice is due on its TxnDate.
                dueDate = txnDate
            } else {
                dueDate =
                    try calendarDate(fields["DueDate"], element: "DueDate")
                    ?? IntuitTime.addingDays(30, to: txnDate) ?? txnDate
            }
            fields["DueDate"] = .string(dueDate)
            fields["Balance"] = .money(cents: lines.totalCents - applied)
            fields["Deposit"] = fields["Deposit"] ?? .number(0)
            fields["LinkedTxn"] = existing?.fields["LinkedTxn"] ?? .array([])
            balanceChange = (existing?.cents("Balance") ?? 0, lines.totalCents - applied)
        case .creditMemo:
            fields["RemainingCredit"] = .money(cents: lines.totalCents - applied)
            fields["Balance"] = .money(cents: lines.totalCents - applied)
            fields["LinkedTxn"] = existing?.fields["LinkedTxn"] ?? .array([])
            // A credit lowers what the customer owes.
            balanceChange = (-(existing?.cents("RemainingCredit") ?? 0), -(lines.totalCents - applied))
        default:
            guard let account = try resolve(.account, fields["DepositToAccountRef"], element: "DepositToAccountRef")
            else {
                throw .requiredParameter("DepositToAccountRef")
            }
            fields["DepositToAccountRef"] = .reference(account.idText, name: account.label)
            fields["Balance"] = .number(0)
        }

        let saved = commit(type, existing: existing, fields: fields, now: now)
        indexDocNumber(type, saved: saved, previous: existing)
        let previousCustomer = existing?.fields["CustomerRef"]?.referenceValue.flatMap(Int.init)
        adjustCustomerBalance(previousCustomer, by: -balanceChange.old)
        adjustCustomerBalance(customer?.id, by: balanceChange.new)
        return saved
    }

    /// Validates sales lines, checks `Qty × UnitPrice = Amount`, numbers the lines and appends the
    /// subtotal line, as QuickBooks returns them.
    func salesLines(_ value: JSONValue?) throws(QuickBooksFault) -> SalesLines {
        guard let input = value?.arrayValue, !input.isEmpty else { throw .requiredParameter("Line") }
        var output: [JSONValue] = []
        var subtotal = 0
        var discount = 0
        var hasContent = false
        for element in input {
            guard var line = element.objectValue else {
                throw .invalidProperty("Line", detail: "Each Line must be a JSON object.")
            }
            let detailType = line["DetailType"]?.stringValue ?? ""
            switch detailType {
            case "SalesItemLineDetail":
                guard var detail = line["SalesItemLineDetail"]?.objectValue else {
                    throw .requiredParameter("SalesItemLineDetail")
                }
                guard let item = try resolve(.item, detail["ItemRef"], element: "ItemRef") else {
                    throw .requiredParameter("ItemRef")
                }
                let quantity = detail["Qty"]?.numberValue
                let unitPrice = detail["UnitPrice"]?.numberValue
                let cents: Int
                if let amount = line["Amount"]?.numberValue {
                    cents = Money.cents(amount)
                    if let quantity, let unitPrice {
                        let expected = Money.lineCents(quantity: quantity, unitPrice: unitPrice)
                        guard expected == cents else {
                            throw .amountCalculation(supplied: amount, expectedCents: expected)
                        }
                    }
                } else if let quantity, let unitPrice {
                    cents = Money.lineCents(quantity: quantity, unitPrice: unitPrice)
                } else {
                    throw .requiredParameter("Amount")
                }
                detail["ItemRef"] = .reference(item.idText, name: item.label)
                detail["TaxCodeRef"] = detail["TaxCodeRef"] ?? .reference("NON")
                line["SalesItemLineDetail"] = .object(detail)
                line["Amount"] = .money(cents: cents)
                subtotal += cents
                hasContent = true
            case "DescriptionOnly":
                line["DescriptionLineDetail"] = line["DescriptionLineDetail"] ?? .object([:])
                hasContent = true
            case "DiscountLineDetail":
                let detail = line["DiscountLineDetail"]?.objectValue ?? [:]
                let cents: Int
                if detail["PercentBased"]?.boolValue == true, let percent = detail["DiscountPercent"]?.numberValue {
                    cents = Money.cents(Decimal(subtotal) * percent / 10_000)
                } else if let amount = line["Amount"]?.numberValue {
                    cents = Money.cents(amount)
                } else {
                    throw .requiredParameter("Amount")
                }
                line["Amount"] = .money(cents: cents)
                discount += cents
            case "SubTotalLineDetail":
                // QuickBooks computes the subtotal itself.
                continue
            default:
                throw .invalidProperty(
                    "DetailType",
                    detail:
                        "Line DetailType \"\(detailType)\" is not supported; use SalesItemLineDetail, DescriptionOnly or DiscountLineDetail."
                )
            }
            line["Id"] = .string(String(output.count + 1))
            line["LineNum"] = .number(Double(output.count + 1))
            output.append(.object(line))
        }
        guard hasContent else { throw .requiredParameter("Line") }
        output.append(
            .object([
                "DetailType": .string("SubTotalLineDetail"), "Amount": .money(cents: subtotal),
                "SubTotalLineDetail": .object([:]),
            ]))
        return SalesLines(lines: output, totalCents: subtotal - discount)
    }

    /// The supplied DocNumber after checking length and uniqueness, or the next automatic one.
    func documentNumber(
        _ type: QuickBooksEntityType, _ value: JSONValue?, existing: StoredEntity?
    )
        throws(QuickBooksFault) -> String
    {
        let supplied = value?.scalarText?.trimmingCharacters(in: .whitespaces) ?? ""
        if supplied.isEmpty {
            if let kept = existing?.fields["DocNumber"]?.stringValue { return kept }
            return tables[type.ordinal].takeDocNumber()
        }
        guard supplied.count <= 21 else { throw .stringTooLong("DocNumber", maximum: 21, supplied: supplied.count) }
        if let holder = tables[type.ordinal].docNumberIndex[EntityTable.normalise(supplied)], holder != existing?.id {
            throw .duplicateDocumentNumber(supplied, entity: type, existingId: holder)
        }
        return supplied
    }

    func indexDocNumber(_ type: QuickBooksEntityType, saved: StoredEntity, previous: StoredEntity?) {
        if let old = previous?.fields["DocNumber"]?.stringValue {
            let oldKey = EntityTable.normalise(old)
            if tables[type.ordinal].docNumberIndex[oldKey] == saved.id {
                tables[type.ordinal].docNumberIndex[oldKey] = nil
            }
        }
        if saved.status != .deleted, let number = saved.fields["DocNumber"]?.stringValue {
            tables[type.ordinal].docNumberIndex[EntityTable.normalise(number)] = saved.id
        }
    }

    /// The TxnDate sent, or today (the company's date) when it is absent or empty, as QuickBooks does.
    func transactionDate(_ value: JSONValue?, now: Date) throws(QuickBooksFault) -> String {
        try calendarDate(value, element: "TxnDate") ?? IntuitTime.calendarDate(now)
    }

    /// A `yyyy-MM-dd` date, or nil when absent, null or an empty string.
    func calendarDate(_ value: JSONValue?, element: String) throws(QuickBooksFault) -> String? {
        guard let value, !value.isNull, value.stringValue?.isEmpty != true else { return nil }
        guard let text = value.stringValue, IntuitTime.isCalendarDate(text) else {
            throw .invalidProperty(element, detail: "\(element) must be a date in yyyy-MM-dd form.")
        }
        return text
    }
}

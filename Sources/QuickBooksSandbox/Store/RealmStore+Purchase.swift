import Foundation

/// Purchases (expenses), used for payment processing fees.
extension RealmStore {
    static let paymentTypes = ["Cash", "Check", "CreditCard"]

    func savePurchase(
        _ input: [String: JSONValue], existing: StoredEntity?, now: Date
    ) throws(QuickBooksFault)
        -> StoredEntity
    {
        var fields = input
        guard let paymentType = fields["PaymentType"]?.stringValue else { throw .requiredParameter("PaymentType") }
        guard Self.paymentTypes.contains(paymentType) else {
            throw .invalidProperty("PaymentType", detail: "PaymentType must be Cash, Check or CreditCard.")
        }
        guard let account = try resolve(.account, fields["AccountRef"], element: "AccountRef") else {
            throw .requiredParameter("AccountRef")
        }
        guard let input = fields["Line"]?.arrayValue, !input.isEmpty else { throw .requiredParameter("Line") }
        var lines: [JSONValue] = []
        var total = 0
        for element in input {
            guard var line = element.objectValue else {
                throw .invalidProperty("Line", detail: "Each Line must be a JSON object.")
            }
            guard line["DetailType"]?.stringValue == "AccountBasedExpenseLineDetail" else {
                throw .invalidProperty(
                    "DetailType", detail: "Purchase lines must use DetailType AccountBasedExpenseLineDetail.")
            }
            guard var detail = line["AccountBasedExpenseLineDetail"]?.objectValue else {
                throw .requiredParameter("AccountBasedExpenseLineDetail")
            }
            guard let expense = try resolve(.account, detail["AccountRef"], element: "AccountRef") else {
                throw .requiredParameter("AccountRef")
            }
            guard let amount = line["Amount"]?.numberValue else { throw .requiredParameter("Amount") }
            let cents = Money.cents(amount)
            detail["AccountRef"] = .reference(expense.idText, name: expense.label)
            line["AccountBasedExpenseLineDetail"] = .object(detail)
            line["Amount"] = .money(cents: cents)
            line["Id"] = .string(String(lines.count + 1))
            lines.append(.object(line))
            total += cents
        }
        if let entityRef = fields["EntityRef"]?.objectValue,
            (entityRef["type"]?.stringValue ?? "Customer") == "Customer",
            let customer = try resolve(.customer, fields["EntityRef"], element: "EntityRef", required: false)
        {
            fields["EntityRef"] = .object([
                "value": .string(customer.idText), "name": .string(customer.label ?? ""), "type": .string("Customer"),
            ])
        }
        if let docNumber = fields["DocNumber"]?.scalarText, docNumber.count > 21 {
            throw .stringTooLong("DocNumber", maximum: 21, supplied: docNumber.count)
        }
        fields["AccountRef"] = .reference(account.idText, name: account.label)
        fields["Line"] = .array(lines)
        fields["TotalAmt"] = .money(cents: total)
        fields["TxnDate"] = .string(try transactionDate(fields["TxnDate"], now: now))
        fields["Credit"] = fields["Credit"] ?? .bool(false)
        fields["CurrencyRef"] = fields["CurrencyRef"] ?? .reference("USD", name: "United States Dollar")
        return commit(.purchase, existing: existing, fields: fields, now: now)
    }
}

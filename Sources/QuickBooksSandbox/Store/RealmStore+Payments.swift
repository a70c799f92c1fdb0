import Foundation

/// Payments: what they apply to invoices and credit memos, and undoing that on update, void
/// and delete.
extension RealmStore {
    /// One payment line: an amount taken from an invoice, or a credit memo's credit used.
    struct Application: Equatable {
        let target: QuickBooksEntityType
        let targetId: Int
        let cents: Int
    }

    func savePayment(
        _ input: [String: JSONValue], existing: StoredEntity?, now: Date
    ) throws(QuickBooksFault)
        -> StoredEntity
    {
        var fields = input
        guard let customer = try resolve(.customer, fields["CustomerRef"], element: "CustomerRef") else {
            throw .requiredParameter("CustomerRef")
        }
        guard let totalValue = fields["TotalAmt"], !totalValue.isNull else { throw .requiredParameter("TotalAmt") }
        guard let total = totalValue.numberValue else {
            throw .invalidProperty("TotalAmt", detail: "TotalAmt must be a number.")
        }
        let totalCents = Money.cents(total)
        guard totalCents >= 0 else {
            throw .businessValidation("A payment's TotalAmt can't be negative.", element: "TotalAmt")
        }

        let previous = existing.map(applications(of:)) ?? []
        let (lines, applications) = try paymentLines(fields["Line"], customerId: customer.id, previous: previous)
        let invoiced = applications.filter { $0.target == .invoice }.reduce(0) { $0 + $1.cents }
        let credited = applications.filter { $0.target == .creditMemo }.reduce(0) { $0 + $1.cents }
        guard invoiced <= totalCents + credited else {
            throw .businessValidation(
                "The amounts applied to invoices (\(Money.text(invoiced))) are more than the payment "
                    + "(\(Money.text(totalCents))) plus the credits used (\(Money.text(credited))).",
                element: "Line")
        }
        let depositAccount: StoredEntity?
        if let reference = fields["DepositToAccountRef"], !reference.isNull {
            depositAccount = try resolve(.account, reference, element: "DepositToAccountRef")
        } else {
            depositAccount = entity(.account, undepositedFundsId)
        }
        let txnDate = try transactionDate(fields["TxnDate"], now: now)

        fields["CustomerRef"] = .reference(customer.idText, name: customer.label)
        fields["TotalAmt"] = .money(cents: totalCents)
        fields["UnappliedAmt"] = .money(cents: totalCents + credited - invoiced)
        fields["Line"] = .array(lines)
        fields["TxnDate"] = .string(txnDate)
        if let depositAccount {
            fields["DepositToAccountRef"] = .reference(depositAccount.idText, name: depositAccount.label)
        }
        fields["ProcessPayment"] = fields["ProcessPayment"] ?? .bool(false)
        fields["CurrencyRef"] = fields["CurrencyRef"] ?? .reference("USD", name: "United States Dollar")

        if let existing { unapply(previous, paymentId: existing.id, now: now) }
        let saved = commit(.payment, existing: existing, fields: fields, now: now)
        apply(applications, paymentId: saved.id, now: now)
        let previousCustomer = existing?.fields["CustomerRef"]?.referenceValue.flatMap(Int.init)
        adjustCustomerBalance(previousCustomer, by: existing?.cents("UnappliedAmt") ?? 0)
        adjustCustomerBalance(customer.id, by: -(totalCents + credited - invoiced))
        return saved
    }

    /// Validates payment lines against the open balances, counting what this payment already
    /// applies (an update may re-apply the same amounts).
    private func paymentLines(
        _ value: JSONValue?, customerId: Int, previous: [Application]
    )
        throws(QuickBooksFault) -> ([JSONValue], [Application])
    {
        guard let value, !value.isNull else { return ([], []) }
        guard let input = value.arrayValue else { throw .invalidProperty("Line", detail: "Line must be an array.") }
        var lines: [JSONValue] = []
        var applications: [Application] = []
        var taken: [EntityKey: Int] = [:]
        for element in input {
            guard let line = element.objectValue else {
                throw .invalidProperty("Line", detail: "Each Line must be a JSON object.")
            }
            guard let amountValue = line["Amount"], let amount = amountValue.numberValue else {
                throw .requiredParameter("Amount")
            }
            let cents = Money.cents(amount)
            guard cents >= 0 else { throw .businessValidation("A payment line can't be negative.", element: "Amount") }
            guard let links = line["LinkedTxn"]?.arrayValue, let link = links.first?.objectValue else {
                throw .requiredParameter("LinkedTxn")
            }
            guard links.count == 1 else {
                throw .invalidProperty("LinkedTxn", detail: "A payment line links exactly one transaction.")
            }
            guard let txnId = link["TxnId"]?.scalarText else { throw .requiredParameter("TxnId") }
            let txnType = link["TxnType"]?.stringValue ?? ""
            let target: QuickBooksEntityType
            switch txnType {
            case "Invoice": target = .invoice
            case "CreditMemo": target = .creditMemo
            default:
                throw .invalidProperty(
                    "TxnType", detail: "A payment can be linked to an Invoice or a CreditMemo, not \"\(txnType)\".")
            }
            guard let targetId = Int(txnId), let document = entity(target, targetId), document.status == .live,
                createdInBatch?.contains(EntityKey(type: target, id: targetId)) != true
            else {
                throw .objectNotFound(
                    "LinkedTxn",
                    detail: "Object Not Found : \(txnType) \(txnId) was not found, or was voided or deleted.")
            }
            guard document.fields["CustomerRef"]?.referenceValue == String(customerId) else {
                throw .businessValidation("\(txnType) \(txnId) belongs to another customer.", element: "LinkedTxn")
            }
            let key = EntityKey(type: target, id: targetId)
            let open =
                document.cents(target == .invoice ? "Balance" : "RemainingCredit")
                + previous.filter { $0.target == target && $0.targetId == targetId }.reduce(0) { $0 + $1.cents }
            taken[key, default: 0] += cents
            guard taken[key, default: 0] <= open else {
                throw .businessValidation(
                    "The payment applies \(Money.text(taken[key, default: 0])) to \(txnType) \(txnId), "
                        + "whose open balance is \(Money.text(open)).",
                    element: "Amount")
            }
            applications.append(Application(target: target, targetId: targetId, cents: cents))
            lines.append(
                .object([
                    "Amount": .money(cents: cents),
                    "LinkedTxn": .array([.object(["TxnId": .string(txnId), "TxnType": .string(txnType)])]),
                ]))
        }
        return (lines, applications)
    }

    func applications(of payment: StoredEntity) -> [Application] {
        var result: [Application] = []
        for line in payment.fields["Line"]?.arrayValue ?? [] {
            guard let link = line["LinkedTxn"]?.arrayValue?.first,
                let id = link["TxnId"]?.scalarText.flatMap(Int.init),
                let cents = line["Amount"]?.numberValue.map(Money.cents)
            else { continue }
            switch link["TxnType"]?.stringValue {
            case "Invoice": result.append(Application(target: .invoice, targetId: id, cents: cents))
            case "CreditMemo": result.append(Application(target: .creditMemo, targetId: id, cents: cents))
            default: continue
            }
        }
        return result
    }

    func apply(_ applications: [Application], paymentId: Int, now: Date) {
        for application in applications {
            adjustDocument(application, by: -application.cents, paymentId: paymentId, link: true, now: now)
        }
    }

    func unapply(_ applications: [Application], paymentId: Int, now: Date) {
        for application in applications {
            adjustDocument(application, by: application.cents, paymentId: paymentId, link: false, now: now)
        }
    }

    /// Moves an invoice's balance or a credit memo's remaining credit, keeps its `LinkedTxn` in step
    /// and the customer's balance with it.
    private func adjustDocument(_ application: Application, by cents: Int, paymentId: Int, link: Bool, now: Date) {
        guard let document = entity(application.target, application.targetId) else { return }
        let field = application.target == .invoice ? "Balance" : "RemainingCredit"
        let paymentLink = JSONValue.object(["TxnId": .string(String(paymentId)), "TxnType": .string("Payment")])
        touch(application.target, application.targetId, newVersionAt: now) { fields in
            let updated = (fields[field]?.numberValue).map(Money.cents).map { $0 + cents } ?? cents
            fields[field] = .money(cents: updated)
            if application.target == .creditMemo { fields["Balance"] = .money(cents: updated) }
            var links = fields["LinkedTxn"]?.arrayValue ?? []
            if link {
                if !links.contains(paymentLink) { links.append(paymentLink) }
            } else {
                links.removeAll { $0 == paymentLink }
            }
            fields["LinkedTxn"] = .array(links)
        }
        let customer = document.fields["CustomerRef"]?.referenceValue.flatMap(Int.init)
        // An invoice's balance adds to what the customer owes; a credit memo's remaining credit lowers it.
        adjustCustomerBalance(customer, by: application.target == .invoice ? cents : -cents)
    }
}

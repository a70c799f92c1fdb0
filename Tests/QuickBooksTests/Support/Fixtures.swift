import QuickBooks
import SyncCore

/// Amounts and dates written the way events carry them.
func amount(_ text: String) -> QuickBooksDecimal {
    guard let value = QuickBooksDecimal(text) else { preconditionFailure("test amount '\(text)' is not a decimal") }
    return value
}

func date(_ text: String) -> CalendarDate {
    guard let value = CalendarDate(text) else { preconditionFailure("test date '\(text)' is not YYYY-MM-DD") }
    return value
}

extension SandboxCompany {
    /// The seeded "Services" income account.
    func servicesIncomeAccount() async throws -> ReferenceType {
        let found = try await client.accounts(named: "Services", access: access)
        guard let reference = found.first?.reference else { throw FixtureError("no Services income account in the sandbox") }
        return reference
    }

    func newCustomer(_ name: String) async throws -> Customer {
        try await client.createCustomer(displayName: name, requestID: SandboxCompany.requestID(), access: access)
    }

    func newServiceItem(_ name: String) async throws -> Item {
        try await client.createItem(
            .service(named: name, incomeAccount: servicesIncomeAccount()), requestID: SandboxCompany.requestID(), access: access)
    }

    /// An invoice of `quantity × unitPrice` of one service for `customer`.
    func newInvoice(
        for customer: Customer, item: Item, docNumber: String? = nil, quantity: String = "1", unitPrice: String, total: String
    ) async throws -> Invoice {
        guard let customerID = customer.id, let itemRef = item.reference else { throw FixtureError("customer or item has no Id") }
        let invoice = Invoice(
            customerRef: ReferenceType(value: customerID), docNumber: docNumber, txnDate: date("2025-03-01"),
            lines: [.salesItem(itemRef, quantity: amount(quantity), unitPrice: amount(unitPrice), amount: amount(total))])
        return try await client.createInvoice(invoice, requestID: SandboxCompany.requestID(), access: access)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

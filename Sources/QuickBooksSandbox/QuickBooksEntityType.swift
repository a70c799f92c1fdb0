/// The QuickBooks Online entities the sandbox emulates.
public enum QuickBooksEntityType: String, Sendable, CaseIterable, Codable {
    case customer = "Customer"
    case item = "Item"
    case account = "Account"
    case invoice = "Invoice"
    case payment = "Payment"
    case creditMemo = "CreditMemo"
    case refundReceipt = "RefundReceipt"
    case purchase = "Purchase"
    /// Read-only over the API: a company's customer types ("Individual", "Business"…), kept in QuickBooks' settings.
    case customerType = "CustomerType"

    /// Accepts the entity name in any letter case: `Customer`, `customer` (URL paths use lower case).
    public init?(name: String) {
        let lowered = name.lowercased()
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == lowered }) else { return nil }
        self = match
    }

    /// Name lists are deactivated (`Active = false`), never deleted, and a query that does not
    /// filter on `Active` returns only the active ones.
    var isNameList: Bool {
        switch self {
        case .customer, .item, .account, .customerType: return true
        default: return false
        }
    }

    /// The field that must be unique within the realm, for name lists.
    var nameField: String? {
        switch self {
        case .customer: return "DisplayName"
        case .item, .account, .customerType: return "Name"
        default: return nil
        }
    }

    /// Sales forms whose `DocNumber` is unique and assigned automatically when absent.
    var hasNumberedDocuments: Bool {
        switch self {
        case .invoice, .creditMemo, .refundReceipt: return true
        default: return false
        }
    }

    var supportsDelete: Bool { !isNameList }

    var supportsVoid: Bool { self == .invoice || self == .payment }
}

/// The documents whose QuickBooks column qbsync keeps, besides accounts.
public enum DocumentKind: String, Sendable, Hashable, CaseIterable {
    case invoice
    case payment

    /// The `entity` of this document's status events.
    public var entity: EntityKind {
        switch self {
        case .invoice: .invoice
        case .payment: .payment
        }
    }
}

/// Where a document stands on the platform, as its newest revision says.
public enum DocumentLifecycle: String, Sendable, Hashable, CaseIterable {
    case active
    /// `invoice.voided`: it stays, numbered, with zero amounts.
    case voided
    /// `invoice.deleted`, `payment.deleted`.
    case deleted
}

/// One QuickBooks object that is part of a document's footprint in QuickBooks.
///
/// An invoice is one Invoice. A payment is a Payment (a CreditMemo when paid with promotional
/// credit, plus a zero Payment applying that credit to the invoices it pays), a Purchase for its
/// processing fee, and a RefundReceipt per refund.
public enum ComponentRole: Sendable, Hashable, Comparable, CustomStringConvertible {
    case main
    /// The zero Payment that applies a promotional credit memo to invoices.
    case creditApplication
    /// The Purchase booking a payment's processing fee.
    case fee
    /// The RefundReceipt of one refund, by the platform's refund id.
    case refund(id: String)

    /// The stored form: `main`, `credit_application`, `fee`, `refund:<id>`.
    public var description: String {
        switch self {
        case .main: "main"
        case .creditApplication: "credit_application"
        case .fee: "fee"
        case .refund(let id): "refund:\(id)"
        }
    }

    public init?(_ text: String) {
        switch text {
        case "main": self = .main
        case "credit_application": self = .creditApplication
        case "fee": self = .fee
        default:
            guard text.hasPrefix("refund:"), text.count > 7 else { return nil }
            self = .refund(id: String(text.dropFirst(7)))
        }
    }

    /// Creation order: what others refer to comes first (a credit memo before the payment that
    /// applies it); removal runs the other way.
    private var rank: Int {
        switch self {
        case .main: 0
        case .creditApplication: 1
        case .fee: 2
        case .refund: 3
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.refund(let a), .refund(let b)): a < b
        default: lhs.rank < rhs.rank
        }
    }
}

/// What QuickBooks should hold for one role of a document.
public struct DesiredComponent: Sendable, Hashable {
    public var role: ComponentRole
    public var type: QuickBooksObjectType
    /// The revision of the platform data it is built from; an older one in QuickBooks is updated.
    public var revision: Int64
    /// An invoice voided on the platform is voided in QuickBooks, not deleted.
    public var voided: Bool

    public init(role: ComponentRole, type: QuickBooksObjectType, revision: Int64, voided: Bool = false) {
        self.role = role
        self.type = type
        self.revision = revision
        self.voided = voided
    }
}

/// What QuickBooks holds (or may hold) for one role of a document, as recorded.
public struct AppliedComponent: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case live, voided, deleted
    }

    public var role: ComponentRole
    public var type: QuickBooksObjectType
    /// nil until QuickBooks answered a create.
    public var qboID: String?
    public var syncToken: String?
    /// The revision QuickBooks holds.
    public var appliedRevision: Int64?
    /// The revision a create was first tried with. Its requestid is derived from it, so a create
    /// whose answer was lost is repeated with the same requestid, and QuickBooks answers with
    /// the object it made then (built from this revision), not a second one.
    public var attemptRevision: Int64?
    /// The document's generation when the object was (first tried to be) created: a payment
    /// unsynced and synced again is a new object, whose requestids must not repeat the old one's.
    public var attemptGeneration: Int64
    public var state: State

    public init(
        role: ComponentRole, type: QuickBooksObjectType, qboID: String? = nil, syncToken: String? = nil,
        appliedRevision: Int64? = nil, attemptRevision: Int64? = nil, attemptGeneration: Int64 = 0, state: State = .live
    ) {
        self.role = role
        self.type = type
        self.qboID = qboID
        self.syncToken = syncToken
        self.appliedRevision = appliedRevision
        self.attemptRevision = attemptRevision
        self.attemptGeneration = attemptGeneration
        self.state = state
    }

    /// A create was tried and may have happened, but no answer was recorded.
    public var createUncertain: Bool { qboID == nil && attemptRevision != nil }

    /// Something of it exists in QuickBooks (or may).
    public var exists: Bool { (qboID != nil && state != .deleted) || createUncertain }
}

/// The next QuickBooks write that brings a document's footprint in QuickBooks to what the
/// platform says, one operation at a time, so that a crash between two writes resumes exactly
/// where it stopped.
public enum DocumentPlanner {
    /// What a document's newest revision asks QuickBooks to hold.
    public struct Shape: Sendable, Hashable {
        public var kind: DocumentKind
        public var lifecycle: DocumentLifecycle
        public var revision: Int64
        /// False while only a refund of a payment is known, not the payment itself.
        public var hasContent: Bool
        /// A payment made with promotional credit: a CreditMemo instead of a Payment.
        public var isPromotionalCredit: Bool
        /// The payment pays invoices (for promotional credit: a zero Payment applies the credit).
        public var appliesToInvoices: Bool
        /// A processing fee above zero: a Purchase.
        public var hasFee: Bool
        /// Refunds of a payment: id and revision.
        public var refunds: [Refund]
        /// Unsynced by hand: QuickBooks is to hold nothing of it, refunds included.
        public var withdrawn: Bool

        public struct Refund: Sendable, Hashable {
            public var id: String
            public var revision: Int64
            public init(id: String, revision: Int64) {
                self.id = id
                self.revision = revision
            }
        }

        public init(
            kind: DocumentKind, lifecycle: DocumentLifecycle, revision: Int64, hasContent: Bool,
            isPromotionalCredit: Bool = false, appliesToInvoices: Bool = false, hasFee: Bool = false, refunds: [Refund] = [],
            withdrawn: Bool = false
        ) {
            self.kind = kind
            self.lifecycle = lifecycle
            self.revision = revision
            self.hasContent = hasContent
            self.isPromotionalCredit = isPromotionalCredit
            self.appliesToInvoices = appliesToInvoices
            self.hasFee = hasFee
            self.refunds = refunds
            self.withdrawn = withdrawn
        }
    }

    public static func desired(_ shape: Shape) -> [DesiredComponent] {
        guard shape.hasContent, !shape.withdrawn else { return [] }
        switch shape.kind {
        case .invoice:
            switch shape.lifecycle {
            case .active: return [DesiredComponent(role: .main, type: .invoice, revision: shape.revision)]
            case .voided: return [DesiredComponent(role: .main, type: .invoice, revision: shape.revision, voided: true)]
            case .deleted: return []
            }
        case .payment:
            // Refunds stay when a payment is deleted: the money did go back to the client.
            let refunds = shape.refunds.sorted { $0.id < $1.id }.map {
                DesiredComponent(role: .refund(id: $0.id), type: .refundReceipt, revision: $0.revision)
            }
            guard shape.lifecycle == .active else { return refunds }
            var components: [DesiredComponent] = []
            if shape.isPromotionalCredit {
                components.append(DesiredComponent(role: .main, type: .creditMemo, revision: shape.revision))
                if shape.appliesToInvoices {
                    components.append(DesiredComponent(role: .creditApplication, type: .payment, revision: shape.revision))
                }
            } else {
                components.append(DesiredComponent(role: .main, type: .payment, revision: shape.revision))
            }
            if shape.hasFee {
                components.append(DesiredComponent(role: .fee, type: .purchase, revision: shape.revision))
            }
            return components + refunds
        }
    }

    /// The next write, or nil when QuickBooks holds what the platform says.
    ///
    /// Removals come first, dependents before what they depend on (the payment applying a credit
    /// before the credit memo); then creates and updates, what others refer to first. A create
    /// whose answer was lost is settled (repeated with its requestid) before anything else
    /// happens to its role.
    public static func nextOperation(desired: [DesiredComponent], applied: [AppliedComponent]) -> ComponentOperation? {
        let wanted = Dictionary(desired.map { ($0.role, $0) }, uniquingKeysWith: { first, _ in first })
        for component in applied.sorted(by: { $0.role > $1.role }) where component.exists {
            if let want = wanted[component.role], want.type == component.type { continue }
            if component.createUncertain {
                return .create(DesiredComponent(role: component.role, type: component.type, revision: component.attemptRevision ?? 0))
            }
            return .delete(component)
        }
        for want in desired.sorted(by: { $0.role < $1.role }) {
            guard let component = applied.first(where: { $0.role == want.role && $0.type == want.type }), component.exists else {
                if want.voided { continue }  // never reached QuickBooks: nothing to void
                return .create(want)
            }
            if component.createUncertain { return .create(want) }
            if want.voided {
                if component.state == .live { return .void(component) }
                continue
            }
            if (component.appliedRevision ?? -1) < want.revision { return .update(want, component) }
        }
        return nil
    }
}

/// One QuickBooks write for a document.
public enum ComponentOperation: Sendable, Hashable {
    case create(DesiredComponent)
    case update(DesiredComponent, AppliedComponent)
    case void(AppliedComponent)
    case delete(AppliedComponent)

    public var role: ComponentRole {
        switch self {
        case .create(let d), .update(let d, _): d.role
        case .void(let a), .delete(let a): a.role
        }
    }

    public var type: QuickBooksObjectType {
        switch self {
        case .create(let d), .update(let d, _): d.type
        case .void(let a), .delete(let a): a.type
        }
    }

    /// For logs and metrics: "create Invoice", "delete Purchase".
    public var name: String {
        switch self {
        case .create: "create \(type.rawValue)"
        case .update: "update \(type.rawValue)"
        case .void: "void \(type.rawValue)"
        case .delete: "delete \(type.rawValue)"
        }
    }
}

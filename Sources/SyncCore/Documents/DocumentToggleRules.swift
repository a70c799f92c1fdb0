/// An owner's or admin's choice for one invoice or payment, made from its QuickBooks column.
/// It stands until they choose again, or a payment's own checkbox changes on the platform.
public enum ManualChoice: String, Sendable, Hashable, CaseIterable {
    /// "Sync Invoice/Payment to QuickBooks": written even when the sync start date or the
    /// payment's checkbox would hold it back.
    case sync
    /// "Unsync Payment": its footprint is removed from QuickBooks (payment or credit memo and its
    /// application, refunds, fee expense) and it shows `skipped`.
    case unsync
}

/// The sibling help article's rules for syncing or unsyncing one invoice or payment by hand.
/// Pure: the caller supplies what is known and applies the decision.
public enum DocumentToggleRules {
    public enum Request: Sendable, Hashable {
        case sync, unsync

        public var action: RejectedToggle.Action {
            switch self {
            case .sync: .sync
            case .unsync: .unsync
            }
        }
    }

    /// What is known about the document and its account when the request arrives.
    public struct Situation: Sendable, Hashable {
        public var kind: DocumentKind
        public var label: String
        /// The document's column; nil when qbsync has not received the document itself.
        public var status: SyncStatus?
        /// Something of it is (or may be) in QuickBooks.
        public var inQuickBooks: Bool
        public var accountName: String
        public var accountStatus: SyncStatus?

        public init(
            kind: DocumentKind, label: String, status: SyncStatus?, inQuickBooks: Bool, accountName: String, accountStatus: SyncStatus?
        ) {
            self.kind = kind
            self.label = label
            self.status = status
            self.inQuickBooks = inQuickBooks
            self.accountName = accountName
            self.accountStatus = accountStatus
        }
    }

    public enum Decision: Sendable, Hashable {
        case accept
        /// Refused; audited and counted. `inColumn`: the reason is also the document's detail,
        /// because the person can act on it there ("sync the client account first").
        case refuse(reason: String, inColumn: Bool)
    }

    public static func decide(_ request: Request, by actor: Actor, _ situation: Situation) -> Decision {
        let kind = situation.kind.rawValue
        guard actor.mayToggleSync else {
            return .refuse(
                reason:
                    "Only a firm owner or admin can sync or unsync \(article(kind)) \(kind); the request came from a user with role '\(actor.role)'.",
                inColumn: false)
        }
        guard let status = situation.status else {
            return .refuse(
                reason:
                    "qbsync has not received \(kind) \(situation.label) from the platform, so there is nothing to \(request == .sync ? "sync" : "unsync") yet.",
                inColumn: false)
        }
        switch request {
        case .sync:
            switch status {
            case .notSynced, .skipped, .failed:
                guard situation.accountStatus == .synced else {
                    return .refuse(reason: FailureDetail.syncAccountFirst(situation.accountName, kind: situation.kind), inColumn: true)
                }
                return .accept
            case .synced:
                return .refuse(reason: "The \(kind) \(situation.label) is already synced to QuickBooks.", inColumn: false)
            case .syncing:
                return .refuse(reason: "The \(kind) \(situation.label) is already on its way to QuickBooks.", inColumn: false)
            }
        case .unsync:
            guard situation.kind == .payment else {
                return .refuse(
                    reason: "Only payments can be unsynced one by one; to stop syncing an invoice, unsync its account.", inColumn: false)
            }
            // A failed payment may be half written (the payment, not its fee): unsyncing cleans it up.
            if status == .synced || (status == .failed && situation.inQuickBooks) { return .accept }
            return .refuse(
                reason:
                    "Only a synced payment can be unsynced; payment \(situation.label) is \(status.rawValue.replacingOccurrences(of: "_", with: " ")).",
                inColumn: false)
        }
    }

    private static func article(_ word: String) -> String { word.first.map { "aeiou".contains($0) } == true ? "an" : "a" }
}

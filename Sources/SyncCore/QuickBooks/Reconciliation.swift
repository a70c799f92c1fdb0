/// What an accountant changed in QuickBooks, against what qbsync last wrote there.
///
/// qbsync's own writes never count: an object whose SyncToken is the one qbsync recorded after
/// its last write has not changed since, and a change that leaves the values qbsync wrote as
/// they were (QuickBooks bumps an invoice's SyncToken when a payment is applied to it) is not a
/// difference either.
public enum Reconciliation {
    /// The values qbsync writes of an invoice or payment, as compared.
    public struct Values: Sendable, Hashable {
        public var total: FixedDecimal?
        public var date: String?
        public var dueDate: String?
        /// Line amounts, in order (an invoice's sales lines).
        public var lineAmounts: [FixedDecimal]

        public init(total: FixedDecimal?, date: String?, dueDate: String? = nil, lineAmounts: [FixedDecimal] = []) {
            self.total = total
            self.date = date
            self.dueDate = dueDate
            self.lineAmounts = lineAmounts
        }
    }

    /// One value that differs: what qbsync wrote and what QuickBooks holds now.
    public struct Difference: Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public var written: String
        public var now: String

        public init(field: String, written: String, now: String) {
            self.field = field
            self.written = written
            self.now = now
        }

        /// "total 450.00 → 400.00"
        public var description: String { "\(field) \(written) → \(now)" }
    }

    /// What happened to an object qbsync wrote.
    public enum Drift: Sendable, Hashable {
        case deleted
        case voided
        case changed([Difference])

        /// The failure code the column shows.
        public var code: String {
            switch self {
            case .deleted: "deleted_in_quickbooks"
            case .voided: "voided_in_quickbooks"
            case .changed: "changed_in_quickbooks"
            }
        }
    }

    /// The failure codes of documents changed in QuickBooks.
    public static let driftCodes: Set<String> = ["deleted_in_quickbooks", "voided_in_quickbooks", "changed_in_quickbooks"]

    /// Compares a document's object as QuickBooks holds it with what qbsync wrote; nil when
    /// nothing differs (its own write, or a change that left qbsync's values alone).
    public static func drift(writtenSyncToken: String?, written: Values, nowSyncToken: String?, now: Values) -> Drift? {
        if let writtenSyncToken, writtenSyncToken == nowSyncToken { return nil }
        var differences: [Difference] = []
        func compare(_ field: String, _ a: String?, _ b: String?) {
            if a != b { differences.append(Difference(field: field, written: a ?? "none", now: b ?? "none")) }
        }
        compare("total", written.total.map(Self.money), now.total.map(Self.money))
        compare("date", written.date, now.date)
        if written.dueDate != nil { compare("due date", written.dueDate, now.dueDate) }
        if written.lineAmounts != now.lineAmounts {
            if written.lineAmounts.count != now.lineAmounts.count {
                compare("lines", "\(written.lineAmounts.count)", "\(now.lineAmounts.count)")
            } else {
                for (index, (a, b)) in zip(written.lineAmounts, now.lineAmounts).enumerated() where a != b {
                    compare("line \(index + 1)", Self.money(a), Self.money(b))
                }
            }
        }
        return differences.isEmpty ? nil : .changed(differences)
    }

    /// Amounts as an accountant reads them: at least two decimals.
    static func money(_ value: FixedDecimal) -> String {
        let text = value.description
        guard let dot = text.firstIndex(of: ".") else { return text + ".00" }
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        return decimals >= 2 ? text : text + String(repeating: "0", count: 2 - decimals)
    }
}

extension FailureDetail {
    /// A document qbsync wrote was deleted, voided or changed in QuickBooks.
    public static func changedInQuickBooks(_ drift: Reconciliation.Drift, kind: DocumentKind, label: String) -> String {
        let noun = kind == .invoice ? "invoice" : "payment"
        let action = kind == .invoice ? "Sync Invoice to QuickBooks" : "Sync Payment"
        switch drift {
        case .deleted:
            return
                "The \(noun) \(label) was deleted in QuickBooks. Use \u{201C}\(action)\u{201D} to write it there again, or leave it out of QuickBooks."
        case .voided:
            return
                "The \(noun) \(label) was voided in QuickBooks, so QuickBooks no longer holds what the platform has. Delete it in QuickBooks and use \u{201C}\(action)\u{201D} to write it anew, or leave it voided."
        case .changed(let differences):
            return
                "The \(noun) \(label) was changed in QuickBooks: \(differences.map(\.description).joined(separator: ", ")). Change it back in QuickBooks, or change it on the platform to write the platform's version."
        }
    }

    /// The QuickBooks customer an account is linked to was made inactive there.
    public static func customerInactive(_ name: String) -> String {
        "The QuickBooks customer '\(name)' was made inactive in QuickBooks. Make it active again there, or sync the account to another customer."
    }

    /// The QuickBooks customer an account is linked to was merged into another, or deleted.
    public static func customerMerged(intoID: String?) -> String {
        let into = intoID.map { " into customer \($0)" } ?? ""
        return
            "The QuickBooks customer linked to this account was merged\(into) in QuickBooks. Sync the account again to link it to the customer that remains."
    }
}

/// The help article's rules for an invoice's or payment's QuickBooks column: what it shows and
/// whether it may be written to QuickBooks now. Pure: the caller supplies the facts.
public enum DocumentSyncRules {
    /// What is known about the document.
    public struct Facts: Sendable, Hashable {
        public var kind: DocumentKind
        /// How an accountant names it in a detail: "invoice INV-7", "payment of 2026-11-02".
        public var label: String
        public var lifecycle: DocumentLifecycle
        /// False while only a refund of a payment is known, not the payment itself.
        public var hasContent: Bool
        /// The issue date of an invoice, the date of a payment.
        public var date: CalendarDate?
        /// A payment's own "sync to QuickBooks" checkbox; nil when the event did not say.
        public var syncFlag: Bool?
        /// Something of it was written to QuickBooks at some point (even if removed since).
        public var everWritten: Bool
        /// QuickBooks holds what the newest revision says (nothing left to write).
        public var upToDate: Bool
        /// QuickBooks refused the newest revision; a newer one, or a re-sync, tries again.
        public var failure: Failure?
        /// Invoices a payment waits for, as labels ("INV-7").
        public var awaiting: [String]
        /// Set once the payment has waited for its invoices longer than the firm's patience: how long.
        public var awaitedTooLong: Duration?
        /// Why writing waits after a transient QuickBooks error, when it does.
        public var parkedDetail: String?
        /// An owner's or admin's own choice for this document, when they made one.
        public var manualChoice: ManualChoice?

        public init(
            kind: DocumentKind, label: String, lifecycle: DocumentLifecycle = .active, hasContent: Bool = true,
            date: CalendarDate? = nil, syncFlag: Bool? = nil, everWritten: Bool = false, upToDate: Bool = false,
            failure: Failure? = nil, awaiting: [String] = [], awaitedTooLong: Duration? = nil, parkedDetail: String? = nil,
            manualChoice: ManualChoice? = nil
        ) {
            self.kind = kind
            self.label = label
            self.lifecycle = lifecycle
            self.hasContent = hasContent
            self.date = date
            self.syncFlag = syncFlag
            self.everWritten = everWritten
            self.upToDate = upToDate
            self.failure = failure
            self.awaiting = awaiting
            self.awaitedTooLong = awaitedTooLong
            self.parkedDetail = parkedDetail
            self.manualChoice = manualChoice
        }
    }

    public struct Failure: Sendable, Hashable {
        public var code: String
        public var detail: String
        public init(code: String, detail: String) {
            self.code = code
            self.detail = detail
        }

        /// Someone changed in QuickBooks what qbsync wrote (``Reconciliation``): the column says so
        /// even though qbsync has nothing left to write, until the platform's next revision or a
        /// sync by hand.
        public var isChangeInQuickBooks: Bool { Reconciliation.driftCodes.contains(code) }
    }

    /// The firm and account around the document.
    public struct Context: Sendable, Hashable {
        public var syncStartDate: CalendarDate?
        /// The firm's default for payments whose event carries no sync flag.
        public var manualPaymentsSync: Bool
        public var accountName: String
        /// nil when the account is not known yet.
        public var accountStatus: SyncStatus?
        public var firmConnected: Bool

        public init(
            syncStartDate: CalendarDate?, manualPaymentsSync: Bool, accountName: String, accountStatus: SyncStatus?, firmConnected: Bool
        ) {
            self.syncStartDate = syncStartDate
            self.manualPaymentsSync = manualPaymentsSync
            self.accountName = accountName
            self.accountStatus = accountStatus
            self.firmConnected = firmConnected
        }
    }

    public struct Verdict: Sendable, Hashable {
        public enum Next: Sendable, Hashable {
            /// Write it to QuickBooks now.
            case push
            /// It waits for its account to be synced (linked to a customer).
            case waitForAccount
            /// It waits for the firm to reconnect QuickBooks.
            case waitForFirm
            /// A payment waits for the invoices it pays.
            case waitForInvoices
            /// Nothing to write: in sync, refused, or not to be synced.
            case nothing
        }

        /// nil: nothing to show (only a refund of an unknown payment is known).
        public var status: SyncStatus?
        public var detail: String?
        public var errorCode: String?
        public var next: Next

        public init(status: SyncStatus?, detail: String? = nil, errorCode: String? = nil, next: Next) {
            self.status = status
            self.detail = detail
            self.errorCode = errorCode
            self.next = next
        }
    }

    public static func evaluate(_ facts: Facts, _ context: Context) -> Verdict {
        if !facts.hasContent && facts.lifecycle == .active { return Verdict(status: nil, next: .nothing) }
        if facts.manualChoice == .unsync {
            // Removed by hand: once QuickBooks holds nothing of it, it shows skipped, whatever the account.
            if facts.upToDate { return Verdict(status: .skipped, detail: FailureDetail.unsyncedByHand, next: .nothing) }
            if let failure = facts.failure {
                return Verdict(status: .failed, detail: failure.detail, errorCode: failure.code, next: .nothing)
            }
            guard context.firmConnected else {
                return Verdict(status: .syncing, detail: FailureDetail.waitingForConnection, next: .waitForFirm)
            }
            return Verdict(status: .syncing, detail: facts.parkedDetail, next: .push)
        }
        let byHand = facts.manualChoice == .sync
        if let failure = facts.failure, failure.isChangeInQuickBooks {
            return Verdict(status: .failed, detail: failure.detail, errorCode: failure.code, next: .nothing)
        }
        if facts.upToDate {
            guard !facts.everWritten, facts.lifecycle != .active else { return Verdict(status: .synced, next: .nothing) }
            return Verdict(status: .notSynced, detail: FailureDetail.removedBeforeSync(facts.lifecycle), next: .nothing)
        }
        if let failure = facts.failure {
            return Verdict(status: .failed, detail: failure.detail, errorCode: failure.code, next: .nothing)
        }
        if !facts.everWritten, !byHand, let start = context.syncStartDate, let date = facts.date, date < start {
            return Verdict(status: .notSynced, detail: FailureDetail.beforeSyncStart(date: date, start: start), next: .nothing)
        }
        if facts.kind == .payment, !byHand, !(facts.syncFlag ?? context.manualPaymentsSync) {
            return Verdict(status: .skipped, detail: FailureDetail.paymentNotToSync, next: .nothing)
        }
        switch context.accountStatus {
        case .skipped?:
            return Verdict(
                status: .skipped, detail: FailureDetail.accountSkipped(context.accountName, kind: facts.kind), next: .waitForAccount)
        case .failed?:
            return Verdict(
                status: .notSynced, detail: FailureDetail.accountFailed(context.accountName, kind: facts.kind), next: .waitForAccount)
        case nil, .notSynced?, .syncing?:
            // The account's own link is under way (a document's arrival starts it).
            return Verdict(status: .syncing, next: .waitForAccount)
        case .synced?:
            break
        }
        guard context.firmConnected else {
            return Verdict(status: .syncing, detail: FailureDetail.waitingForConnection, next: .waitForFirm)
        }
        if !facts.awaiting.isEmpty {
            // Still waiting (the invoice may come yet, and the payment goes then), but no longer
            // silently: past the wait the column says what is missing.
            if let waited = facts.awaitedTooLong {
                return Verdict(
                    status: .failed, detail: FailureDetail.invoicesNeverArrived(facts.awaiting, after: waited),
                    errorCode: FailureDetail.invoiceMissingCode, next: .waitForInvoices)
            }
            return Verdict(status: .syncing, detail: FailureDetail.awaitingInvoices(facts.awaiting), next: .waitForInvoices)
        }
        return Verdict(status: .syncing, detail: facts.parkedDetail, next: .push)
    }
}

/// The QuickBooks column cell of an invoice or payment, with the sequence its events carry.
public struct DocumentStatus: Sendable, Hashable {
    public var status: SyncStatus?
    public var detail: String?
    public var errorCode: String?
    public var qboID: String?
    public var sequence: Int64

    public init(status: SyncStatus? = nil, detail: String? = nil, errorCode: String? = nil, qboID: String? = nil, sequence: Int64 = 0) {
        self.status = status
        self.detail = detail
        self.errorCode = errorCode
        self.qboID = qboID
        self.sequence = sequence
    }

    /// Keeps the status and says `detail` (a refused request, for instance); returns the update to
    /// publish, or nil when the column already says it.
    public mutating func note(_ detail: String) -> StatusUpdate? {
        guard let status, self.detail != detail else { return nil }
        return show(DocumentSyncRules.Verdict(status: status, detail: detail, errorCode: errorCode, next: .nothing), qboID: qboID)
    }

    /// Shows `verdict` (and the QuickBooks id of the document's main object); returns the update
    /// to publish, or nil when nothing visible changed.
    public mutating func show(_ verdict: DocumentSyncRules.Verdict, qboID: String?) -> StatusUpdate? {
        guard let status = verdict.status else { return nil }
        let before = self
        self.status = status
        detail = verdict.detail
        errorCode = verdict.errorCode
        self.qboID = qboID
        guard before.status != status || before.detail != detail || before.errorCode != errorCode || before.qboID != qboID else {
            return nil
        }
        sequence += 1
        return StatusUpdate(
            status: status, previousStatus: before.status, detail: detail, errorCode: errorCode, qboID: qboID, sequence: sequence)
    }
}

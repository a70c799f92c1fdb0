import Foundation
import SyncCore

/// An invoice or payment as qbsync keeps it: the newest revision received, the work left to do
/// in QuickBooks, and its QuickBooks column cell.
struct StoredDocument: Sendable, Equatable {
    var firmID: String
    var kind: DocumentKind
    var documentID: String
    var accountID: String
    /// The newest revision received; -1 while only a refund of a payment is known.
    var revision: Int64 = -1
    var lifecycle: DocumentLifecycle = .active
    /// The newest `invoice.upserted` / `payment.upserted` message value, as stored…
    var content: [UInt8]?
    /// …and as read (once, when the document is loaded).
    var payload: IngressEvent.Payload?
    /// Why `content` no longer reads, should a later rule refuse what was valid when it arrived.
    var unreadableContent: String?
    var date: CalendarDate?
    /// How details name it: the invoice number; a payment's reference and id.
    var label: String
    /// The ingress event behind the newest change; what the pusher's status events are caused by.
    var lastEventID: String
    /// Position in the account's write order; nil asks for a new (last) position on save.
    var changeSeq: Int64?
    /// There is something to write to QuickBooks once the account and the firm allow it.
    var pending = false
    /// Invoices (document ids) a payment waits for, and their labels.
    var awaiting: [String] = []
    var awaitingLabels: [String] = []
    /// Since when the payment waits for its invoices.
    var awaitingSince: Date?
    var failedRevision: Int64?
    var failureCode: String?
    var failureDetail: String?
    var parkedDetail: String?
    /// An owner's or admin's choice made from the column ("Sync/Unsync Payment"), if any.
    var manualChoice: ManualChoice?
    /// Incremented when the document is unsynced by hand: what is created after that is a new
    /// object in QuickBooks, with requestids of its own.
    var generation: Int64 = 0
    /// The trace of the event behind the newest change; the writes it causes continue it.
    var trace = TraceHeaders()
    var status = DocumentStatus()

    init(firmID: String, kind: DocumentKind, documentID: String, accountID: String, label: String, lastEventID: String) {
        self.firmID = firmID
        self.kind = kind
        self.documentID = documentID
        self.accountID = accountID
        self.label = label
        self.lastEventID = lastEventID
    }

    /// QuickBooks refused the newest revision.
    var failure: DocumentSyncRules.Failure? {
        guard let failedRevision, failedRevision == revision, let failureCode, let failureDetail else { return nil }
        return DocumentSyncRules.Failure(code: failureCode, detail: failureDetail)
    }

    mutating func recordFailure(code: String, detail: String) {
        failedRevision = revision
        failureCode = code
        failureDetail = detail
        pending = false
        parkedDetail = nil
    }

    mutating func clearFailure() {
        failedRevision = nil
        failureCode = nil
        failureDetail = nil
    }

    /// Keeps the newest upserted event: its bytes to store, its payload to use.
    mutating func setContent(_ value: [UInt8], payload: IngressEvent.Payload) {
        content = value
        self.payload = payload
    }

    /// The planner's view of what the newest revision asks for.
    func shape(refunds: [StoredRefund]) -> DocumentPlanner.Shape {
        var shape = DocumentPlanner.Shape(
            kind: kind, lifecycle: lifecycle, revision: revision, hasContent: content != nil,
            refunds: refunds.map { .init(id: $0.refundID, revision: $0.revision) },
            withdrawn: manualChoice == .unsync)
        if case .paymentUpserted(let payment)? = payload {
            shape.isPromotionalCredit = payment.method == .promotionalCredit
            shape.appliesToInvoices = !payment.appliedTo.isEmpty
            shape.hasFee = payment.processingFee > .zero
        }
        return shape
    }
}

/// A refund of a payment, as received.
struct StoredRefund: Sendable, Hashable {
    var refundID: String
    var amount: FixedDecimal
    var date: CalendarDate
    var revision: Int64
}

extension EventLimits {
    /// Stored content was validated when it arrived; reading it back must not fail on a limit
    /// lowered since.
    static var unlimitedStored: EventLimits {
        var limits = EventLimits()
        limits.maxMessageBytes = .max
        limits.maxIDLength = .max
        limits.maxNameLength = .max
        limits.maxTextLength = .max
        limits.maxLines = .max
        return limits
    }
}

extension StoredDocument {
    /// Read from the database, as opposed to made for an event that names it first: every stored
    /// document has its place in the write order.
    var isStored: Bool { changeSeq != nil }
}

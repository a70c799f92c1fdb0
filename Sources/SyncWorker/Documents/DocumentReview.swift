import Foundation
import Postgres
import SyncCore

/// Applies the document rules (``DocumentSyncRules``) to a stored invoice or payment: ``decide``
/// works out its QuickBooks column and whether it has work; ``reviewAndSave`` records that in the
/// caller's transaction (the document saved, its column's change in the outbox).
struct DocumentReview: Sendable {
    let statusTopic: String
    /// How long a payment waits for its invoices before its column says they never came.
    var invoiceWait: Duration = .seconds(24 * 3600)

    /// The firm and account around a document.
    struct Surroundings: Sendable {
        var firm: FirmRecord?
        var account: AccountSyncState?

        var firmConnected: Bool { firm?.connection.isConnected ?? false }
    }

    /// What the document rules decide for a stored document, before anything is written.
    struct Decision: Sendable {
        /// The document as it is to be stored: whether it has work, since when it waits for its
        /// invoices, the column it shows.
        var document: StoredDocument
        var verdict: DocumentSyncRules.Verdict
        /// The column's change, to publish; nil when the column stays as it was.
        var statusUpdate: StatusUpdate?
    }

    /// Applies the document rules to `document`: no I/O, so a caller (or a test) sees everything a
    /// review changes before it is recorded.
    func decide(
        _ document: StoredDocument, components: [AppliedComponent], refunds: [StoredRefund], around: Surroundings, now: Date = Date()
    ) -> Decision {
        var document = document
        if document.awaiting.isEmpty {
            document.awaitingSince = nil
        } else if document.awaitingSince == nil {
            document.awaitingSince = now
        }
        let waitedTooLong = document.awaitingSince.map { now.timeIntervalSince($0) >= invoiceWait.timeInterval } ?? false
        let desired = DocumentPlanner.desired(document.shape(refunds: refunds))
        let facts = DocumentSyncRules.Facts(
            kind: document.kind, label: document.label, lifecycle: document.lifecycle, hasContent: document.content != nil,
            date: document.date, syncFlag: document.syncFlag, everWritten: components.contains { $0.qboID != nil },
            upToDate: DocumentPlanner.nextOperation(desired: desired, applied: components) == nil,
            failure: document.failure, awaiting: document.awaitingLabels, awaitedTooLong: waitedTooLong ? invoiceWait : nil,
            parkedDetail: document.parkedDetail, manualChoice: document.manualChoice)
        let context = DocumentSyncRules.Context(
            syncStartDate: around.firm?.syncStartDate, manualPaymentsSync: around.firm?.manualPaymentsSync ?? true,
            accountName: around.account?.name ?? document.accountID, accountStatus: around.account?.status,
            firmConnected: around.firmConnected)
        let verdict = DocumentSyncRules.evaluate(facts, context)
        switch verdict.next {
        case .push, .waitForAccount, .waitForFirm: document.pending = true
        case .waitForInvoices, .nothing: document.pending = false
        }
        if verdict.next != .push { document.parkedDetail = nil }
        // The QuickBooks id is shown once the document is synced; on the way there (a payment
        // written but its fee not yet, say) the column keeps what it showed.
        let qboID = verdict.status == .synced ? components.first { $0.role == .main }?.qboID : document.status.qboID
        let update = document.status.show(verdict, qboID: qboID)
        return Decision(document: document, verdict: verdict, statusUpdate: update)
    }

    /// Decides for `document` (locked by the caller) and records the decision in the caller's
    /// transaction: saves the document and enqueues its column's change in the outbox.
    ///
    /// - Parameter asLoaded: the caller changed nothing since it loaded the document, so it is
    ///   saved only if the decision changes it.
    @discardableResult
    func reviewAndSave(
        _ document: inout StoredDocument, components: [AppliedComponent], refunds: [StoredRefund], around: Surroundings,
        causedBy: String, asLoaded: Bool = false, on connection: PostgresConnection
    ) async throws -> DocumentSyncRules.Verdict {
        let before = document
        let decision = decide(document, components: components, refunds: refunds, around: around)
        document = decision.document
        if let update = decision.statusUpdate {
            try await publish(update, of: document, causedBy: causedBy, on: connection)
        }
        if !asLoaded || document != before { try await DocumentStore.save(document, on: connection) }
        return decision.verdict
    }

    /// Publishes a change of the document's column through the outbox.
    func publish(_ update: StatusUpdate, of document: StoredDocument, causedBy: String, on connection: PostgresConnection) async throws {
        try await Outbox.enqueue(
            StatusChange(
                firmID: document.firmID, entity: document.kind.entity, entityID: document.documentID, accountID: document.accountID,
                status: update.status, previousStatus: update.previousStatus, detail: update.detail, errorCode: update.errorCode,
                qboID: update.qboID, sequence: update.sequence, causedBy: causedBy), topic: statusTopic, on: connection)
    }

    /// Loads what ``reviewAndSave(_:components:refunds:around:causedBy:asLoaded:on:)`` needs, and reviews and saves.
    @discardableResult
    func reviewAndSave(_ document: inout StoredDocument, around: Surroundings, causedBy: String, on connection: PostgresConnection)
        async throws
        -> DocumentSyncRules.Verdict
    {
        let components = try await DocumentStore.components(of: document, on: connection)
        let refunds = try await DocumentStore.refunds(of: document, on: connection)
        return try await reviewAndSave(
            &document, components: components, refunds: refunds, around: around, causedBy: causedBy, on: connection)
    }

    /// The account's column changed: its documents that wait on it follow. Unsyncing also turns
    /// refused documents into skipped ones (no more errors; a later sync tries them again). A
    /// synced account's queue becomes due, which backfills what was held back, oldest first.
    func accountChanged(
        firmID: String, accountID: String, account: AccountSyncState, firm: FirmRecord?, causedBy: String,
        on connection: PostgresConnection
    ) async throws {
        let unsynced = account.status == .skipped
        // The queue before its documents, as everywhere (a consumer's transaction holds it already).
        try await DocumentQueueStore.lock([.init(firmID: firmID, accountID: accountID)], on: connection)
        let documents = try await DocumentStore.dependingOnAccount(
            firmID: firmID, accountID: accountID, includingFailed: unsynced, on: connection)
        let around = Surroundings(firm: firm, account: account)
        for var document in documents {
            if unsynced { document.clearFailure() }
            try await reviewAndSave(&document, around: around, causedBy: causedBy, on: connection)
        }
        if account.status == .synced, around.firmConnected {
            try await DocumentQueueStore.wake(firmID: firmID, accountID: accountID, on: connection)
        }
    }
}

extension DocumentReview {
    /// The firm's settings changed (sync start date, payments default, policy): what is still
    /// held back is decided again, oldest first. A document the new settings let through joins the
    /// back of its account's queue in date order, so what was held goes out oldest first; what is
    /// already in QuickBooks stays as it is. Only columns that change are published.
    /// - Returns: how many documents the change let through.
    @discardableResult
    func firmSettingsChanged(_ firm: FirmRecord, causedBy: String, on connection: PostgresConnection) async throws -> Int {
        let accounts = Dictionary(try await AccountStore.load(firmID: firm.firmID, on: connection).map { ($0.accountID, $0.state) }) { $1 }
        // The firm's queues before its documents, as everywhere.
        try await DocumentQueueStore.lockFirm(firm.firmID, on: connection)
        var released = 0
        var due: Set<String> = []
        for var document in try await DocumentStore.heldByFirm(firmID: firm.firmID, on: connection) {
            let wasPending = document.pending
            let verdict = try await reviewAndSave(
                &document, around: Surroundings(firm: firm, account: accounts[document.accountID]),
                causedBy: causedBy, on: connection)
            if document.pending && !wasPending {
                document.changeSeq = nil  // to the back of its account's queue, in date order
                try await DocumentStore.save(document, on: connection)
                released += 1
            }
            if verdict.next == .push { due.insert(document.accountID) }
        }
        for accountID in due.sorted() {
            try await DocumentQueueStore.wake(firmID: firm.firmID, accountID: accountID, on: connection)
        }
        return released
    }
}

extension StoredDocument {
    /// A payment's own sync checkbox, when its event carried one.
    var syncFlag: Bool? {
        if case .paymentUpserted(let payment)? = payload { return payment.sync }
        return nil
    }
}

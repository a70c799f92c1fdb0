import Foundation
import Logging
import Postgres
import QuickBooks
import ServiceLifecycle
import SyncCore

/// Reconciles the changes QuickBooks reports (``NotificationStore``) with what qbsync wrote, and
/// shows what an accountant changed in the column instead of leaving a stale `synced`:
///
/// - an invoice or payment qbsync wrote, deleted or voided in QuickBooks → that document
///   `failed`, saying so (a deleted one is written anew by the next sync: its generation moves on,
///   so its requestids are new);
/// - changed in QuickBooks (total, date, due date, line amounts) → `failed`, naming each change;
///   the platform's next revision is written over it — or, for a firm whose platform wins
///   (``QuickBooksChangeRule/platformWins``), the platform's version is written back at once;
/// - the customer an account is linked to made inactive, merged away or deleted → the account
///   `failed`, saying what to do (its documents wait until it is synced again).
///
/// qbsync's own writes are not drift: an object whose SyncToken is the one qbsync recorded, or
/// whose values are the ones qbsync wrote, has not drifted; a removal qbsync made itself is
/// already recorded as such. Notifications are claimed for a while (`claimed_until`) so workers
/// share them; reading QuickBooks happens outside any transaction.
struct ChangeReconciler: Service {
    let database: PostgresClient
    let gateway: QuickBooksGateway
    let review: DocumentReview
    let workerID: String
    let statusTopic: String
    var interval: Duration = .seconds(1)
    var batchSize = 50
    let outboxSignal: WakeSignal
    let metrics: WorkerMetrics
    let logger: Logger
    var check: DriftCheck { DriftCheck(database: database, gateway: gateway) }

    func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                while try await reconcileOnce() == batchSize, !Task.isShuttingDownGracefully {}
            } catch {
                logger.warning("could not reconcile changes made in QuickBooks; trying again", metadata: ["error": "\(error)"])
            }
        }
    }

    private struct Claimed: Sendable {
        var id: Int64
        var notification: QuickBooksNotification
    }

    /// One pass over pending notifications; returns how many it claimed.
    @discardableResult
    func reconcileOnce() async throws -> Int {
        let claimed = try await claim()
        for item in claimed {
            do {
                try await reconcile(item)
            } catch {
                // Left claimed: it is taken again when the claim runs out.
                logger.warning(
                    "could not reconcile a QuickBooks change; it is tried again",
                    metadata: [
                        "realm_id": "\(item.notification.realmID)", "entity": "\(item.notification.entity)",
                        "id": "\(item.notification.entityID)",
                        "error": "\(error)",
                    ])
            }
        }
        if !claimed.isEmpty { outboxSignal.nudge() }
        return claimed.count
    }

    private func claim() async throws -> [Claimed] {
        try await database.withConnection { connection in
            try await connection.query(
                """
                update quickbooks_notifications set claimed_by = $1, claimed_until = now() + interval '60 seconds'
                where id in (
                    select id from quickbooks_notifications
                    where reconciled_at is null and (claimed_until is null or claimed_until < now())
                    order by id limit $2 for update skip locked)
                returning id, realm_id, entity, entity_id, operation, changed_at, deleted_id, sync_token
                """, [.text(workerID), .int(batchSize)]
            ).compactMap { row in
                guard let operation = QuickBooksNotification.Operation(rawValue: try row.decode(String.self, "operation")) else {
                    return nil
                }
                return Claimed(
                    id: try row.decode(Int64.self, "id"),
                    notification: QuickBooksNotification(
                        realmID: try row.decode(String.self, "realm_id"), entity: try row.decode(String.self, "entity"),
                        entityID: try row.decode(String.self, "entity_id"), operation: operation,
                        changedAt: try row.decode(String.self, "changed_at"), deletedID: try row.decode(String?.self, "deleted_id"),
                        syncToken: try row.decode(String?.self, "sync_token")))
            }.sorted { $0.id < $1.id }
        }
    }

    private func reconcile(_ item: Claimed) async throws {
        let notification = item.notification
        if notification.entity == "Customer" {
            try await reconcileCustomer(item)
        } else if QuickBooksObjectType(rawValue: notification.entity) != nil {
            try await reconcileDocument(item)
        } else {
            try await markReconciled(item.id)
        }
    }

    private func markReconciled(_ id: Int64, on connection: PostgresConnection? = nil) async throws {
        let sql = "update quickbooks_notifications set reconciled_at = now() where id = $1"
        if let connection {
            _ = try await connection.execute(sql, [.int64(id)])
        } else {
            _ = try await database.withConnection { try await $0.execute(sql, [.int64(id)]) }
        }
    }

    // MARK: - Invoices and payments

    private func written(_ notification: QuickBooksNotification) async throws -> [DriftCheck.Written] {
        try await database.withConnection { connection in
            try await connection.query(
                """
                select c.firm_id, c.kind, c.document_id, c.role, c.sync_token, c.state from document_components c
                join firms f on f.firm_id = c.firm_id
                where f.realm_id = $1 and c.qbo_type = $2 and c.qbo_id = $3
                """, [.text(notification.realmID), .text(notification.entity), .text(notification.entityID)]
            ).compactMap { row in
                guard let kind = DocumentKind(rawValue: try row.decode(String.self, "kind")) else { return nil }
                return DriftCheck.Written(
                    firmID: try row.decode(String.self, "firm_id"), kind: kind, documentID: try row.decode(String.self, "document_id"),
                    role: try row.decode(String.self, "role"), qboID: notification.entityID,
                    syncToken: try row.decode(String?.self, "sync_token"),
                    state: try row.decode(String.self, "state"))
            }
        }
    }

    private func reconcileDocument(_ item: Claimed) async throws {
        let notification = item.notification
        for written in try await written(notification) {
            let drift: Reconciliation.Drift?
            switch notification.operation {
            case .delete: drift = written.state == "deleted" ? nil : .deleted
            case .void: drift = written.state == "live" ? .voided : nil
            case .update where written.state == "live" && written.role == "main":
                drift = try await check.document(written, seenSyncToken: notification.syncToken)
            case .create, .merge, .update: drift = nil
            }
            guard let drift else { continue }
            try await record(drift, of: written, notificationID: item.id)
        }
        try await markReconciled(item.id)
    }

    private func record(_ drift: Reconciliation.Drift, of written: DriftCheck.Written, notificationID: Int64) async throws {
        try await database.withTransaction { connection in
            // The account's queue before the document, as everywhere: the account is read first,
            // unlocked, and read again with the document (an invoice can move to another account).
            guard
                let before = try await DocumentStore.load(
                    firmID: written.firmID, kind: written.kind, documentID: written.documentID, forUpdate: false, on: connection)
            else { return }
            try await DocumentQueueStore.lock([.init(firmID: before.firmID, accountID: before.accountID)], on: connection)
            guard
                var document = try await DocumentStore.lock(
                    firmID: written.firmID, kind: written.kind, documentID: written.documentID, on: connection)
            else {
                return
            }
            var component = try await DocumentStore.components(of: document, on: connection).first { $0.role.description == written.role }
            switch drift {
            case .deleted:
                // What the next sync writes is a new object, with requestids of its own.
                document.generation += 1
                component?.state = .deleted
            case .voided:
                component?.state = .voided
            case .changed:
                // The platform's next revision, or a sync by hand, writes the platform's version back.
                component?.appliedRevision = nil
            }
            if let component { try await DocumentStore.saveComponent(component, of: document, on: connection) }
            let code = drift.code
            let firm = try await FirmStore.load(firmID: document.firmID, on: connection)
            // A firm whose platform wins gets its version written back (a deleted one anew); a void cannot be undone.
            let writeBack = firm?.quickBooksChanges == .platformWins && drift != .voided
            if !writeBack {
                document.recordFailure(
                    code: code, detail: FailureDetail.changedInQuickBooks(drift, kind: document.kind, label: document.label))
            }
            let account = try await AccountStore.read(firmID: document.firmID, accountID: document.accountID, on: connection)
            let verdict = try await review.reviewAndSave(
                &document, around: .init(firm: firm, account: account?.state),
                causedBy: "quickbooks-\(notificationID)", on: connection)
            if writeBack, verdict.next == .push {
                try await DocumentQueueStore.wake(firmID: document.firmID, accountID: document.accountID, on: connection)
            }
            metrics.driftFound(kind: code)
            logger.notice(
                writeBack
                    ? "a document qbsync wrote was changed in QuickBooks; the platform's version is written back"
                    : "a document qbsync wrote was changed in QuickBooks",
                metadata: [
                    "firm_id": "\(document.firmID)", "document": "\(document.kind.rawValue) \(document.documentID)", "drift": "\(code)",
                ])
        }
    }

    // MARK: - Customers

    private func reconcileCustomer(_ item: Claimed) async throws {
        let notification = item.notification
        let detail: String
        let code: String
        let customerID: String
        switch notification.operation {
        case .merge:
            customerID = notification.deletedID ?? notification.entityID
            code = "customer_merged_in_quickbooks"
            detail = FailureDetail.customerMerged(intoID: notification.deletedID == nil ? nil : notification.entityID)
        case .delete:
            customerID = notification.entityID
            code = "customer_deleted_in_quickbooks"
            detail = FailureDetail.customerMerged(intoID: nil)
        case .update:
            customerID = notification.entityID
            guard let firmID = try await linkedFirms(realm: notification.realmID, customerID: customerID).first else {
                return try await markReconciled(item.id)
            }
            switch try await check.customer(firmID: firmID, customerID: customerID) {
            case nil:
                return try await markReconciled(item.id)
            case .deleted?:
                return try await failAccounts(
                    linkedTo: customerID, realm: notification.realmID, code: "customer_deleted_in_quickbooks",
                    detail: FailureDetail.customerMerged(intoID: nil), notificationID: item.id)
            case .inactive(let name)?:
                code = "customer_inactive_in_quickbooks"
                detail = FailureDetail.customerInactive(name)
            }
        case .create, .void:
            return try await markReconciled(item.id)
        }
        try await failAccounts(linkedTo: customerID, realm: notification.realmID, code: code, detail: detail, notificationID: item.id)
    }

    private func linkedFirms(realm: String, customerID: String) async throws -> [String] {
        try await database.withConnection { connection in
            try await connection.query(
                """
                select distinct a.firm_id from accounts a join firms f on f.firm_id = a.firm_id
                where f.realm_id = $1 and a.qbo_customer_id = $2 and a.status = 'synced'
                """, [.text(realm), .text(customerID)]
            ).map { try $0.decode(String.self, "firm_id") }
        }
    }

    private func failAccounts(linkedTo customerID: String, realm: String, code: String, detail: String, notificationID: Int64) async throws
    {
        try await database.withTransaction { connection in
            let rows = try await connection.query(
                """
                select a.firm_id, a.account_id from accounts a join firms f on f.firm_id = a.firm_id
                where f.realm_id = $1 and a.qbo_customer_id = $2 and a.status = 'synced' order by a.firm_id, a.account_id
                """, [.text(realm), .text(customerID)])
            for row in rows {
                let firmID = try row.decode(String.self, "firm_id")
                let accountID = try row.decode(String.self, "account_id")
                guard var account = try await AccountStore.lock(firmID: firmID, accountID: accountID, on: connection) else { continue }
                let transition = AccountSyncMachine.transition(
                    from: account.state, on: .customerChangedInQuickBooks(code: code, detail: detail),
                    policy: .accountsWithActivity)
                guard let state = transition.state else { continue }
                account.state = state
                try await AccountStore.save(account, on: connection)
                for case .publish(let update) in transition.actions {
                    try await Outbox.enqueue(
                        StatusChange(
                            firmID: firmID, entity: .account, entityID: accountID, accountID: accountID, status: update.status,
                            previousStatus: update.previousStatus, detail: update.detail, errorCode: update.errorCode, qboID: update.qboID,
                            sequence: update.sequence, causedBy: "quickbooks-\(notificationID)"), topic: statusTopic, on: connection)
                }
                let firm = try await FirmStore.load(firmID: firmID, on: connection)
                try await review.accountChanged(
                    firmID: firmID, accountID: accountID, account: account.state, firm: firm,
                    causedBy: "quickbooks-\(notificationID)", on: connection)
                metrics.driftFound(kind: code)
                logger.notice(
                    "the customer of a synced account was changed in QuickBooks",
                    metadata: [
                        "firm_id": "\(firmID)", "account_id": "\(accountID)", "drift": "\(code)",
                    ])
            }
            try await markReconciled(notificationID, on: connection)
        }
    }
}

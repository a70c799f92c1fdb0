import Foundation
import Logging
import Postgres
import QuickBooks
import SyncCore

/// `qbsync reconcile`: everything qbsync manages for one firm — each invoice and payment it wrote,
/// each linked customer — compared with what QuickBooks holds now, through the realm's budget.
public struct FirmReconciliation: Sendable {
    let database: PostgresClient
    let check: DriftCheck

    /// One thing that differs.
    public struct Difference: Sendable, Codable, Equatable {
        /// `invoice`, `payment` or `account`, and its platform id.
        public var entity: String
        public var id: String
        public var quickBooksEntity: String
        public var quickBooksID: String
        /// `deleted_in_quickbooks`, `voided_in_quickbooks`, `changed_in_quickbooks`,
        /// `customer_inactive_in_quickbooks`, `customer_deleted_in_quickbooks`.
        public var kind: String
        public var detail: String

        enum CodingKeys: String, CodingKey {
            case entity, id
            case quickBooksEntity = "quickbooks_entity"
            case quickBooksID = "quickbooks_id"
            case kind, detail
        }
    }

    public struct UnknownFirm: Error, CustomStringConvertible {
        public var firmID: String
        public var description: String { "firm \(firmID) is not connected to QuickBooks" }
    }

    public func differences(firmID: String) async throws -> [Difference] {
        guard let firm = try await database.withConnection({ try await FirmStore.load(firmID: firmID, on: $0) }) else {
            throw UnknownFirm(firmID: firmID)
        }
        let (written, customers) = try await database.withConnection { connection in
            let components = try await connection.query(
                """
                select kind, document_id, role, qbo_type, qbo_id, sync_token, state from document_components
                where firm_id = $1 and role = 'main' and state = 'live' and qbo_id is not null order by kind, document_id
                """, [.text(firmID)]
            ).compactMap { row -> (DriftCheck.Written, String)? in
                guard let kind = DocumentKind(rawValue: try row.decode(String.self, "kind")) else { return nil }
                return (
                    DriftCheck.Written(
                        firmID: firmID, kind: kind, documentID: try row.decode(String.self, "document_id"),
                        role: try row.decode(String.self, "role"), qboID: try row.decode(String.self, "qbo_id"),
                        syncToken: try row.decode(String?.self, "sync_token"), state: try row.decode(String.self, "state")),
                    try row.decode(String.self, "qbo_type")
                )
            }
            let customers = try await connection.query(
                """
                select account_id, name, qbo_customer_id from accounts where firm_id = $1 and status = 'synced' and qbo_customer_id is not null
                order by account_id
                """, [.text(firmID)]
            ).map { (try $0.decode(String.self, "account_id"), try $0.decode(String.self, "qbo_customer_id")) }
            return (components, customers)
        }
        var differences: [Difference] = []
        for (component, type) in written where type == "Invoice" || type == "Payment" {
            guard let drift = try await check.document(component, seenSyncToken: nil) else { continue }
            let label =
                try await database.withConnection { connection in
                    try await DocumentStore.load(
                        firmID: firmID, kind: component.kind, documentID: component.documentID, forUpdate: false, on: connection)?.label
                } ?? component.documentID
            differences.append(
                Difference(
                    entity: component.kind.rawValue, id: component.documentID, quickBooksEntity: type, quickBooksID: component.qboID,
                    kind: drift.code, detail: FailureDetail.changedInQuickBooks(drift, kind: component.kind, label: label)))
        }
        for (accountID, customerID) in customers {
            switch try await check.customer(firmID: firm.firmID, customerID: customerID) {
            case nil: break
            case .inactive(let name)?:
                differences.append(
                    Difference(
                        entity: "account", id: accountID, quickBooksEntity: "Customer", quickBooksID: customerID,
                        kind: "customer_inactive_in_quickbooks", detail: FailureDetail.customerInactive(name)))
            case .deleted?:
                differences.append(
                    Difference(
                        entity: "account", id: accountID, quickBooksEntity: "Customer", quickBooksID: customerID,
                        kind: "customer_deleted_in_quickbooks", detail: FailureDetail.customerMerged(intoID: nil)))
            }
        }
        return differences
    }

    /// Applies the firm's rule to `differences`: each joins the changes the workers reconcile, and
    /// its column says what happened in QuickBooks. Returns how many were queued.
    public func fix(_ differences: [Difference], firmID: String) async throws -> Int {
        guard let firm = try await database.withConnection({ try await FirmStore.load(firmID: firmID, on: $0) }) else {
            throw UnknownFirm(firmID: firmID)
        }
        let moment = "reconcile \(Date().timeIntervalSince1970)"
        let notifications = differences.map { difference in
            QuickBooksNotification(
                realmID: firm.realmID, entity: difference.quickBooksEntity, entityID: difference.quickBooksID,
                operation: difference.kind == "deleted_in_quickbooks" || difference.kind == "customer_deleted_in_quickbooks"
                    ? .delete : .update,
                changedAt: moment)
        }
        return try await database.withConnection { try await NotificationStore.record(notifications, source: "reconcile", on: $0) }
    }

    /// A reconciliation for one command: its own database pool and realm gate, released when
    /// `body` returns.
    public static func withStandalone<T: Sendable>(
        configuration: WorkerConfiguration, logger: Logger, _ body: (FirmReconciliation) async throws -> T
    ) async throws -> T {
        try await QuickBooksGateway.withStandalone(configuration: configuration, applicationName: "qbsync-reconcile", logger: logger) {
            database, gateway in
            try await body(FirmReconciliation(database: database, check: DriftCheck(database: database, gateway: gateway)))
        }
    }
}

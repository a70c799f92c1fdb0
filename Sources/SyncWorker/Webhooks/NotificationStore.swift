import Foundation
import Postgres
import SyncCore

/// QuickBooks' change notifications, kept in PostgreSQL from the moment they arrive until they
/// are reconciled: a webhook is answered only once its notifications are committed, so a worker
/// that dies right after answering loses nothing. A notification delivered again (Intuit repeats
/// them, and change-data-capture finds the same changes) is recorded once.
enum NotificationStore {
    /// Records the notifications not already recorded; returns how many were new.
    static func record(_ notifications: [QuickBooksNotification], source: String, on connection: PostgresConnection) async throws -> Int {
        guard !notifications.isEmpty else { return 0 }
        return try await connection.execute(
            """
            insert into quickbooks_notifications (realm_id, entity, entity_id, operation, changed_at, deleted_id, sync_token, source)
            select realm_id, entity, entity_id, operation, changed_at, nullif(deleted_id, ''), nullif(sync_token, ''), $8
            from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                as n(realm_id, entity, entity_id, operation, changed_at, deleted_id, sync_token)
            on conflict (realm_id, entity, entity_id, operation, changed_at, coalesce(sync_token, '')) do nothing
            """,
            [
                .textArray(notifications.map(\.realmID)), .textArray(notifications.map(\.entity)),
                .textArray(notifications.map(\.entityID)),
                .textArray(notifications.map(\.operation.rawValue)), .textArray(notifications.map(\.changedAt)),
                .textArray(notifications.map { $0.deletedID ?? "" }), .textArray(notifications.map { $0.syncToken ?? "" }), .text(source),
            ])
    }
}

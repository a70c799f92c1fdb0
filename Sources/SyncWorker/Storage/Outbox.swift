import Foundation
import Postgres
import SyncCore

/// The transactional outbox: status events are written in the same transaction as the state
/// they describe, and a relay publishes them afterwards, so the stream never disagrees with
/// the database.
enum Outbox {
    static func enqueue(_ change: StatusChange, topic: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            "insert into outbox (topic, message_key, payload) values ($1, $2, $3)",
            [.text(topic), .text(change.key), .bytea(StatusEvent.encode(change))])
    }
}

/// The CloudEvents envelope of `quickbooks.sync_status_changed`.
enum StatusEvent {
    static let type = "quickbooks.sync_status_changed"
    static let source = "qbsync"

    private struct Envelope: Encodable {
        var specversion = "1.0"
        var id: String
        var source = StatusEvent.source
        var type = StatusEvent.type
        var time: String
        var subject: String
        var datacontenttype = "application/json"
        var data: StatusChange
    }

    static func encode(_ change: StatusChange, at time: Date = Date()) throws -> [UInt8] {
        // The id is stable for (entity, sequence): a republished row carries the same id.
        let id = RequestID.stableUUID(["status", change.key, String(change.sequence)])
        let envelope = Envelope(id: id, time: time.formatted(.iso8601), subject: change.key, data: change)
        return Array(try JSONEncoder().encode(envelope))
    }
}

import Foundation
import Kafka
import Postgres
import SyncCore

/// The transactional outbox: status events (and dead letters) are written in the same
/// transaction as the state they describe, and a relay publishes them afterwards, so the stream
/// never disagrees with the database.
enum Outbox {
    /// Queues a status event; it belongs to the trace the current task runs in (``Tracing/current``).
    /// It goes out with the transaction's next statement, in one insert with the status events
    /// enqueued just before it, in order (``StatusRow``).
    static func enqueue(_ change: StatusChange, topic: String, on connection: PostgresConnection) async throws {
        let trace = PipelineTracing.current
        try await connection.executeDeferred(
            row: StatusRow(topic: topic, key: change.key, payload: try StatusEvent.encode(change, trace: trace), trace: trace))
    }

    /// A status event's outbox row, inserted together with those enqueued beside it.
    struct StatusRow: PostgresBatchableWrite {
        var topic: String
        var key: String
        var payload: [UInt8]
        var trace: TraceHeaders

        /// Rows take their ids (the order the relay keeps per key) in the order they were enqueued.
        static func statement(for rows: [StatusRow]) -> (String, [PostgresValue]) {
            (
                """
                insert into outbox (topic, message_key, payload, trace_parent, trace_state)
                select topic, message_key, payload, trace_parent, trace_state
                from unnest($1::text[], $2::text[], $3::bytea[], $4::text[], $5::text[])
                    with ordinality as r(topic, message_key, payload, trace_parent, trace_state, position)
                order by position
                """,
                [
                    .array(rows.map { .text($0.topic) }, of: .text), .array(rows.map { .text($0.key) }, of: .text),
                    .array(rows.map { .bytea($0.payload) }, of: .bytea),
                    .array(rows.map { $0.trace.traceParent.map { .text($0) } ?? .null }, of: .text),
                    .array(rows.map { $0.trace.traceState.map { .text($0) } ?? .null }, of: .text),
                ]
            )
        }
    }

    /// Enqueues a message as it is (any key and value bytes, headers). Messages of one `group`
    /// leave in the order they were enqueued.
    static func enqueue(_ message: OutboxMessage, group: String, on connection: PostgresConnection) async throws {
        try await connection.executeDeferred(
            "insert into outbox (topic, message_key, raw, key_bytes, payload, headers) values ($1, $2, true, $3, $4, $5)",
            [
                .text(message.topic), .text(group), message.key.map { .bytea($0) } ?? .null, message.value.map { .bytea($0) } ?? .null,
                .bytea(OutboxMessage.encode(message.headers)),
            ])
    }
}

/// A Kafka record kept in the outbox byte for byte: key and value may be null or any bytes.
struct OutboxMessage: Sendable, Hashable {
    var topic: String
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [KafkaHeader]

    /// Headers as stored: per header a 4-byte name length, the name, a 4-byte value length (or
    /// 0xFFFFFFFF for a null value) and the value; lengths big-endian.
    static func encode(_ headers: [KafkaHeader]) -> [UInt8] {
        var bytes: [UInt8] = []
        func append(_ length: UInt32) {
            bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        }
        for header in headers {
            let name = Array(header.name.utf8)
            append(UInt32(name.count))
            bytes += name
            if let value = header.value {
                append(UInt32(value.count))
                bytes += value
            } else {
                append(.max)
            }
        }
        return bytes
    }

    static func decodeHeaders(_ bytes: [UInt8]) throws -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        var index = 0
        func length() throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw OutboxCorrupt() }
            defer { index += 4 }
            return bytes[index..<index + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        func take(_ count: UInt32) throws -> [UInt8] {
            guard index + Int(count) <= bytes.count else { throw OutboxCorrupt() }
            defer { index += Int(count) }
            return Array(bytes[index..<index + Int(count)])
        }
        while index < bytes.count {
            let name = String(decoding: try take(try length()), as: UTF8.self)
            let valueLength = try length()
            headers.append(KafkaHeader(name: name, value: valueLength == .max ? nil : try take(valueLength)))
        }
        return headers
    }

    struct OutboxCorrupt: Error, CustomStringConvertible {
        var description: String { "an outbox row's headers are truncated" }
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
        /// The CloudEvents distributed-tracing extension, when the change happened in a trace.
        var traceparent: String?
        var tracestate: String?
        var data: StatusChange
    }

    static func encode(_ change: StatusChange, trace: TraceHeaders = TraceHeaders(), at time: Date = Date()) throws -> [UInt8] {
        // The id is stable for (entity, sequence): a republished row carries the same id.
        let id = RequestID.stableUUID(["status", change.key, String(change.sequence)])
        let envelope = Envelope(
            id: id, time: time.formatted(.iso8601), subject: change.key, traceparent: trace.traceParent,
            tracestate: trace.traceState, data: change)
        return Array(try JSONEncoder().encode(envelope))
    }
}

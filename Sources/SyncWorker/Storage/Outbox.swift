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
            row: StatusRow(topic: topic, key: change.key, payload: StatusEvent.encode(change, trace: trace), trace: trace))
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

    /// The event's JSON, written directly: the envelope and its data are one fixed shape of
    /// strings, one integer and nulls, and `JSONEncoder` spent about 5 % of the worker's CPU on
    /// it (two events per invoice). The envelope's trace extension is left out when the change
    /// happened outside a trace; every field of the data is present, null when empty, so
    /// consumers need no defaults.
    static func encode(_ change: StatusChange, trace: TraceHeaders = TraceHeaders(), at time: Date = Date()) -> [UInt8] {
        // The id is stable for (entity, sequence): a republished row carries the same id.
        let key = change.key
        let id = RequestID.stableUUID(["status", key, String(change.sequence)])
        var json = JSONWriter()
        json.raw(#"{"specversion":"1.0","id":"#)
        json.string(id)
        json.raw(#","source":"#)
        json.string(source)
        json.raw(#","type":"#)
        json.string(type)
        json.raw(#","time":"#)
        json.string(time.formatted(.iso8601))
        json.raw(#","subject":"#)
        json.string(key)
        json.raw(#","datacontenttype":"application/json""#)
        if let parent = trace.traceParent {
            json.raw(#","traceparent":"#)
            json.string(parent)
        }
        if let state = trace.traceState {
            json.raw(#","tracestate":"#)
            json.string(state)
        }
        json.raw(#","data":{"firm_id":"#)
        json.string(change.firmID)
        json.raw(#","entity":"#)
        json.string(change.entity.rawValue)
        json.raw(#","entity_id":"#)
        json.string(change.entityID)
        json.raw(#","account_id":"#)
        json.string(change.accountID)
        json.raw(#","status":"#)
        json.string(change.status.rawValue)
        json.raw(#","previous_status":"#)
        json.string(change.previousStatus?.rawValue)
        json.raw(#","detail":"#)
        json.string(change.detail)
        json.raw(#","error_code":"#)
        json.string(change.errorCode)
        json.raw(#","qbo_id":"#)
        json.string(change.qboID)
        json.raw(#","sequence":"#)
        json.raw(String(change.sequence))
        json.raw(#","caused_by":"#)
        json.string(change.causedBy)
        json.raw("}}")
        return json.bytes
    }
}

/// JSON text appended piece by piece: literal text as given, strings quoted and escaped (RFC 8259:
/// quotation mark, reverse solidus and the control characters), absent strings as `null`.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func string(_ text: String?) {
        guard let text else { return raw("null") }
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

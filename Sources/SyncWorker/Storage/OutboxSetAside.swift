import Foundation
import Postgres

/// Outbox rows Kafka refused for good (see ``OutboxRelay``): what `qbsync outbox held` lists and
/// `qbsync outbox release` sends again once the cause is fixed (a topic's max.message.bytes raised, say).
public enum OutboxSetAside {
    public struct Row: Sendable, Hashable {
        public var id: Int64
        public var topic: String
        public var key: String
        public var bytes: Int
        public var reason: String
        public var setAsideAt: Date
    }

    public static func list(_ database: PostgresClient) async throws -> [Row] {
        try await database.withConnection { connection in
            try await connection.query(
                """
                select id, topic, message_key, coalesce(octet_length(payload), 0)::bigint as bytes, set_aside_reason, set_aside_at
                from outbox where set_aside_at is not null and published_at is null order by id
                """
            ).map { row in
                Row(
                    id: try row.decode(Int64.self, "id"), topic: try row.decode(String.self, "topic"),
                    key: try row.decode(String.self, "message_key"),
                    bytes: Int(try row.decode(Int64.self, "bytes")), reason: try row.decode(String?.self, "set_aside_reason") ?? "",
                    setAsideAt: try row.decode(Date.self, "set_aside_at"))
            }
        }
    }

    /// Puts the rows (all of them for nil) back in line for the relay; returns how many were set aside.
    public static func release(_ ids: [Int64]?, from database: PostgresClient) async throws -> Int {
        try await database.withConnection { connection in
            try await connection.execute(
                """
                update outbox set set_aside_at = null, set_aside_reason = null
                where ($1::bigint[] is null or id = any($1)) and set_aside_at is not null and published_at is null
                """, [ids.map { .int64Array($0) } ?? .null])
        }
    }
}

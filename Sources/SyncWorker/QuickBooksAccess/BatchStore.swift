import Foundation
import Postgres

/// Batch requests as they were sent. QuickBooks' requestid on a batch covers all its items, so
/// a batch whose answer was lost must go again exactly as it was — same items, same requestid —
/// for QuickBooks to answer it from memory instead of writing twice. Its composition is stored
/// before it is sent, and its answer once it comes, for items whose writer asks again later.
struct BatchStore: Sendable {
    let database: PostgresClient

    /// The batch a write was sent in.
    struct Membership: Sendable {
        var batchRequestID: String
        var body: Data
        /// QuickBooks' answer, once one came.
        var answer: Data?
        /// The write's place in the batch.
        var index: Int
    }

    /// Records a batch before it is sent: one statement, committed before the request leaves.
    /// A write already recorded in an earlier batch (whose answer said nothing was written) now
    /// belongs to this one.
    func record(realm: String, requestID: String, body: Data, items: [String]) async throws {
        _ = try await database.withConnection { connection in
            try await connection.execute(
                """
                with batch as (insert into quickbooks_batches (request_id, realm_id, body) values ($1, $2, $3))
                insert into quickbooks_batch_items (realm_id, item_request_id, batch_request_id, bid)
                select $2, item, $1, (position - 1)::integer from unnest($4::text[]) with ordinality as item(item, position)
                on conflict (realm_id, item_request_id) do update set batch_request_id = excluded.batch_request_id, bid = excluded.bid
                """, [.text(requestID), .text(realm), .bytea(Array(body)), .textArray(items)])
        }
    }

    func recordAnswer(requestID: String, answer: Data) async throws {
        _ = try await database.withConnection { connection in
            try await connection.execute(
                "update quickbooks_batches set answer = $2 where request_id = $1", [.text(requestID), .bytea(Array(answer))])
        }
    }

    /// The batch the write with this requestid went in, if it went in one.
    func membership(realm: String, itemRequestID: String) async throws -> Membership? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                select b.request_id, b.body, b.answer, i.bid from quickbooks_batch_items i
                join quickbooks_batches b on b.request_id = i.batch_request_id
                where i.realm_id = $1 and i.item_request_id = $2
                """, [.text(realm), .text(itemRequestID)])
            guard let row = rows.first else { return nil }
            return Membership(
                batchRequestID: try row.decode(String.self, "request_id"), body: Data(try row.decode([UInt8].self, "body")),
                answer: try row.decode([UInt8]?.self, "answer").map { Data($0) }, index: try row.decode(Int.self, "bid"))
        }
    }
}

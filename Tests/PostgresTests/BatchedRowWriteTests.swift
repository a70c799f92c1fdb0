import Foundation
import Postgres
import Testing

/// Row writes deferred one after another go out as one statement per type (`unnest` of arrays),
/// with the effect of writing them in order.
@Suite("Batched row writes")
struct BatchedRowWriteTests {
    /// A row of a test table `(id int primary key, note text, seen timestamptz, flag boolean)`.
    struct Note: PostgresBatchableWrite {
        var table: String
        var id: Int32
        var note: String?

        static func statement(for rows: [Note]) -> (String, [PostgresValue]) {
            (
                "insert into \(rows[0].table) (id, note) select id, note from unnest($1::int[], $2::text[]) with ordinality as r(id, note, n) order by n",
                [.array(rows.map { .int32($0.id) }, of: .int4), .array(rows.map { $0.note.map { .text($0) } ?? .null }, of: .text)]
            )
        }
    }

    /// A row appended to a second test table, keeping the order rows were deferred in.
    struct Entry: PostgresBatchableWrite {
        var table: String
        var label: String

        static func statement(for rows: [Entry]) -> (String, [PostgresValue]) {
            (
                "insert into \(rows[0].table) (label) select label from unnest($1::text[]) with ordinality as r(label, n) order by n",
                [.array(rows.map { .text($0.label) }, of: .text)]
            )
        }
    }

    @Test("rows of two types deferred in turn go out as one statement each, with BEGIN and COMMIT, and keep their order")
    func oneStatementPerType() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "rows_notes", columns: "id int primary key, note text") { notes in
                try await TestDatabase.withTable(client, prefix: "rows_entries", columns: "seq bigserial primary key, label text") {
                    entries in
                    let before = (statements: client.statistics.statements, trips: client.statistics.roundTrips)
                    try await client.withTransaction { tx in
                        for id in 1...50 {
                            try await tx.executeDeferred(row: Note(table: notes, id: Int32(id), note: id % 7 == 0 ? nil : "note \(id)"))
                            try await tx.executeDeferred(row: Entry(table: entries, label: "entry \(id)"))
                        }
                    }
                    // BEGIN, one insert per table, COMMIT: one round trip.
                    #expect(client.statistics.statements - before.statements == 4)
                    #expect(client.statistics.roundTrips - before.trips == 1)
                    let (written, labels) = try await client.withConnection { connection in
                        let notes = try await connection.query("select id, note from \(notes) order by id").map {
                            (try $0.decode(Int32.self, "id"), try $0.decode(String?.self, "note"))
                        }
                        let labels = try await connection.query("select label from \(entries) order by seq").map {
                            try $0.decode(String.self, "label")
                        }
                        return (notes, labels)
                    }
                    #expect(written.map(\.0) == Array(1...50))
                    #expect(written.filter { $0.1 == nil }.map(\.0) == [7, 14, 21, 28, 35, 42, 49])
                    #expect(written.first { $0.0 == 1 }?.1 == "note 1")
                    #expect(labels == (1...50).map { "entry \($0)" })
                }
            }
        }
    }

    @Test("another statement sends the rows gathered before it first, and sees them")
    func statementsInBetween() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "rows_between", columns: "id int primary key, note text") { table in
                let counts = try await client.withTransaction { tx -> [Int] in
                    try await tx.executeDeferred(row: Note(table: table, id: 1, note: "a"))
                    try await tx.executeDeferred(row: Note(table: table, id: 2, note: "b"))
                    // A deferred single statement between the rows: it runs after the first two and
                    // before the third, as written.
                    try await tx.executeDeferred("update \(table) set note = note || '!'", [])
                    try await tx.executeDeferred(row: Note(table: table, id: 3, note: "c"))
                    let first = try await tx.query("select count(*) as n from \(table)").first?.decode(Int.self, "n") ?? -1
                    try await tx.executeDeferred(row: Note(table: table, id: 4, note: "d"))
                    let second = try await tx.query("select count(*) as n from \(table)").first?.decode(Int.self, "n") ?? -1
                    return [first, second]
                }
                #expect(counts == [3, 4])
                let notes = try await client.withConnection { connection in
                    try await connection.query("select note from \(table) order by id").map { try $0.decode(String.self, "note") }
                }
                #expect(notes == ["a!", "b!", "c", "d"])
            }
        }
    }

    @Test("a refused row fails the next statement and rolls the group back; outside a transaction a row is written at once")
    func refusedRowAndAutocommit() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "rows_refused", columns: "id int primary key, note text") { table in
                try await client.withConnection { connection in
                    try await connection.executeDeferred(row: Note(table: table, id: 1, note: "kept"))
                }
                let error = await #expect(throws: PostgresError.self) {
                    try await client.withTransaction { tx in
                        try await tx.executeDeferred(row: Note(table: table, id: 2, note: "new"))
                        try await tx.executeDeferred(row: Note(table: table, id: 1, note: "duplicate"))
                        _ = try await tx.query("select 1 as n")
                        Issue.record("the statement after a refused row ran")
                    }
                }
                #expect(error?.isUniqueViolation == true)
                let notes = try await client.withConnection { connection in
                    try await connection.query("select note from \(table) order by id").map { try $0.decode(String.self, "note") }
                }
                #expect(notes == ["kept"])
            }
        }
    }

    @Test("array parameters carry NULL elements and every scalar type; a mismatched element is refused before anything is sent")
    func arrayParameters() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let moment = Date(timeIntervalSince1970: 1_800_000_000.25)
            // Compared by the server, which reads NULL elements as equal.
            let row = try await client.withConnection { connection in
                try #require(
                    try await connection.query(
                        """
                        select $1::text[] is not distinct from array['a', null, '']::text[] as texts,
                               $2::bytea[] is not distinct from array['\\x0001ff'::bytea, null] as blobs,
                               $3::boolean[] is not distinct from array[true, false, null] as flags,
                               $4::bigint[] as numbers, ($5::timestamptz[])[1] as moment, ($5::timestamptz[])[2] is null as no_moment,
                               cardinality($6::text[]) as empty
                        """,
                        [
                            .array([.text("a"), .null, .text("")], of: .text), .array([.bytea([0, 1, 255]), .null], of: .bytea),
                            .array([.bool(true), .bool(false), .null], of: .bool), .array([.int64(-5), .int64(1 << 40)], of: .int8),
                            .array([.timestamptz(moment), .null], of: .timestamptz), .array([], of: .text),
                        ]
                    ).first)
            }
            #expect(try row.decode(Bool.self, "texts"))
            #expect(try row.decode(Bool.self, "blobs"))
            #expect(try row.decode(Bool.self, "flags"))
            #expect(try row.decode([Int64].self, "numbers") == [-5, 1 << 40])
            #expect(try row.decode(Date.self, "moment") == moment)
            #expect(try row.decode(Bool.self, "no_moment"))
            #expect(try row.decode(Int.self, "empty") == 0)

            let trips = client.statistics.roundTrips
            let mismatch = await #expect(throws: PostgresError.self) {
                try await client.withConnection { connection in
                    _ = try await connection.query("select $1::text[] as t", [.array([.text("a"), .int64(1)], of: .text)])
                }
            }
            #expect(mismatch?.message.contains("element 2 of array parameter $1") == true)
            let unsendable = await #expect(throws: PostgresError.self) {
                try await client.withConnection { connection in
                    _ = try await connection.query("select $1::numeric[] as n", [.array([.numeric("1.5")], of: .numeric)])
                }
            }
            #expect(unsendable?.message.contains("cannot send") == true)
            #expect(client.statistics.roundTrips == trips)
        }
    }
}

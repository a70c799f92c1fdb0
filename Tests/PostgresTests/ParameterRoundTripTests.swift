import Foundation
import Postgres
import Testing

@Suite("Bound parameters round-trip through PostgreSQL")
struct ParameterRoundTripTests {
    @Test("every value type is stored and read back unchanged, and NULL reads back as nil")
    func everyTypeRoundTrips() async throws {
        let uuid = UUID()
        let otherUUID = UUID()
        let moment = Date(timeIntervalSinceReferenceDate: 752_000_000.123456)
        let day = try #require(PostgresDate("2024-02-29"))
        try await TestDatabase.withClient { client in
            try await TestDatabase.withTable(
                client,
                prefix: "roundtrip",
                columns: """
                    id int primary key, t text, i16 smallint, i32 integer, i64 bigint, b boolean,
                    d double precision, n numeric(12,2), raw bytea, j json, jb jsonb, u uuid, day date,
                    at timestamptz, tags text[], ids bigint[], uuids uuid[]
                    """
            ) { table in
                let values: [PostgresValue] = [
                    .text("plain text"), .int16(-32768), .int32(2_147_483_647), .int64(-9_223_372_036_854_775_807),
                    .bool(true), .double(-1.5e-300), .numeric("450.00"), .bytea([0, 1, 2, 255]),
                    .json(#"{"a": [1, 2]}"#), .jsonb(#"{"b": "c"}"#), .uuid(uuid), .date(day), .timestamptz(moment),
                    .textArray(["a", "b,c", "", "\"quoted\""]), .int64Array([1, -2, .max]), .uuidArray([uuid, otherUUID]),
                ]
                let inserted = try await client.withConnection { connection in
                    let placeholders = (2...(values.count + 1)).map { "$\($0)" }.joined(separator: ", ")
                    let sql = "insert into \(table) values ($1, \(placeholders))"
                    var total = try await connection.execute(sql, [.int32(1)] + values)
                    total += try await connection.execute(sql, [.int32(2)] + Array(repeating: .null, count: values.count))
                    return total
                }
                #expect(inserted == 2)

                let rows = try await client.withConnection { try await $0.query("select * from \(table) order by id") }
                try #require(rows.count == 2)
                let row = rows[0]
                #expect(try row.decode(String.self, "t") == "plain text")
                #expect(try row.decode(Int16.self, "i16") == -32768)
                #expect(try row.decode(Int32.self, "i32") == 2_147_483_647)
                #expect(try row.decode(Int64.self, "i64") == -9_223_372_036_854_775_807)
                #expect(try row.decode(Bool.self, "b") == true)
                #expect(try row.decode(Double.self, "d") == -1.5e-300)
                #expect(try row.decode(String.self, "n") == "450.00")
                #expect(try row.decode([UInt8].self, "raw") == [0, 1, 2, 255])
                #expect(try row.decode(String.self, "j") == #"{"a": [1, 2]}"#)
                #expect(try row.decode(String.self, "jb") == #"{"b": "c"}"#)
                #expect(try row.decode(UUID.self, "u") == uuid)
                #expect(try row.decode(PostgresDate.self, "day") == day)
                #expect(try row.decode(Date.self, "at") == moment)
                #expect(try row.decode([String].self, "tags") == ["a", "b,c", "", "\"quoted\""])
                #expect(try row.decode([Int64].self, "ids") == [1, -2, .max])
                #expect(try row.decode([UUID].self, "uuids") == [uuid, otherUUID])

                let nulls = rows[1]
                for column in nulls.columnNames where column != "id" {
                    #expect(try nulls.cell(column).isNull, "column \(column) should be NULL")
                }
                #expect(try nulls.decode(String?.self, "t") == nil)
                #expect(try nulls.decode(Int64?.self, "i64") == nil)
                #expect(try nulls.decode(Double?.self, "d") == nil)
                #expect(try nulls.decode([UInt8]?.self, "raw") == nil)
                #expect(try nulls.decode(UUID?.self, "u") == nil)
                #expect(try nulls.decode(Date?.self, "at") == nil)
                #expect(try nulls.decode([String]?.self, "tags") == nil)
            }
        }
    }

    @Test("bytea keeps zero bytes and every byte value")
    func byteaIsBinarySafe() async throws {
        let bytes: [UInt8] = [0, 0] + (0...255).map { UInt8($0) } + [0]
        try await TestDatabase.withClient { client in
            try await TestDatabase.withTable(client, prefix: "bytea", columns: "raw bytea") { table in
                try await client.withConnection { connection in
                    try await connection.execute("insert into \(table) values ($1)", [.bytea(bytes)])
                    let row = try #require(try await connection.query("select raw, length(raw) as n from \(table)").first)
                    #expect(try row.decode([UInt8].self, "raw") == bytes)
                    #expect(try row.decode(Int.self, "n") == bytes.count)
                }
            }
        }
    }

    @Test("text with quotes, backslashes, emoji and newlines is stored verbatim")
    func awkwardTextIsVerbatim() async throws {
        let texts = [
            "Jane O'Neil", #"C:\path\to\file"#, #"a "quoted" \' word"#, "emoji 🧾💸 and ü", "line\nbreak\ttab", "", "$1",
        ]
        try await TestDatabase.withClient { client in
            try await TestDatabase.withTable(client, prefix: "text", columns: "id int, t text") { table in
                try await client.withConnection { connection in
                    for (index, text) in texts.enumerated() {
                        try await connection.execute("insert into \(table) values ($1, $2)", [.int(index), .text(text)])
                    }
                    let rows = try await connection.query("select t, length(t) as n from \(table) order by id")
                    #expect(try rows.map { try $0.decode(String.self, "t") } == texts)
                    #expect(try rows.map { try $0.decode(Int.self, "n") } == texts.map(\.count))
                }
            }
        }
    }

    @Test("a value that looks like SQL injection is stored verbatim and runs nothing")
    func injectionIsJustData() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withTable(client, prefix: "injection", columns: "name text") { table in
                let evil = "Robert'); drop table \(table); --"
                let alsoEvil = "x' or '1'='1"
                try await client.withConnection { connection in
                    try await connection.execute("insert into \(table) values ($1)", [.text(evil)])
                    let matches = try await connection.query("select name from \(table) where name = $1", [.text(alsoEvil)])
                    #expect(matches.isEmpty)
                    let rows = try await connection.query("select name from \(table)")
                    #expect(try rows.map { try $0.decode(String.self, "name") } == [evil])
                }
            }
        }
    }

    @Test("integer, boolean and float literals bind with their natural types")
    func literalsBind() async throws {
        try await TestDatabase.withClient { client in
            let row = try await client.withConnection { connection in
                try #require(try await connection.query("select $1 as t, $2 as i, $3 as b, $4 as d", ["x", 42, true, 0.25]).first)
            }
            #expect(try row.decode(String.self, "t") == "x")
            #expect(try row.decode(Int.self, "i") == 42)
            #expect(try row.decode(Bool.self, "b") == true)
            #expect(try row.decode(Double.self, "d") == 0.25)
            #expect(try row.cell("i").dataType == .int8)
        }
    }

    @Test("Swift optionals and enums bind through PostgresValue(_:)")
    func encodableValuesBind() async throws {
        enum Status: String, PostgresEncodable, PostgresDecodable { case synced, skipped }
        let missing: String? = nil
        try await TestDatabase.withClient { client in
            let row = try await client.withConnection { connection in
                try #require(
                    try await connection.query(
                        "select $1::text as status, $2::text as missing, $3::bigint as n",
                        [PostgresValue(Status.skipped), PostgresValue(missing), PostgresValue(7)]
                    ).first
                )
            }
            #expect(try row.decode(Status.self, "status") == .skipped)
            #expect(try row.decode(String?.self, "missing") == nil)
            #expect(try row.decode(Int.self, "n") == 7)
        }
    }

    @Test("numeric values decode to their exact decimal text")
    func numericDecodesExactly() async throws {
        let cases = ["450.00", "-0.0001", "12345678.90123", "0", "100000000000000000000", "0.10", "-12.5", "NaN", "9999.9999"]
        try await TestDatabase.withClient { client in
            try await client.withConnection { connection in
                for text in cases {
                    let row = try #require(try await connection.query("select $1::numeric as n", [.numeric(text)]).first)
                    #expect(try row.decode(String.self, "n") == text)
                }
            }
        }
    }

    @Test("arrays work with = any($1)")
    func arraysWorkWithAny() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withTable(client, prefix: "any", columns: "id bigint, name text") { table in
                try await client.withConnection { connection in
                    for id in 1...5 {
                        try await connection.execute("insert into \(table) values ($1, $2)", [.int(id), .text("n\(id)")])
                    }
                    let byID = try await connection.query(
                        "select id from \(table) where id = any($1) order by id", [.int64Array([2, 4, 99])])
                    #expect(try byID.map { try $0.decode(Int64.self, "id") } == [2, 4])
                    let byName = try await connection.query(
                        "select id from \(table) where name = any($1) order by id", [.textArray(["n1", "n5"])])
                    #expect(try byName.map { try $0.decode(Int.self, 0) } == [1, 5])
                    let none = try await connection.query("select id from \(table) where id = any($1)", [.int64Array([])])
                    #expect(none.isEmpty)
                }
            }
        }
    }

    @Test("timestamps keep microseconds and infinity, dates keep the calendar day")
    func timesRoundTrip() async throws {
        try await TestDatabase.withClient { client in
            let epochDay = try #require(PostgresDate(year: 1970, month: 1, day: 1))
            try await client.withConnection { connection in
                let row = try #require(
                    try await connection.query(
                        """
                        select '2024-05-06 07:08:09.123456+00'::timestamptz as at, 'infinity'::timestamptz as future,
                               '1999-12-31'::date as day, $1::timestamptz as echoed, $2::date as echoed_day
                        """,
                        [.timestamptz(Date(timeIntervalSince1970: 0)), .date(epochDay)]
                    ).first
                )
                let at = try row.decode(Date.self, "at")
                #expect(abs(at.timeIntervalSince1970 - 1_714_979_289.123456) < 0.000_001)
                #expect(try row.decode(Date.self, "future") == .distantFuture)
                #expect(try row.decode(PostgresDate.self, "day").description == "1999-12-31")
                #expect(try row.decode(Date.self, "echoed") == Date(timeIntervalSince1970: 0))
                #expect(try row.decode(PostgresDate.self, "echoed_day").description == "1970-01-01")
            }
        }
    }
}

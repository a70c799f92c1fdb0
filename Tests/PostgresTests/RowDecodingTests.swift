import Foundation
import Postgres
import Testing

@Suite("Reading rows")
struct RowDecodingTests {
    @Test("decoding NULL into a non-optional type throws an error naming the column")
    func nullIntoNonOptionalThrows() async throws {
        try await TestDatabase.withClient { client in
            let row = try await client.withConnection { try #require(try await $0.query("select null::text as nickname").first) }
            let error = try #require(throws: PostgresDecodingError.self) { try row.decode(String.self, "nickname") }
            #expect(error.kind == .unexpectedNull)
            #expect(error.column == "nickname")
            #expect(error.description.contains("NULL"))
            #expect(error.description.contains("String?"))
            #expect(try row.decode(String?.self, "nickname") == nil)
        }
    }

    @Test("a type mismatch names the column, its PostgreSQL type and the Swift type")
    func typeMismatchIsClear() async throws {
        try await TestDatabase.withClient { client in
            let row = try await client.withConnection { try #require(try await $0.query("select 42 as answer").first) }
            let error = try #require(throws: PostgresDecodingError.self) { try row.decode(String.self, "answer") }
            #expect(error.kind == .typeMismatch)
            #expect(error.postgresType == .int4)
            #expect(error.description.contains("\"answer\""))
            #expect(error.description.contains("integer"))
            #expect(error.description.contains("String"))
        }
    }

    @Test("a missing column lists the columns the result has")
    func missingColumnIsClear() async throws {
        try await TestDatabase.withClient { client in
            let row = try await client.withConnection { try #require(try await $0.query("select 1 as a, 2 as b").first) }
            let error = try #require(throws: PostgresDecodingError.self) { try row.decode(Int.self, "c") }
            #expect(error.kind == .missingColumn)
            #expect(error.description.contains("\"a\", \"b\""))
            let byIndex = try #require(throws: PostgresDecodingError.self) { try row.decode(Int.self, 2) }
            #expect(byIndex.kind == .missingColumn)
            #expect(try row.decode(Int.self, 1) == 2)
        }
    }

    @Test("a value too large for the requested integer type is rejected, not truncated")
    func narrowingIsChecked() async throws {
        try await TestDatabase.withClient { client in
            let row = try await client.withConnection { try #require(try await $0.query("select 70000::bigint as big").first) }
            let error = try #require(throws: PostgresDecodingError.self) { try row.decode(Int16.self, "big") }
            #expect(error.kind == .malformedValue)
            #expect(try row.decode(Int32.self, "big") == 70000)
        }
    }

    @Test("an unknown enum raw value is reported as malformed")
    func enumDecoding() async throws {
        enum Status: String, PostgresDecodable { case synced, failed }
        try await TestDatabase.withClient { client in
            let row = try await client.withConnection { try #require(try await $0.query("select 'synced' as a, 'weird' as b").first) }
            #expect(try row.decode(Status.self, "a") == .synced)
            let error = try #require(throws: PostgresDecodingError.self) { try row.decode(Status.self, "b") }
            #expect(error.kind == .malformedValue)
        }
    }

    @Test("rows stay readable after the connection went back to the pool")
    func rowsOutliveTheirConnection() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let rows = try await client.withConnection {
                try await $0.query("select g as n, 'v' || g as label from generate_series(1, 100) g")
            }
            _ = try await client.withConnection { try await $0.query("select 1") }
            #expect(rows.count == 100)
            #expect(try rows.last?.decode(String.self, "label") == "v100")
            #expect(rows.first?.columnNames == ["n", "label"])
        }
    }
}

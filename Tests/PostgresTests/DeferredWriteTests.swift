import Postgres
import Testing

/// Writes a transaction does not wait for go out with its next statement, and reads that do not
/// depend on each other go out together: one round trip for many statements.
@Suite("Deferred writes")
struct DeferredWriteTests {
    struct Boom: Error {}

    @Test("deferred writes run in order before the next statement, which sees them, in one round trip with it")
    func sentWithTheNextStatement() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "deferred", columns: "id int primary key, note text") { table in
                let before = (statements: client.statistics.statements, trips: client.statistics.roundTrips)
                let seen = try await client.withTransaction { tx in
                    try await tx.executeDeferred("insert into \(table) values ($1, $2)", [.int32(1), .text("first")])
                    try await tx.executeDeferred("update \(table) set note = $2 where id = $1", [.int32(1), .text("second")])
                    try await tx.executeDeferred("insert into \(table) values ($1, $2)", [.int32(2), .text("other")])
                    return try await tx.query("select note from \(table) order by id").map { try $0.decode(String.self, "note") }
                }
                #expect(seen == ["second", "other"])
                // BEGIN, three writes and the query in one trip; COMMIT in another.
                #expect(client.statistics.statements - before.statements == 6)
                #expect(client.statistics.roundTrips - before.trips == 2)
                let committed = try await client.withConnection { try await $0.query("select count(*) as n from \(table)") }
                #expect(try committed.first?.decode(Int.self, "n") == 2)
            }
        }
    }

    @Test("a block of deferred writes only sends BEGIN, the writes and COMMIT together")
    func onlyDeferredWrites() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "deferredonly", columns: "id int") { table in
                let trips = client.statistics.roundTrips
                try await client.withTransaction { tx in
                    for id in 1...3 { try await tx.executeDeferred("insert into \(table) values ($1)", [.int32(Int32(id))]) }
                }
                #expect(client.statistics.roundTrips - trips == 1)
                let committed = try await client.withConnection { try await $0.query("select count(*) as n from \(table)") }
                #expect(try committed.first?.decode(Int.self, "n") == 3)
            }
        }
    }

    @Test("a deferred write the server refuses fails the next statement, and the transaction rolls back")
    func failureShowsAtTheNextStatement() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "deferredfail", columns: "id int primary key") { table in
                try await client.withConnection { try await $0.execute("insert into \(table) values (1)") }
                let error = await #expect(throws: PostgresError.self) {
                    try await client.withTransaction { tx in
                        try await tx.executeDeferred("insert into \(table) values ($1)", [.int32(2)])
                        try await tx.executeDeferred("insert into \(table) values ($1)", [.int32(1)])
                        try await tx.executeDeferred("insert into \(table) values ($1)", [.int32(3)])
                        _ = try await tx.query("select 1 as n")
                        Issue.record("the statement after a refused write ran")
                    }
                }
                #expect(error?.isUniqueViolation == true)
                #expect(error?.statement?.contains("insert into") == true)
                let (count, pid) = try await client.withConnection { connection in
                    let row = try #require(try await connection.query("select count(*) as n, pg_backend_pid() as pid from \(table)").first)
                    return (try row.decode(Int.self, "n"), try row.decode(Int32.self, "pid"))
                }
                #expect(count == 1)
                // The session was rolled back and reused, not left with an aborted transaction.
                let again = try await client.withConnection {
                    try #require(try await $0.query("select pg_backend_pid() as pid").first).decode(Int32.self, "pid")
                }
                #expect(again == pid)
            }
        }
    }

    @Test("a deferred write refused at COMMIT makes the commit throw; nothing is committed and the connection is reused")
    func failureShowsAtCommit() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "deferredcommit", columns: "id int primary key") { table in
                let pid = try await client.withConnection { connection in
                    try await connection.execute("insert into \(table) values (1)")
                    return try #require(try await connection.query("select pg_backend_pid() as pid").first).decode(Int32.self, "pid")
                }
                let error = await #expect(throws: PostgresError.self) {
                    try await client.withTransaction { tx in
                        try await tx.execute("insert into \(table) values (2)")
                        try await tx.executeDeferred("insert into \(table) values ($1)", [.int32(1)])
                    }
                }
                #expect(error?.isUniqueViolation == true)
                let row = try await client.withConnection { connection in
                    try #require(try await connection.query("select count(*) as n, pg_backend_pid() as pid from \(table)").first)
                }
                #expect(try row.decode(Int.self, "n") == 1)
                #expect(try row.decode(Int32.self, "pid") == pid)
            }
        }
    }

    @Test("a block that throws drops its deferred writes: none is sent")
    func droppedOnRollback() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "deferreddrop", columns: "id int") { table in
                await #expect(throws: Boom.self) {
                    try await client.withTransaction { tx in
                        try await tx.execute("insert into \(table) values (1)")
                        try await tx.executeDeferred("insert into \(table) values ($1)", [.int32(2)])
                        throw Boom()
                    }
                }
                // The next block on the same connection does not send them either.
                let count = try await client.withConnection { try await $0.query("select count(*) as n from \(table)") }
                #expect(try count.first?.decode(Int.self, "n") == 0)
            }
        }
    }

    @Test("reads that do not depend on each other go out together with the deferred writes, each with its own rows")
    func readsTogether() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "pipelinedreads", columns: "id int, note text") { table in
                let trips = client.statistics.roundTrips
                let (first, second, third) = try await client.withTransaction { tx in
                    try await tx.executeDeferred(
                        "insert into \(table) values ($1, $2), ($3, $4)", [.int32(1), .text("a"), .int32(2), .text("b")])
                    return try await tx.query(
                        ("select note from \(table) where id = $1", [.int32(1)]),
                        ("select note from \(table) where id > $1 order by id", [.int32(0)]),
                        ("select note from \(table) where id = $1", [.int32(9)]))
                }
                #expect(try first.map { try $0.decode(String.self, "note") } == ["a"])
                #expect(try second.map { try $0.decode(String.self, "note") } == ["a", "b"])
                #expect(third.isEmpty)
                #expect(client.statistics.roundTrips - trips == 2)  // BEGIN, the write and three reads; COMMIT

                let error = await #expect(throws: PostgresError.self) {
                    try await client.withConnection { connection in
                        try await connection.query(
                            ("select 1 as n", []), ("select * from table_that_does_not_exist_\(UInt32.random(in: 0...UInt32.max))", []))
                    }
                }
                #expect(error?.sqlState == "42P01")
            }
        }
    }

    @Test("a parameter refused before anything is sent throws at the call; outside a transaction the write runs at once")
    func refusedParameterAndAutocommit() async throws {
        try await TestDatabase.withClient(poolSize: 2) { client in
            try await TestDatabase.withTable(client, prefix: "deferredauto", columns: "id int") { table in
                let error = await #expect(throws: PostgresError.self) {
                    try await client.withTransaction { tx in
                        try await tx.executeDeferred("select 1", [PostgresValue](repeating: .null, count: 70_000))
                    }
                }
                #expect(error?.kind == .misuse)
                try await client.withConnection { connection in
                    try await connection.executeDeferred("insert into \(table) values ($1)", [.int32(7)])
                    // Visible from another session at once: it ran in autocommit.
                    let elsewhere = try await client.withConnection { try await $0.query("select count(*) as n from \(table)") }
                    #expect(try elsewhere.first?.decode(Int.self, "n") == 1)
                }
            }
        }
    }
}

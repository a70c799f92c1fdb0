import Postgres
import Testing

@Suite("Transactions")
struct TransactionTests {
    struct Boom: Error {}

    @Test("a transaction rolls back when its block throws")
    func rollsBackOnThrow() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await TestDatabase.withTable(client, prefix: "rollback", columns: "id int") { table in
                var pidInTransaction: Int32?
                await #expect(throws: Boom.self) {
                    try await client.withTransaction { tx in
                        try await tx.execute("insert into \(table) values ($1)", [.int32(1)])
                        pidInTransaction = try await tx.query("select pg_backend_pid() as pid").first?.decode(Int32.self, "pid")
                        throw Boom()
                    }
                }
                let row = try await client.withConnection {
                    try await $0.query("select count(*) as n, pg_backend_pid() as pid from \(table)")
                }
                #expect(try row.first?.decode(Int.self, "n") == 0)
                // ROLLBACK was sent, so the same session went back into the pool.
                #expect(try row.first?.decode(Int32.self, "pid") == pidInTransaction)
            }
        }
    }

    @Test("a transaction commits when its block returns, and returns the block's value")
    func commitsOnReturn() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withTable(client, prefix: "commit", columns: "id int") { table in
                let inserted = try await client.withTransaction(isolationLevel: .serializable) { tx in
                    let first = try await tx.execute("insert into \(table) values ($1)", [.int32(1)])
                    let second = try await tx.execute("insert into \(table) select g from generate_series(2, 3) g")
                    return first + second
                }
                #expect(inserted == 3)
                let count = try await client.withConnection { try await $0.query("select count(*) as n from \(table)") }
                #expect(try count.first?.decode(Int.self, "n") == 3)
            }
        }
    }

    @Test("statements in a transaction see each other and others do not until commit")
    func isolationFromOtherConnections() async throws {
        try await TestDatabase.withClient(poolSize: 2) { client in
            try await TestDatabase.withTable(client, prefix: "visibility", columns: "id int") { table in
                try await client.withTransaction { tx in
                    try await tx.execute("insert into \(table) values (1)")
                    let inside = try await tx.query("select count(*) as n from \(table)")
                    #expect(try inside.first?.decode(Int.self, "n") == 1)
                    let outside = try await client.withConnection { try await $0.query("select count(*) as n from \(table)") }
                    #expect(try outside.first?.decode(Int.self, "n") == 0)
                }
            }
        }
    }

    @Test("catching a failed statement inside a transaction makes COMMIT report the rollback")
    func commitAfterCaughtErrorReportsRollback() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withTable(client, prefix: "aborted", columns: "id int primary key") { table in
                let error = await #expect(throws: PostgresError.self) {
                    try await client.withTransaction { tx in
                        try await tx.execute("insert into \(table) values (1)")
                        do {
                            try await tx.execute("insert into \(table) values (1)")
                        } catch let error as PostgresError where error.isUniqueViolation {
                            // swallowed on purpose: this is the mistake under test
                        }
                    }
                }
                #expect(error?.kind == .transactionRolledBack)
                let count = try await client.withConnection { try await $0.query("select count(*) as n from \(table)") }
                #expect(try count.first?.decode(Int.self, "n") == 0)
            }
        }
    }

    @Test("a statement rejected before it is sent does not drop the transaction's BEGIN")
    func clientSideRejectionKeepsTransaction() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withTable(client, prefix: "keepbegin", columns: "id int") { table in
                var rejection: PostgresError.Kind?
                await #expect(throws: Boom.self) {
                    try await client.withTransaction { tx in
                        do {
                            try await tx.execute("select 1", [PostgresValue](repeating: .null, count: 70_000))
                        } catch let error as PostgresError {
                            rejection = error.kind
                        }
                        try await tx.execute("insert into \(table) values (1)")
                        throw Boom()
                    }
                }
                #expect(rejection == .misuse)
                let count = try await client.withConnection { try await $0.query("select count(*) as n from \(table)") }
                #expect(try count.first?.decode(Int.self, "n") == 0)
            }
        }
    }

    @Test("when the first statement of a transaction fails, its own error is reported")
    func firstStatementFailure() async throws {
        try await TestDatabase.withClient { client in
            let error = await #expect(throws: PostgresError.self) {
                try await client.withTransaction(isolationLevel: .repeatableRead) { tx in
                    try await tx.query("select * from table_that_does_not_exist_\(UInt32.random(in: 0...UInt32.max))")
                }
            }
            #expect(error?.sqlState == "42P01")
            #expect(error?.statement?.contains("table_that_does_not_exist") == true)
            // The pool is healthy afterwards: no transaction was left open.
            let rows = try await client.withConnection { try await $0.query("select 1 as n") }
            #expect(try rows.first?.decode(Int.self, "n") == 1)
        }
    }

    @Test("a transaction that runs no statement sends nothing and succeeds")
    func emptyTransaction() async throws {
        try await TestDatabase.withClient { client in
            let value = try await client.withTransaction { _ in "done" }
            #expect(value == "done")
        }
    }

    @Test("a connection handed back with an open transaction is not reused")
    func openTransactionIsDiscarded() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let firstPID = try await client.withConnection { connection in
                try await connection.executeScript("begin")
                return try #require(try await connection.query("select pg_backend_pid() as pid").first).decode(Int32.self, "pid")
            }
            let secondPID = try await client.withConnection { connection in
                try #require(try await connection.query("select pg_backend_pid() as pid").first).decode(Int32.self, "pid")
            }
            #expect(firstPID != secondPID)
        }
    }
}

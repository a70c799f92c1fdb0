import Postgres
import Testing

@Suite("Errors")
struct ErrorReportingTests {
    @Test("a duplicate key surfaces as isUniqueViolation with the constraint and detail")
    func uniqueViolation() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withTable(client, prefix: "unique", columns: "id int primary key") { table in
                let error = await #expect(throws: PostgresError.self) {
                    try await client.withConnection { connection in
                        try await connection.execute("insert into \(table) values ($1)", [.int32(1)])
                        try await connection.execute("insert into \(table) values ($1)", [.int32(1)])
                    }
                }
                let failure = try #require(error)
                #expect(failure.isUniqueViolation)
                #expect(failure.sqlState == "23505")
                #expect(!failure.isConnectionLoss)
                #expect(failure.constraintName == "\(table)_pkey")
                #expect(failure.detail?.contains("(id)=(1)") == true)
                #expect(failure.description.contains("23505"))
                #expect(failure.description.contains("insert into \(table)"))
            }
        }
    }

    @Test("a syntax error is a server error with its SQLSTATE and leaves the connection usable")
    func syntaxError() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            try await client.withConnection { connection in
                let error = await #expect(throws: PostgresError.self) { try await connection.query("selec 1") }
                #expect(error?.kind == .server)
                #expect(error?.sqlState == "42601")
                #expect(error?.isRetryable == false)
                let rows = try await connection.query("select 1 as n")
                #expect(try rows.first?.decode(Int.self, "n") == 1)
            }
        }
    }

    @Test("a session killed by the server fails with isConnectionLoss and the next checkout reconnects")
    func terminatedSession() async throws {
        try await TestDatabase.withClient(poolSize: 2) { client in
            let killedPID = try await client.withConnection { connection in
                let pid = try #require(try await connection.query("select pg_backend_pid() as pid").first).decode(Int32.self, "pid")
                // Another pooled connection plays the administrator.
                _ = try await client.withConnection { try await $0.query("select pg_terminate_backend($1)", [.int32(pid)]) }
                let error = await #expect(throws: PostgresError.self) {
                    // The backend exits asynchronously; keep using the connection until that is noticed.
                    for _ in 0..<100 { _ = try await connection.query("select pg_sleep(0.01)") }
                }
                #expect(error?.isConnectionLoss == true)
                #expect(error?.description.contains("retry") == true)
                // The rest of the block fails fast instead of silently reconnecting mid-transaction.
                let again = await #expect(throws: PostgresError.self) { try await connection.query("select 1") }
                #expect(again?.kind == .connectionLost)
                return pid
            }
            // Both slots, including the replaced one, serve queries from live backends.
            let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await client.withConnection { connection in
                            try #require(try await connection.query("select pg_backend_pid() as pid, pg_sleep(0.05)").first)
                                .decode(Int32.self, "pid")
                        }
                    }
                }
                return try await group.reduce(into: [Int32]()) { $0.append($1) }
            }
            #expect(pids.count == 2)
            #expect(!pids.contains(killedPID))
        }
    }

    @Test("an unreachable server gives connectFailed, which counts as connection loss")
    func unreachableServer() async throws {
        let configuration = try PostgresConfiguration(
            connectionString: "postgresql://nobody@127.0.0.1:1/none?sslmode=disable",
            poolSize: 1,
            connectTimeout: .seconds(2)
        )
        let client = try PostgresClient(configuration: configuration, logger: TestDatabase.logger)
        let error = await #expect(throws: PostgresError.self) {
            try await client.withConnection { try await $0.query("select 1") }
        }
        await client.shutdown()
        #expect(error?.kind == .connectFailed)
        #expect(error?.isConnectionLoss == true)
        #expect(error?.description.contains("127.0.0.1") == true)
    }

    @Test("an invalid configuration is rejected with a message saying what is wrong")
    func invalidConfiguration() throws {
        let badURL = #expect(throws: PostgresError.self) {
            try PostgresConfiguration(connectionString: "postgresql://host/db?sslmod=require")
        }
        #expect(badURL?.kind == .invalidConfiguration)
        #expect(badURL?.description.contains("sslmod") == true)

        let badSize = #expect(throws: PostgresError.self) {
            try PostgresConfiguration(connectionString: "postgresql://host/db", poolSize: 0)
        }
        #expect(badSize?.description.contains("poolSize") == true)

        let empty = #expect(throws: PostgresError.self) { try PostgresConfiguration(connectionString: "") }
        #expect(empty?.kind == .invalidConfiguration)
    }

    @Test("the configuration never prints the password")
    func passwordIsRedacted() throws {
        let configuration = try PostgresConfiguration(
            connectionString: "postgresql://worker:s3cr3t-pw@db.internal:5432/qbsync?sslmode=verify-full")
        #expect(!configuration.description.contains("s3cr3t-pw"))
        #expect(configuration.description.contains("db.internal"))
        #expect(configuration.description.contains("verify-full"))
    }
}

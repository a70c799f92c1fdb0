import Postgres
import Testing

@Suite("Connection pool")
struct ConnectionPoolTests {
    @Test("many tasks running transactions at once share a small pool without deadlock", .timeLimit(.minutes(1)))
    func concurrentTransactions() async throws {
        let applicationName = TestDatabase.uniqueName("pool")
        try await TestDatabase.withClient(poolSize: 4, applicationName: applicationName) { client in
            try await TestDatabase.withTable(client, prefix: "counter", columns: "id int primary key, n int not null") { table in
                try await client.withConnection { try await $0.execute("insert into \(table) values (1, 0)") }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for task in 0..<200 {
                        group.addTask {
                            try await client.withTransaction { tx in
                                // Row lock contention on top of pool contention.
                                try await tx.execute("update \(table) set n = n + 1 where id = 1")
                                if task.isMultiple(of: 2) {
                                    _ = try await tx.query("select n from \(table) where id = 1")
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let rows = try await client.withConnection { connection in
                    try await connection.query(
                        "select (select n from \(table) where id = 1) as n, (select count(*) from pg_stat_activity where application_name = $1) as connections",
                        [.text(applicationName)]
                    )
                }
                #expect(try rows.first?.decode(Int.self, "n") == 200)
                #expect(try rows.first?.decode(Int.self, "connections") ?? 99 <= 4)
            }
        }
    }

    @Test("statements on one connection must be awaited one at a time")
    func concurrentUseOfOneConnectionIsRejected() async throws {
        let applicationName = TestDatabase.uniqueName("busy")
        let lockKey = Int64.random(in: 1...Int64.max)
        try await TestDatabase.withClient(poolSize: 3, applicationName: applicationName) { client in
            // Another session holds an advisory lock, so the block's statement stays running
            // until the intruder has tried the connection: no timing involved.
            let held = AsyncStream<Void>.makeStream()
            let release = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await client.withConnection { holder in
                    _ = try await holder.query("select pg_advisory_lock($1)", [.int64(lockKey)])
                    held.continuation.yield()
                    for await _ in release.stream { break }
                    _ = try await holder.query("select pg_advisory_unlock($1)", [.int64(lockKey)])
                }
            }
            for await _ in held.stream { break }
            try await client.withConnection { connection in
                // A task that does not run on the connection's thread tries to use it
                // while the block's own statement is still running.
                let intruder = Task.detached {
                    try await TestDatabase.eventually("the first statement is waiting for the lock") {
                        try await client.withConnection { observer in
                            let rows = try await observer.query(
                                "select count(*) as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock' and state = 'active'",
                                [.text(applicationName)]
                            )
                            return try rows.first?.decode(Int.self, "n") == 1
                        }
                    }
                    let kind: PostgresError.Kind?
                    do {
                        _ = try await connection.query("select 1")
                        kind = nil
                    } catch let error as PostgresError {
                        kind = error.kind
                    }
                    release.continuation.yield()
                    return kind
                }
                _ = try await connection.query("select pg_advisory_lock($1), pg_advisory_unlock($1)", [.int64(lockKey)])
                let kind = try await intruder.value
                #expect(kind == .misuse)
            }
            try await holder.value
        }
    }

    @Test("a connection used after its block ended is refused")
    func escapedConnectionIsRefused() async throws {
        try await TestDatabase.withClient { client in
            let escaped = try await client.withConnection { $0 }
            let error = await #expect(throws: PostgresError.self) { try await escaped.query("select 1") }
            #expect(error?.kind == .misuse)
        }
    }

    @Test("waiting for a busy pool ends when the waiting task is cancelled")
    func waitingIsCancellable() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let (started, signal) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
            let holder = Task {
                try await client.withConnection { connection in
                    _ = try await connection.query("select 1")
                    signal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in started { break }
            let waiter = Task { try await client.withConnection { try await $0.query("select 1") } }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            releaseSignal.yield()
            try await holder.value
            let rows = try await client.withConnection { try await $0.query("select 2 as n") }
            #expect(try rows.first?.decode(Int.self, "n") == 2)
        }
    }

    @Test("shutdown waits for work in progress and then refuses new work")
    func shutdownDrains() async throws {
        let client = try PostgresClient(configuration: TestDatabase.configuration(poolSize: 2), logger: TestDatabase.logger)
        try await ServerGate.shared.withSharedAccess {
            let (started, signal) = AsyncStream.makeStream(of: Void.self)
            let work = Task {
                try await client.withConnection { connection in
                    signal.yield()
                    return try await connection.query("select pg_sleep(0.2), 7 as n").first?.decode(Int.self, "n")
                }
            }
            for await _ in started { break }
            await client.shutdown()
            let value = try await work.value
            #expect(value == 7)
            let error = await #expect(throws: PostgresError.self) {
                try await client.withConnection { try await $0.query("select 1") }
            }
            #expect(error?.kind == .clientShutdown)
            await client.shutdown()  // idempotent
        }
    }
}

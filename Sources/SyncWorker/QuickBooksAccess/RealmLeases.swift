import Foundation
import Postgres

/// One QuickBooks budget per realm for the whole consumer group, across restarts.
///
/// A firm's invoices, payments and account toggles arrive on different topics, so their
/// partitions can sit on different workers, and a restarted worker would otherwise start its
/// window from zero. So a worker calls a realm only while it holds the realm's lease
/// (`realm_leases`): one worker at a time, which keeps both limits (calls in flight and calls per
/// window) exact. The calls made are recorded per second (`realm_calls`) when the lease is
/// renewed or handed over, and whoever takes the lease next starts from that window.
///
/// A worker gives the lease up when it has nothing in flight for a moment, or, when another
/// worker asks for it, once it has held it for ``fairShare`` and its calls in flight are done.
struct RealmLeases: Sendable {
    let database: PostgresClient
    let workerID: String
    /// How long a lease lasts unless renewed (a worker that dies frees its realms after this).
    var duration: Duration = .seconds(6)
    /// How long a worker keeps a lease another worker asks for.
    var fairShare: Duration = .seconds(1)
    /// How far back the window is read (QuickBooks' window and the gate's margin).
    let window: Duration

    /// Calls to a realm by their ages: single requests and batch requests.
    struct Window: Sendable, Equatable {
        var singles: [Duration] = []
        var batches: [Duration] = []
        var all: [Duration] { singles + batches }
    }

    /// Takes the lease when it is free, expired or already ours; returns the ages of the calls
    /// made to the realm within the window (by any worker), or nil when another worker holds it
    /// (it is then told that this one waits).
    func take(_ realm: String) async throws -> Window? {
        try await database.withTransaction { connection in
            try await Self.softCommit(connection)
            let taken = try await connection.query(
                """
                insert into realm_leases as lease (realm_id, worker_id, expires_at) values ($1, $2, now() + $3 * interval '1 millisecond')
                on conflict (realm_id) do update set worker_id = excluded.worker_id, expires_at = excluded.expires_at, wanted_at = null
                where lease.worker_id = excluded.worker_id or lease.expires_at < now()
                returning 1 as taken
                """, [.text(realm), .text(workerID), .int64(duration.milliseconds)])
            guard !taken.isEmpty else {
                try await connection.execute(
                    "update realm_leases set wanted_at = coalesce(wanted_at, now()) where realm_id = $1", [.text(realm)])
                return nil
            }
            let rows = try await connection.query(
                """
                select extract(epoch from now() - second)::float8 as age, calls, batches from realm_calls
                where realm_id = $1 and second > now() - $2 * interval '1 millisecond'
                """, [.text(realm), .int64(window.milliseconds + 1000)])
            // A second recorded ahead of now (the rounding up) reads as age 0.
            var window = Window()
            for row in rows {
                let age = Duration.milliseconds(max(0, Int64(try row.decode(Double.self, "age") * 1000)))
                let batches = try row.decode(Int.self, "batches")
                window.singles += Array(repeating: age, count: try row.decode(Int.self, "calls") - batches)
                window.batches += Array(repeating: age, count: batches)
            }
            return window
        }
    }

    /// Records calls made under the lease (their ages) and extends it; says whether it is still
    /// ours and whether another worker waits for it.
    func renew(_ realm: String, calls: Window) async throws -> (held: Bool, wanted: Bool) {
        try await database.withTransaction { connection in
            try await Self.softCommit(connection)
            try await record(realm, calls: calls, on: connection)
            let rows = try await connection.query(
                """
                update realm_leases set expires_at = now() + $3 * interval '1 millisecond'
                where realm_id = $1 and worker_id = $2 returning wanted_at is not null as wanted
                """, [.text(realm), .text(workerID), .int64(duration.milliseconds)])
            guard let row = rows.first else { return (false, false) }
            return (true, try row.decode(Bool.self, "wanted"))
        }
    }

    /// Records the last calls and lets the lease go.
    func release(_ realm: String, calls: Window) async throws {
        try await database.withTransaction { connection in
            try await Self.softCommit(connection)
            try await record(realm, calls: calls, on: connection)
            try await connection.execute(
                "delete from realm_leases where realm_id = $1 and worker_id = $2", [.text(realm), .text(workerID)])
        }
    }

    /// Leases and the window are soft state (a lease lapses by itself; a crash loses at most the
    /// last calls' record): their commits do not wait for the disk.
    private static func softCommit(_ connection: PostgresConnection) async throws {
        try await connection.execute("set local synchronous_commit = off")
    }

    /// Counts calls per second, each in the second after it was made: read back, a call looks
    /// younger than it was, never older, so the next holder never sends one too soon.
    private func record(_ realm: String, calls: Window, on connection: PostgresConnection) async throws {
        guard !calls.singles.isEmpty || !calls.batches.isEmpty else { return }
        try await connection.execute(
            """
            insert into realm_calls (realm_id, second, calls, batches)
            select $1, date_trunc('second', now() - age * interval '1 millisecond') + interval '1 second', count(*)::integer,
                   (count(*) filter (where batch))::integer
            from (select age, false as batch from unnest($2::bigint[]) as age
                  union all select age, true from unnest($3::bigint[]) as age) as call
            group by 2
            on conflict (realm_id, second) do update
                set calls = realm_calls.calls + excluded.calls, batches = realm_calls.batches + excluded.batches
            """, [.text(realm), .int64Array(calls.singles.map(\.milliseconds)), .int64Array(calls.batches.map(\.milliseconds))])
        try await connection.execute(
            "delete from realm_calls where realm_id = $1 and second < now() - $2 * interval '1 millisecond'",
            [.text(realm), .int64(window.milliseconds * 2 + 1000)])
    }
}

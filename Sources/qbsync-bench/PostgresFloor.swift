import Foundation
import Logging
import Postgres

/// What this machine's PostgreSQL does when events are written the cheapest way qbsync's design
/// allows: 50 events per transaction, three set-based statements each (the ledger, the documents
/// upserted, the outbox), from 8 clients, fsync as configured. qbsync's rate is read against it.
struct PostgresFloor {
    var clients = 8
    var eventsPerTransaction = 50
    var duration: Duration

    struct Result {
        var events: Int
        var seconds: Double
        var rate: Double { Double(events) / seconds }
    }

    func run(server: String, logger: Logger) async throws -> Result {
        let (url, drop) = try await BenchDatabase.create(server: server, logger: logger)
        let database = try PostgresClient(configuration: PostgresConfiguration(connectionString: url, poolSize: clients), logger: logger)
        do {
            let result = try await measure(database)
            await database.shutdown()
            await drop()
            return result
        } catch {
            await database.shutdown()
            await drop()
            throw error
        }
    }

    private func measure(_ database: PostgresClient) async throws -> Result {
        try await database.withConnection { connection in
            try await connection.executeScript(
                """
                create table floor_ledger (event_id text primary key, firm_id text not null, kafka_offset bigint not null,
                                           processed_at timestamptz not null default now());
                create table floor_documents (firm_id text not null, document_id text not null, revision bigint not null,
                                              content bytea not null, primary key (firm_id, document_id));
                create table floor_outbox (id bigserial primary key, topic text not null, message_key text not null, payload bytea not null);
                """)
        }
        // An invoice event's size, about.
        let content = String(repeating: "x", count: 600)
        let perTransaction = eventsPerTransaction
        let start = ContinuousClock.now
        let deadline = start + duration
        let written = try await withThrowingTaskGroup(of: Int.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var sequence = 0
                    var events = 0
                    while ContinuousClock.now < deadline {
                        let ids = (0..<perTransaction).map { "c\(client)-e\(sequence + $0)" }
                        let firms = ids.map { _ in "firm-\(client)" }
                        sequence += perTransaction
                        try await database.withTransaction { connection in
                            try await connection.execute(
                                """
                                insert into floor_ledger (event_id, firm_id, kafka_offset)
                                select id, firm, ordinality from unnest($1::text[], $2::text[]) with ordinality as e(id, firm, ordinality)
                                """, [.textArray(ids), .textArray(firms)])
                            try await connection.execute(
                                """
                                insert into floor_documents (firm_id, document_id, revision, content)
                                select firm, id, 1, convert_to($3, 'UTF8') from unnest($1::text[], $2::text[]) as e(id, firm)
                                on conflict (firm_id, document_id) do update set revision = excluded.revision, content = excluded.content
                                """, [.textArray(ids), .textArray(firms), .text(content)])
                            try await connection.execute(
                                """
                                insert into floor_outbox (topic, message_key, payload)
                                select 'qbsync.sync-status', firm, convert_to(id, 'UTF8') from unnest($1::text[], $2::text[]) as e(id, firm)
                                """, [.textArray(ids), .textArray(firms)])
                        }
                        events += perTransaction
                    }
                    return events
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        return Result(events: written, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

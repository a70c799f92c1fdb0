import Postgres
import Testing

@Suite("LISTEN / NOTIFY")
struct NotificationTests {
    @Test("notifications on a channel arrive in order, with their payloads", .timeLimit(.minutes(1)))
    func notificationsArrive() async throws {
        let channel = TestDatabase.uniqueName("Channel")  // mixed case: used verbatim
        try await TestDatabase.withClient { client in
            let received = try await client.withNotifications(on: channel) { notifications in
                try await client.withConnection { connection in
                    try await connection.notify(channel: "other_\(channel)", payload: "not for us")
                    for payload in ["one", "two 'quoted'", ""] {
                        try await connection.notify(channel: channel, payload: payload)
                    }
                }
                var payloads: [String] = []
                for try await notification in notifications {
                    #expect(notification.channel == channel)
                    payloads.append(notification.payload)
                    if payloads.count == 3 { break }
                }
                return payloads
            }
            #expect(received == ["one", "two 'quoted'", ""])
        }
    }

    @Test("a notification sent inside a transaction arrives only after commit", .timeLimit(.minutes(1)))
    func notificationWaitsForCommit() async throws {
        let channel = TestDatabase.uniqueName("tx")
        try await TestDatabase.withClient { client in
            try await client.withNotifications(on: channel) { notifications in
                struct Abort: Error {}
                await #expect(throws: Abort.self) {
                    try await client.withTransaction { tx in
                        try await tx.notify(channel: channel, payload: "rolled back")
                        throw Abort()
                    }
                }
                try await client.withTransaction { tx in
                    try await tx.notify(channel: channel, payload: "committed")
                }
                var iterator = notifications.makeAsyncIterator()
                let first = try await iterator.next()
                #expect(first?.payload == "committed")
            }
        }
    }

    @Test("the notification stream fails with isConnectionLoss when its session is killed", .timeLimit(.minutes(1)))
    func listenerConnectionLoss() async throws {
        let channel = TestDatabase.uniqueName("killed")
        try await TestDatabase.withClient { client in
            let error = await #expect(throws: PostgresError.self) {
                try await client.withNotifications(on: channel) { notifications in
                    try await client.withConnection { connection in
                        let rows = try await connection.query(
                            "select pg_terminate_backend(pid) as killed from pg_stat_activity where query = $1",
                            [.text("LISTEN \"\(channel)\"")]
                        )
                        #expect(try rows.map { try $0.decode(Bool.self, "killed") } == [true])
                    }
                    for try await _ in notifications {}
                }
            }
            #expect(error?.isConnectionLoss == true)
        }
    }
}

import Foundation
import QuickBooks
import QuickBooksSandbox
import Testing

@testable import SyncWorker

/// "Sync Account to QuickBooks: Select from the list of available QuickBooks clients": the list,
/// from the firm's QuickBooks company, through the worker's admin API.
@Suite("The QuickBooks customer picker", .timeLimit(.minutes(2)))
struct CustomerPickerTests {
    struct Page: Decodable {
        struct Customer: Decodable {
            var qboID: String
            var displayName: String
            var active: Bool
            var linkedAccounts: [String]

            enum CodingKeys: String, CodingKey {
                case qboID = "qbo_id"
                case displayName = "display_name"
                case active
                case linkedAccounts = "linked_accounts"
            }
        }
        var customers: [Customer]
        var nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case customers
            case nextCursor = "next_cursor"
        }
    }

    /// Runs a worker with its HTTP server and hands `body` the picker's URL for `firm`.
    static func withPicker(_ env: TestEnvironment, firm: String = "f1", _ body: (String) async throws -> Void) async throws {
        try await env.withHTTPWorker { port in try await body("http://127.0.0.1:\(port)/admin/firms/\(firm)/quickbooks/customers") }
    }

    static func get(_ url: String) async throws -> Page {
        let answer = try await HTTP.response("GET", url, token: "test-admin-token")
        guard answer.status == 200 else { throw StatusStream.StreamFailed(message: "GET \(url): \(answer.status) \(answer.body)") }
        return try JSONDecoder().decode(Page.self, from: Data(answer.body.utf8))
    }

    @Test("finds \"Jane O'Neil\" by \"jane o'\", shows an inactive customer only on request, marks linked accounts, and caches")
    func searchInactiveLinked() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let jane = try await env.seedCustomer(realm: realm, name: "Jane O'Neil")
            _ = try await env.seedCustomer(realm: realm, name: "Bob Back\\slash")
            let hara = try await env.seedCustomer(realm: realm, name: "Jane O'Hara")
            let (client, access) = try await env.apiAccess(realm: realm)
            let current = try await client.customer(id: hara, access: access)
            _ = try await client.update(
                "Customer", Customer(id: hara, syncToken: current.syncToken, displayName: "Jane O'Hara", active: false),
                sparse: true, requestID: UUID().uuidString, access: access)
            let worker = try await env.startWorker()
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Jane", mode: "existing", customerID: jane))
            _ = try await env.status.wait("f1:account:a1", is: "synced")
            try await worker.stop()

            try await Self.withPicker(env) { url in
                let found = try await Self.get("\(url)?search=jane%20o%27")
                #expect(found.customers.map(\.displayName) == ["Jane O'Neil"])
                #expect(found.customers.first?.linkedAccounts == ["a1"])
                #expect(found.customers.first?.qboID == jane)
                let withInactive = try await Self.get("\(url)?search=JANE%20O%27&include_inactive=true")
                #expect(withInactive.customers.map(\.displayName) == ["Jane O'Neil", "Jane O'Hara"], "active first")
                #expect(withInactive.customers.map(\.active) == [true, false])
                #expect(try await Self.get("\(url)?search=back%5Cslash").customers.map(\.displayName) == ["Bob Back\\slash"])
                // The same question again is answered from the cache: QuickBooks is not asked.
                let before = try env.sandbox.inspector.counters(realmId: realm).requests
                _ = try await Self.get("\(url)?search=jane%20o%27")
                #expect(try env.sandbox.inspector.counters(realmId: realm).requests == before)
                let bad = try await HTTP.response("GET", "\(url)?limit=0", token: "test-admin-token")
                #expect(bad.status == 400 && bad.body.contains("limit"))
            }
            try await Self.withPicker(env, firm: "nobody") { url in
                let answer = try await HTTP.response("GET", url, token: "test-admin-token")
                #expect(answer.status == 404 && answer.body.contains("not connected"), "\(answer.body)")
            }
        }
    }

    @Test("pages through 250 customers with a cursor, each once, in name order")
    func paging() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            let (client, access) = try await env.apiAccess(realm: realm)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 1, through: 250, by: 25) {
                    group.addTask {
                        for number in chunk..<(chunk + 25) {
                            _ = try await client.createCustomer(
                                displayName: String(format: "Client %03d", number), requestID: UUID().uuidString, access: access)
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await Self.withPicker(env) { url in
                var names: [String] = []
                var cursor: String?
                var pages = 0
                repeat {
                    let page = try await Self.get("\(url)?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""))
                    names += page.customers.map(\.displayName)
                    cursor = page.nextCursor
                    pages += 1
                } while cursor != nil && pages < 10
                #expect(pages == 3)
                #expect(names == (1...250).map { String(format: "Client %03d", $0) })
            }
        }
    }
}

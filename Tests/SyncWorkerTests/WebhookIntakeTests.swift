import Foundation
import Postgres
import SyncCore
import Testing

@testable import SyncWorker

/// `POST /webhooks/quickbooks`: signed notifications are committed before the answer, once
/// however often QuickBooks delivers them; anything not signed with the verifier token is refused.
@Suite("QuickBooks webhooks", .timeLimit(.minutes(2)))
struct WebhookIntakeTests {
    static let verifier = "webhook-verifier-token-0123456789"

    static func withWorker(
        _ env: TestEnvironment, verifier: String = Self.verifier, configure: (inout WorkerConfiguration) -> Void = { _ in },
        _ body: (String) async throws -> Void
    ) async throws {
        var configuration = env.workerConfiguration()
        configuration.webhookVerifierToken = verifier
        configure(&configuration)
        try await env.withHTTPWorker(configuration) { port in try await body("http://127.0.0.1:\(port)/webhooks/quickbooks") }
    }

    static func post(_ url: String, _ body: String, signedWith token: String? = Self.verifier) async throws -> (status: UInt, body: String)
    {
        let signature = token.map { WebhookSignature.sign(body: Array(body.utf8), verifierToken: $0) }
        return try await HTTP.response("POST", url, headers: signature.map { [("intuit-signature", $0)] } ?? [], body: body)
    }

    static func recorded(_ env: TestEnvironment) async throws -> [(entity: String, id: String, operation: String)] {
        try await env.database.withConnection { connection in
            try await connection.query("select entity, entity_id, operation from quickbooks_notifications order by id").map {
                (try $0.decode(String.self, "entity"), try $0.decode(String.self, "entity_id"), try $0.decode(String.self, "operation"))
            }
        }
    }

    static let legacy = #"""
        {"eventNotifications":[{"realmId":"9130","dataChangeEvent":{"entities":[
          {"name":"Invoice","id":"145","operation":"Delete","lastUpdated":"2026-12-02T10:00:00.000Z"},
          {"name":"Customer","id":"7","operation":"Merge","deletedId":"9","lastUpdated":"2026-12-02T10:00:01.000Z"}]}}]}
        """#

    static let cloudEvents = #"""
        [{"specversion":"1.0","id":"evt-1","source":"intuit.quickbooks","type":"qbo.payment.voided.v1","datacontenttype":"application/json",
          "time":"2026-12-02T10:00:02.000Z","intuitentityid":"88","intuitaccountid":"9130","data":{}}]
        """#

    @Test("a signed notification is recorded before the answer, in either format, and once however often it is delivered")
    func recordedOnce() async throws {
        try await TestEnvironment.with { env in
            try await Self.withWorker(env) { url in
                for _ in 1...3 {
                    let answer = try await Self.post(url, Self.legacy)
                    #expect(answer.status == 200, "\(answer.body)")
                }
                let cloud = try await Self.post(url, Self.cloudEvents)
                #expect(cloud.status == 200 && cloud.body == #"{"received":1,"new":1}"#, "\(cloud.body)")
                let rows = try await Self.recorded(env)
                #expect(
                    rows.map { "\($0.entity) \($0.id) \($0.operation)" } == ["Invoice 145 Delete", "Customer 7 Merge", "Payment 88 Void"])
                let merged = try await env.database.withConnection { connection in
                    try await connection.query("select deleted_id from quickbooks_notifications where operation = 'Merge'").first?.decode(
                        String.self, "deleted_id")
                }
                #expect(merged == "9")
            }
        }
    }

    @Test(
        "a webhook not signed with the verifier token (forged, signed with an old token, unsigned, or altered) is refused and records nothing"
    )
    func forged() async throws {
        try await TestEnvironment.with { env in
            try await Self.withWorker(env) { (url: String) async throws in
                #expect(try await Self.post(url, Self.legacy, signedWith: "an-old-verifier-token-rotated-away").status == 401)
                #expect(try await Self.post(url, Self.legacy, signedWith: nil).status == 401)
                let signature = WebhookSignature.sign(body: Array(Self.legacy.utf8), verifierToken: Self.verifier)
                let altered = Self.legacy.replacingOccurrences(of: "145", with: "146")
                #expect(try await HTTP.response("POST", url, headers: [("intuit-signature", signature)], body: altered).status == 401)
                #expect(
                    try await HTTP.response("POST", url, headers: [("intuit-signature", "not base64!")], body: Self.legacy).status == 401)
                #expect(try await Self.post(url, #"{"hello":"world"}"#).status == 400, "signed, but not a QuickBooks payload")
                #expect(try await Self.recorded(env).isEmpty)
            }
        }
    }

    @Test("without a verifier token the endpoint is off")
    func off() async throws {
        try await TestEnvironment.with { env in
            try await Self.withWorker(env, verifier: "") { (url: String) async throws in
                #expect(try await Self.post(url, Self.legacy).status == 404)
            }
        }
    }
}

import Testing

@testable import SyncCore

@Suite("QuickBooks webhook payloads and signatures")
struct WebhookPayloadTests {
    @Test("the legacy format gives one notification per entity, with the realm, the merge's deleted id and the time as sent")
    func legacy() throws {
        let body =
            #"{"eventNotifications":[{"realmId":"1","dataChangeEvent":{"entities":[{"name":"Customer","id":"7","operation":"Merge","deletedId":"9","lastUpdated":"2026-12-02T10:00:01Z"}]}},{"realmId":"2","dataChangeEvent":{"entities":[{"name":"Invoice","id":"3","operation":"Void","lastUpdated":"t"}]}}]}"#
        let notifications = try WebhookPayload.notifications(from: Array(body.utf8))
        #expect(
            notifications == [
                QuickBooksNotification(
                    realmID: "1", entity: "Customer", entityID: "7", operation: .merge, changedAt: "2026-12-02T10:00:01Z", deletedID: "9"),
                QuickBooksNotification(realmID: "2", entity: "Invoice", entityID: "3", operation: .void, changedAt: "t"),
            ])
    }

    @Test(
        "CloudEvents name the entity and operation in their type",
        arguments: [
            ("qbo.customer.updated.v1", "Customer", QuickBooksNotification.Operation.update),
            ("qbo.invoice.deleted.v1", "Invoice", .delete),
            ("qbo.payment.voided.v1", "Payment", .void), ("qbo.creditmemo.created.v1", "CreditMemo", .create),
            ("qbo.customer.merged.v1", "Customer", .merge),
        ])
    func cloudEvents(type: String, entity: String, operation: QuickBooksNotification.Operation) throws {
        let body =
            #"[{"specversion":"1.0","id":"e","type":"\#(type)","time":"2026-12-02T10:00:00Z","intuitentityid":"5","intuitaccountid":"R","data":{"deletedId":"4"}}]"#
        let notification = try #require(try WebhookPayload.notifications(from: Array(body.utf8)).first)
        #expect(
            notification
                == QuickBooksNotification(
                    realmID: "R", entity: entity, entityID: "5", operation: operation,
                    changedAt: "2026-12-02T10:00:00Z", deletedID: "4"))
    }

    @Test(
        "bodies that are not QuickBooks notifications are refused, saying why",
        arguments: [
            "", "null", #"{"hello":1}"#,
            #"[{"specversion":"1.0","id":"e","type":"qbo.customer.exploded.v1","time":"t","intuitentityid":"1","intuitaccountid":"R"}]"#,
            #"{"eventNotifications":[{"realmId":"1","dataChangeEvent":{"entities":[{"name":"Invoice","id":"1","operation":"Shred","lastUpdated":"t"}]}}]}"#,
        ])
    func refused(body: String) {
        #expect(throws: WebhookPayloadError.self) { try WebhookPayload.notifications(from: Array(body.utf8)) }
    }

    @Test("a signature verifies only for its body and token")
    func signatures() {
        let body = Array(#"{"eventNotifications":[]}"#.utf8)
        let signature = WebhookSignature.sign(body: body, verifierToken: "token-a")
        #expect(WebhookSignature.isValid(body: body, signature: signature, verifierToken: "token-a"))
        #expect(!WebhookSignature.isValid(body: body, signature: signature, verifierToken: "token-b"))
        #expect(!WebhookSignature.isValid(body: body + [0x20], signature: signature, verifierToken: "token-a"))
        #expect(!WebhookSignature.isValid(body: body, signature: "%%%", verifierToken: "token-a"))
        #expect(!WebhookSignature.isValid(body: body, signature: "", verifierToken: "token-a"))
    }
}

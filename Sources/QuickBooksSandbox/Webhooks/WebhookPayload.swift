import Crypto
import Foundation

/// The body of one webhook delivery in the format the app chose, and its `intuit-signature`.
///
/// Built once per delivery: a retry resends the same bytes, so CloudEvents ids repeat as they
/// do when Intuit retries, and a receiver can use them to drop duplicates.
struct WebhookPayload: Sendable {
    let body: [UInt8]
    let signature: String

    init(format: SandboxWebhooks.Format, realmId: String, changes: [EntityChange], verifierToken: String) {
        let document: JSONValue
        switch format {
        case .legacy: document = Self.legacy(realmId: realmId, changes: changes)
        case .cloudEvents: document = Self.cloudEvents(realmId: realmId, changes: changes)
        }
        body = JSONWriter.serialize(document)
        signature = Self.signature(of: body, verifierToken: verifierToken)
    }

    /// `base64(HMAC-SHA256(key: verifierToken, message: body))`, what Intuit puts in `intuit-signature`.
    static func signature(of body: [UInt8], verifierToken: String) -> String {
        let key = SymmetricKey(data: Array(verifierToken.utf8))
        let code = HMAC<SHA256>.authenticationCode(for: body, using: key)
        return Data(code).base64EncodedString()
    }

    /// `{"eventNotifications":[{"realmId":…,"dataChangeEvent":{"entities":[…]}}]}`
    static func legacy(realmId: String, changes: [EntityChange]) -> JSONValue {
        let entities: [JSONValue] = changes.map { change in
            var entity: [String: JSONValue] = [
                "name": .string(change.entity.rawValue), "id": .string(change.id),
                "operation": .string(change.operation.rawValue),
                "lastUpdated": .string(IntuitTime.utcTimestamp(change.lastUpdated)),
            ]
            if let deletedId = change.deletedId { entity["deletedId"] = .string(deletedId) }
            return .object(entity)
        }
        return .object([
            "eventNotifications": .array([
                .object([
                    "realmId": .string(realmId),
                    "dataChangeEvent": .object(["entities": .array(entities)]),
                ])
            ])
        ])
    }

    /// A JSON array of CloudEvents 1.0, one event per change.
    static func cloudEvents(realmId: String, changes: [EntityChange]) -> JSONValue {
        .array(
            changes.map { change in
                var data: [String: JSONValue] = [:]
                if let deletedId = change.deletedId { data["deletedId"] = .string(deletedId) }
                return .object([
                    "specversion": .string("1.0"),
                    "id": .string(UUID().uuidString.lowercased()),
                    "source": .string("intuit.quickbooks"),
                    "type": .string("qbo.\(change.entity.rawValue.lowercased()).\(change.operation.pastTense).v1"),
                    "datacontenttype": .string("application/json"),
                    "time": .string(IntuitTime.utcTimestamp(change.lastUpdated)),
                    "intuitentityid": .string(change.id),
                    "intuitaccountid": .string(realmId),
                    "data": .object(data),
                ])
            })
    }
}

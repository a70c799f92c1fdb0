import Crypto
import Foundation

/// One change QuickBooks reports in a company (a webhook notification, or an object found by
/// change-data-capture): which object, what happened to it, and when.
public struct QuickBooksNotification: Sendable, Hashable {
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        case create = "Create"
        case update = "Update"
        case delete = "Delete"
        case merge = "Merge"
        case void = "Void"
    }

    public var realmID: String
    /// The entity name as QuickBooks spells it ("Customer", "Invoice", "Payment").
    public var entity: String
    public var entityID: String
    public var operation: Operation
    /// When it changed, as QuickBooks wrote it (repeats of one notification carry the same).
    public var changedAt: String
    /// For a merge: the object merged away (into ``entityID``).
    public var deletedID: String?
    /// The object's SyncToken after the change, when known (change-data-capture gives it).
    public var syncToken: String?

    public init(
        realmID: String, entity: String, entityID: String, operation: Operation, changedAt: String, deletedID: String? = nil,
        syncToken: String? = nil
    ) {
        self.realmID = realmID
        self.entity = entity
        self.entityID = entityID
        self.operation = operation
        self.changedAt = changedAt
        self.deletedID = deletedID
        self.syncToken = syncToken
    }
}

/// A webhook body qbsync cannot read.
public struct WebhookPayloadError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// The two webhook payload formats QuickBooks sends (SPEC §4): the legacy
/// `{"eventNotifications":[{"realmId","dataChangeEvent":{"entities":[…]}}]}` and, since
/// Intuit's 2025 change, an array of CloudEvents (`type` such as `qbo.customer.updated.v1`).
public enum WebhookPayload {
    public static func notifications(from body: [UInt8]) throws(WebhookPayloadError) -> [QuickBooksNotification] {
        let data = Data(body)
        let first = body.first { !Self.whitespace.contains($0) }
        do {
            switch first {
            case UInt8(ascii: "{")?:
                let legacy = try JSONDecoder().decode(Legacy.self, from: data)
                return try legacy.eventNotifications.flatMap { notification throws(WebhookPayloadError) in
                    try notification.dataChangeEvent.entities.map { entity throws(WebhookPayloadError) in
                        guard let operation = QuickBooksNotification.Operation(rawValue: entity.operation) else {
                            throw WebhookPayloadError(description: "unknown operation \(entity.operation)")
                        }
                        return QuickBooksNotification(
                            realmID: notification.realmId, entity: entity.name, entityID: entity.id,
                            operation: operation, changedAt: entity.lastUpdated, deletedID: entity.deletedId)
                    }
                }
            case UInt8(ascii: "[")?:
                return try JSONDecoder().decode([CloudEvent].self, from: data).map { event throws(WebhookPayloadError) in
                    try event.notification()
                }
            default:
                throw WebhookPayloadError(description: "not a QuickBooks webhook payload (neither an object nor an array)")
            }
        } catch let error as WebhookPayloadError {
            throw error
        } catch {
            throw WebhookPayloadError(description: "unreadable webhook payload: \(error)")
        }
    }

    private static let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]

    private struct Legacy: Decodable {
        struct Notification: Decodable {
            var realmId: String
            var dataChangeEvent: DataChangeEvent
        }
        struct DataChangeEvent: Decodable {
            var entities: [Entity]
        }
        struct Entity: Decodable {
            var name: String
            var id: String
            var operation: String
            var lastUpdated: String
            var deletedId: String?
        }
        var eventNotifications: [Notification]
    }

    private struct CloudEvent: Decodable {
        struct Payload: Decodable {
            var deletedId: String?
        }
        var specversion: String
        var id: String
        var type: String
        var time: String
        var intuitentityid: String
        var intuitaccountid: String
        var data: Payload?

        /// `qbo.<entity>.<past tense>.v<n>`, e.g. `qbo.invoice.voided.v1`.
        func notification() throws(WebhookPayloadError) -> QuickBooksNotification {
            let parts = type.split(separator: ".")
            guard parts.count >= 3, parts[0] == "qbo", let entity = WebhookPayload.entityNames[parts[1].lowercased()],
                let operation = WebhookPayload.operations[parts[2].lowercased()]
            else {
                throw WebhookPayloadError(description: "unknown CloudEvent type \(type)")
            }
            return QuickBooksNotification(
                realmID: intuitaccountid, entity: entity, entityID: intuitentityid, operation: operation,
                changedAt: time, deletedID: data?.deletedId)
        }
    }

    /// QuickBooks' entity names by their lowercase spelling in CloudEvent types.
    static let entityNames: [String: String] = Dictionary(
        uniqueKeysWithValues: [
            "Customer", "Invoice", "Payment", "CreditMemo", "RefundReceipt", "Purchase", "Item", "Account", "Vendor", "Employee",
            "Estimate", "SalesReceipt", "Bill", "BillPayment", "JournalEntry", "Deposit", "Transfer", "TimeActivity",
        ].map { ($0.lowercased(), $0) })

    static let operations: [String: QuickBooksNotification.Operation] = [
        "created": .create, "updated": .update, "deleted": .delete, "merged": .merge, "voided": .void,
    ]
}

/// The `intuit-signature` header: base64 of HMAC-SHA256 over the raw body, keyed with the app's
/// verifier token. Compared in constant time.
public enum WebhookSignature {
    public static func isValid(body: [UInt8], signature: String, verifierToken: String) -> Bool {
        guard let mac = Data(base64Encoded: signature.trimmingCharacters(in: .whitespaces)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: Array(verifierToken.utf8)))
    }

    /// The signature QuickBooks would send for `body` (for tests and the sandbox's counterpart).
    public static func sign(body: [UInt8], verifierToken: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(verifierToken.utf8)))).base64EncodedString()
    }
}

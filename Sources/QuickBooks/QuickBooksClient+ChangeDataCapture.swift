import Foundation

/// An object change-data-capture reports: changed (as it is now) or deleted.
public struct ChangedObject: Sendable, Hashable {
    public var entity: String
    public var id: String
    public var syncToken: String?
    public var deleted: Bool
    /// `Active`, for name lists (customers, items, accounts); nil when the object has none.
    public var active: Bool?
    /// `MetaData.LastUpdatedTime`, as QuickBooks wrote it.
    public var lastUpdated: String?
}

/// What `GET …/cdc` answered.
public struct ChangeSet: Sendable, Hashable {
    public var objects: [ChangedObject]
    /// Entities whose answer was cut at QuickBooks' 1,000 objects: ask again from their newest.
    public var truncated: Set<String>
}

extension QuickBooksClient {
    /// QuickBooks answers at most this many objects per entity per change-data-capture call.
    public static let maxChangedObjects = 1000
    /// How far back change-data-capture reaches.
    public static let changeDataCaptureReach: Duration = .seconds(30 * 24 * 3600)

    /// `GET /v3/company/{realm}/cdc?entities=…&changedSince=…`: the objects of `entities` changed
    /// or deleted since `since` (at most 30 days back).
    public func changes(entities: [String], since: Date, access: RealmAccess) async throws(QuickBooksError) -> ChangeSet {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let response = try await send(
            .GET, path: "cdc", query: [("entities", entities.joined(separator: ",")), ("changedSince", formatter.string(from: since))],
            body: nil, access: access, operation: "cdc")
        do {
            let envelope = try JSONDecoder().decode(ChangeEnvelope.self, from: response)
            var objects: [ChangedObject] = []
            var truncated: Set<String> = []
            for answer in envelope.answers.flatMap(\.queryResponse) {
                for (entity, found) in answer.objects {
                    if found.count >= Self.maxChangedObjects { truncated.insert(entity) }
                    objects += found.map {
                        ChangedObject(
                            entity: entity, id: $0.id, syncToken: $0.syncToken, deleted: $0.status == "Deleted", active: $0.active,
                            lastUpdated: $0.metaData?.lastUpdatedTime)
                    }
                }
            }
            return ChangeSet(objects: objects, truncated: truncated)
        } catch {
            throw QuickBooksError(
                httpStatus: 200, faultType: nil, errors: [], operation: "cdc",
                transportError: "unreadable change-data-capture response: \(error)")
        }
    }
}

/// `{"CDCResponse":[{"QueryResponse":[{"Customer":[…],"startPosition":1,…},{"Invoice":[…]}]}],"time":…}`.
private struct ChangeEnvelope: Decodable {
    struct Answer: Decodable {
        var queryResponse: [EntityAnswer]
        enum CodingKeys: String, CodingKey { case queryResponse = "QueryResponse" }
    }
    struct EntityAnswer: Decodable {
        var objects: [String: [Object]] = [:]
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: DynamicEntityKey.self)
            for key in container.allKeys where !["startPosition", "maxResults", "totalCount"].contains(key.stringValue) {
                objects[key.stringValue] = try container.decode([Object].self, forKey: key)
            }
        }
    }
    struct Object: Decodable {
        struct MetaData: Decodable {
            var lastUpdatedTime: String?
            enum CodingKeys: String, CodingKey { case lastUpdatedTime = "LastUpdatedTime" }
        }
        var id: String
        var syncToken: String?
        var status: String?
        var active: Bool?
        var metaData: MetaData?
        enum CodingKeys: String, CodingKey {
            case id = "Id"
            case syncToken = "SyncToken"
            case status
            case active = "Active"
            case metaData = "MetaData"
        }
    }
    var answers: [Answer]
    enum CodingKeys: String, CodingKey { case answers = "CDCResponse" }
}

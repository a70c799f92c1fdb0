import Foundation

/// One entity in a realm: its QuickBooks fields plus the bookkeeping QuickBooks adds
/// (Id, SyncToken, MetaData) and whether it was voided or deleted.
struct StoredEntity: Sendable {
    enum Status: Sendable, Equatable {
        case live
        case voided
        case deleted
    }

    let type: QuickBooksEntityType
    let id: Int
    var syncToken: Int
    let createTime: Date
    var updateTime: Date
    var status: Status
    /// Everything except Id, SyncToken, MetaData, domain and sparse.
    var fields: [String: JSONValue]

    /// Name lists default to active; transactions have no `Active`.
    var isActive: Bool { fields["Active"]?.boolValue ?? true }

    var idText: String { String(id) }

    /// The entity as QuickBooks serves it.
    func rendered() -> JSONValue {
        var document = fields
        document["Id"] = .string(idText)
        document["SyncToken"] = .string(String(syncToken))
        document["MetaData"] = .object([
            "CreateTime": .string(IntuitTime.metadataTime(createTime)),
            "LastUpdatedTime": .string(IntuitTime.metadataTime(updateTime)),
        ])
        document["domain"] = .string("QBO")
        document["sparse"] = .bool(false)
        return .object(document)
    }

    /// What a delete answers, and what change data capture reports for a deleted entity.
    func deletedStub(includeMetaData: Bool) -> JSONValue {
        var document: [String: JSONValue] = [
            "Id": .string(idText), "status": .string("Deleted"), "domain": .string("QBO"),
        ]
        if includeMetaData {
            document["MetaData"] = .object(["LastUpdatedTime": .string(IntuitTime.metadataTime(updateTime))])
        }
        return .object(document)
    }

    func cents(_ field: String) -> Int {
        fields[field]?.numberValue.map(Money.cents) ?? 0
    }

    /// DisplayName, Name or DocNumber: what a person would call this entity.
    var label: String? {
        if let name = type.nameField, let text = fields[name]?.stringValue { return text }
        return fields["DocNumber"]?.stringValue
    }
}

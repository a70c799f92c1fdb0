import Foundation

/// One change to an entity of a realm, as QuickBooks reports it in a webhook notification:
/// which entity, what happened to it and when.
struct EntityChange: Sendable, Equatable {
    /// The `operation` of a notification entity.
    enum Operation: String, Sendable, Equatable {
        case create = "Create"
        case update = "Update"
        case delete = "Delete"
        case merge = "Merge"
        case void = "Void"

        /// The verb in a CloudEvents `type` (`qbo.customer.updated.v1`).
        var pastTense: String {
            switch self {
            case .create: return "created"
            case .update: return "updated"
            case .delete: return "deleted"
            case .merge: return "merged"
            case .void: return "voided"
            }
        }
    }

    let entity: QuickBooksEntityType
    let id: String
    let operation: Operation
    /// The entity's new `MetaData.LastUpdatedTime` (to the millisecond; MetaData shows seconds).
    let lastUpdated: Date
    /// For a merge, the entity that was merged away into ``id``.
    let deletedId: String?

    init(entity: QuickBooksEntityType, id: String, operation: Operation, lastUpdated: Date, deletedId: String? = nil) {
        self.entity = entity
        self.id = id
        self.operation = operation
        self.lastUpdated = lastUpdated
        self.deletedId = deletedId
    }
}

/// Read-only views for the admin API and the in-process inspector.
extension RealmStore {
    func records(of type: QuickBooksEntityType) -> [SandboxRecord] {
        tables[type.ordinal].order.compactMap { id -> SandboxRecord? in
            entity(type, id).map(Self.record)
        }
    }

    static func record(_ entity: StoredEntity) -> SandboxRecord {
        SandboxRecord(
            entity: entity.type, id: entity.idText, syncToken: String(entity.syncToken),
            status: status(of: entity), label: entity.label, json: JSONWriter.string(entity.rendered())
        )
    }

    /// Entities per type, for the realm overview.
    func census() -> [QuickBooksEntityType: Int] {
        var counts: [QuickBooksEntityType: Int] = [:]
        for type in QuickBooksEntityType.allCases {
            counts[type] = tables[type.ordinal].order.count
        }
        return counts
    }

    static func status(of entity: StoredEntity) -> SandboxRecord.Status {
        switch entity.status {
        case .deleted: return .deleted
        case .voided: return .voided
        case .live: return entity.isActive ? .active : .inactive
        }
    }
}

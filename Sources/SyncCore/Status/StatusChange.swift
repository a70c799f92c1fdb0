/// One row of the QuickBooks column changing: what the status stream publishes.
///
/// `sequence` increases per entity so readers can drop stale events; `causedBy` is the id of
/// the ingress event (or internal trigger) that led to the change.
public struct StatusChange: Sendable, Hashable, Codable {
    public var firmID: String
    public var entity: EntityKind
    public var entityID: String
    public var accountID: String?
    public var status: SyncStatus
    public var previousStatus: SyncStatus?
    public var detail: String?
    public var errorCode: String?
    public var qboID: String?
    public var sequence: Int64
    public var causedBy: String

    public init(
        firmID: String, entity: EntityKind, entityID: String, accountID: String?,
        status: SyncStatus, previousStatus: SyncStatus?, detail: String?, errorCode: String?,
        qboID: String?, sequence: Int64, causedBy: String
    ) {
        self.firmID = firmID
        self.entity = entity
        self.entityID = entityID
        self.accountID = accountID
        self.status = status
        self.previousStatus = previousStatus
        self.detail = detail
        self.errorCode = errorCode
        self.qboID = qboID
        self.sequence = sequence
        self.causedBy = causedBy
    }

    /// The Kafka key of the compacted status topic: `<firm_id>:<entity>:<entity_id>`.
    public var key: String { "\(firmID):\(entity.rawValue):\(entityID)" }

    enum CodingKeys: String, CodingKey {
        case firmID = "firm_id"
        case entity
        case entityID = "entity_id"
        case accountID = "account_id"
        case status
        case previousStatus = "previous_status"
        case detail
        case errorCode = "error_code"
        case qboID = "qbo_id"
        case sequence
        case causedBy = "caused_by"
    }

    public func encode(to encoder: any Encoder) throws {
        // Every field is always present (null when empty) so consumers need no defaults.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(firmID, forKey: .firmID)
        try c.encode(entity, forKey: .entity)
        try c.encode(entityID, forKey: .entityID)
        try c.encode(accountID, forKey: .accountID)
        try c.encode(status, forKey: .status)
        try c.encode(previousStatus, forKey: .previousStatus)
        try c.encode(detail, forKey: .detail)
        try c.encode(errorCode, forKey: .errorCode)
        try c.encode(qboID, forKey: .qboID)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(causedBy, forKey: .causedBy)
    }
}

/// The Customer fields qbsync reads and writes.
public struct Customer: Sendable, Hashable, Codable {
    public var id: String?
    public var syncToken: String?
    /// Unique across customers, vendors and employees of a company.
    public var displayName: String
    public var active: Bool?
    /// The company's customer type ("Individual", "Business"…), when it has them set up.
    public var customerTypeRef: ReferenceType?
    public var metaData: ModificationMetaData?

    public init(
        id: String? = nil, syncToken: String? = nil, displayName: String, active: Bool? = nil, customerTypeRef: ReferenceType? = nil
    ) {
        self.id = id
        self.syncToken = syncToken
        self.displayName = displayName
        self.active = active
        self.customerTypeRef = customerTypeRef
    }

    /// QuickBooks omits `Active` on active customers in some responses.
    public var isActive: Bool { active ?? true }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case syncToken = "SyncToken"
        case displayName = "DisplayName"
        case active = "Active"
        case customerTypeRef = "CustomerTypeRef"
        case metaData = "MetaData"
    }
}

/// A product or service. qbsync uses Service items, one per service of the firm's catalogue.
///
/// Items are a name list: `Name` is unique among items (fault 6240), items are made inactive
/// (`Active = false`) rather than deleted, and an inactive item cannot be used on a line (610).
public struct Item: QuickBooksEntity, Hashable {
    public static let entityName = "Item"
    public static let serviceType = "Service"

    public var id: String?
    public var syncToken: String?
    public var name: String?
    public var fullyQualifiedName: String?
    /// "Service", "NonInventory", "Inventory"…
    public var type: String?
    /// The income account sales of this item post to; required for Service items.
    public var incomeAccountRef: ReferenceType?
    /// The default price; lines carry their own.
    public var unitPrice: QuickBooksDecimal?
    public var active: Bool?
    public var metaData: ModificationMetaData?

    public init(
        id: String? = nil, syncToken: String? = nil, name: String? = nil, type: String? = nil,
        incomeAccountRef: ReferenceType? = nil, unitPrice: QuickBooksDecimal? = nil, active: Bool? = nil
    ) {
        self.id = id
        self.syncToken = syncToken
        self.name = name
        self.type = type
        self.incomeAccountRef = incomeAccountRef
        self.unitPrice = unitPrice
        self.active = active
    }

    /// A new Service item posting to `incomeAccount`.
    public static func service(named name: String, incomeAccount: ReferenceType) -> Item {
        Item(name: name, type: serviceType, incomeAccountRef: incomeAccount)
    }

    /// QuickBooks omits `Active` on active items in some responses.
    public var isActive: Bool { active ?? true }

    /// A reference to this item for a sales line (needs ``id``).
    public var reference: ReferenceType? { id.map { ReferenceType(value: $0, name: name) } }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case syncToken = "SyncToken"
        case name = "Name"
        case fullyQualifiedName = "FullyQualifiedName"
        case type = "Type"
        case incomeAccountRef = "IncomeAccountRef"
        case unitPrice = "UnitPrice"
        case active = "Active"
        case metaData = "MetaData"
    }
}

/// One stored entity as the inspector reports it, inactive, voided and deleted ones included.
public struct SandboxRecord: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case active
        /// A name-list entity with `Active = false`.
        case inactive
        case voided
        case deleted
    }

    public let entity: QuickBooksEntityType
    /// The QuickBooks `Id`.
    public let id: String
    /// The current `SyncToken`.
    public let syncToken: String
    public let status: Status
    /// DisplayName (customers), Name (items, accounts) or DocNumber (transactions), when present.
    public let label: String?
    /// The entity exactly as the API would serve it, as JSON text.
    public let json: String
}

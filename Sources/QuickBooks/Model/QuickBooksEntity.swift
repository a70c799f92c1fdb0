/// An object the Accounting API addresses as `/v3/company/{realmId}/{entity}`, versioned by its
/// `SyncToken`.
public protocol QuickBooksEntity: Codable, Sendable {
    /// The entity name as QuickBooks spells it in bodies and queries ("Invoice"); the URL path
    /// uses it in lower case.
    static var entityName: String { get }
    /// Assigned by QuickBooks on create.
    var id: String? { get set }
    /// The version QuickBooks last saw; every update, void and delete must send the current one.
    var syncToken: String? { get set }
}

/// The three forms of "Sync Account to QuickBooks".
public enum LinkMode: Sendable, Hashable {
    /// Match by name: an exact DisplayName match (inactive customers included), else create.
    case auto
    /// Link to the customer the user chose from the list.
    case existing(customerID: String)
    /// Create a new customer.
    case create

    /// The wire name used in events and the database.
    public var name: String {
        switch self {
        case .auto: "auto"
        case .existing: "existing"
        case .create: "create"
        }
    }

    /// The chosen customer for `.existing`.
    public var customerID: String? {
        if case .existing(let id) = self { return id }
        return nil
    }

    /// Rebuilds a mode from its stored form; nil when the pair is not a valid mode.
    public init?(name: String, customerID: String?) {
        switch (name, customerID) {
        case ("auto", _): self = .auto
        case ("create", _): self = .create
        case ("existing", let id?) where !id.isEmpty: self = .existing(customerID: id)
        default: return nil
        }
    }
}

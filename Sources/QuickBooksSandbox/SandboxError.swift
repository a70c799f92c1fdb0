/// Errors of the sandbox's Swift API (not QuickBooks faults, which travel over HTTP).
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration value is out of range; the text names it.
    case invalidConfiguration(String)
    /// No realm with this id exists in this sandbox.
    case unknownRealm(String)
    /// The server stopped (or failed to bind) before it started listening.
    case notListening(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason):
            return "Invalid sandbox configuration: \(reason). Fix the value and start the sandbox again."
        case .unknownRealm(let realmId):
            return "No realm \(realmId) in this sandbox. Create it first (POST /admin/v1/realms or "
                + "SandboxInspector.createRealm)."
        case .notListening(let reason):
            return "The sandbox is not listening: \(reason). Check that the host and port are free and valid."
        }
    }
}

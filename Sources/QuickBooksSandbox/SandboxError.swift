/// Errors of the sandbox's Swift API (not QuickBooks faults, which travel over HTTP).
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration value is out of range; the text names it.
    case invalidConfiguration(String)
    /// No realm with this id exists in this sandbox.
    case unknownRealm(String)
    /// The server stopped (or failed to bind) before it started listening.
    case notListening(String)
    /// QuickBooks' rules refuse an accountant's change (``SandboxAccountant``): `code` is the
    /// fault code the API would give (610 not found, 6000 business rule, 2010 invalid input…).
    case refused(code: String, detail: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason):
            return "Invalid sandbox configuration: \(reason). Fix the value and start the sandbox again."
        case .unknownRealm(let realmId):
            return "No realm \(realmId) in this sandbox. Create it first (POST /admin/v1/realms or "
                + "SandboxInspector.createRealm)."
        case .notListening(let reason):
            return "The sandbox is not listening: \(reason). Check that the host and port are free and valid."
        case .refused(let code, let detail):
            return "QuickBooks refused the change (code \(code)): \(detail)"
        }
    }
}

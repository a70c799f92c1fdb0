/// Where a running sandbox can be reached.
public struct SandboxEndpoint: Sendable, Equatable {
    /// The interface the sandbox is bound to.
    public let host: String
    /// The bound TCP port (the real one, also when the configuration asked for port 0).
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Base URL of the Accounting API; calls go to `\(apiBaseURL)/v3/company/{realmId}/…`.
    /// Stands in for `https://quickbooks.api.intuit.com`.
    public var apiBaseURL: String { "http://\(urlHost):\(port)" }

    /// The OAuth 2 token endpoint; stands in for `https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer`.
    public var tokenURL: String { "\(apiBaseURL)/oauth2/v1/tokens/bearer" }

    /// The token revocation endpoint; stands in for `https://developer.api.intuit.com/v2/oauth2/tokens/revoke`.
    public var revokeURL: String { "\(apiBaseURL)/oauth2/v1/tokens/revoke" }

    /// Base of the sandbox's own admin API (`/admin/v1/realms`, counters, faults…).
    public var adminBaseURL: String { "\(apiBaseURL)/admin/v1" }

    private var urlHost: String {
        if host == "0.0.0.0" { return "127.0.0.1" }
        if host == "::" { return "[::1]" }
        return host.contains(":") ? "[\(host)]" : host
    }
}

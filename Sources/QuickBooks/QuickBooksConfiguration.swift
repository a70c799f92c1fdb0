/// Where and how to reach QuickBooks Online; the sandbox is one change of `apiBaseURL` and `tokenURL` away.
public struct QuickBooksConfiguration: Sendable, Hashable {
    /// Production API; Intuit's sandbox companies live at `https://sandbox-quickbooks.api.intuit.com`.
    public var apiBaseURL: String = "https://quickbooks.api.intuit.com"
    /// OAuth 2 token endpoint (authorization-code exchange and refresh).
    public var tokenURL: String = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    /// OAuth 2 revoke endpoint (disconnecting a firm).
    public var revokeURL: String = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
    /// The app's OAuth client credentials.
    public var clientID: String
    public var clientSecret: String
    /// Sent on every call; minor versions below 75 are retired.
    public var minorVersion: Int = 75
    /// Upper bound on one HTTP call, including reading the body.
    public var requestTimeout: Duration = .seconds(30)
    /// Largest response body accepted.
    public var maxResponseBytes: Int = 8 << 20

    public init(clientID: String, clientSecret: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    /// Checks the values at start so a typo fails loudly instead of on the first sync.
    public func validate() throws(QuickBooksConfigurationError) {
        for (name, url) in [("apiBaseURL", apiBaseURL), ("tokenURL", tokenURL), ("revokeURL", revokeURL)] {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw QuickBooksConfigurationError(message: "\(name) must be an http(s) URL, got '\(url)'")
            }
        }
        guard !clientID.isEmpty, !clientSecret.isEmpty else {
            throw QuickBooksConfigurationError(message: "the QuickBooks OAuth client id and secret must be set")
        }
        guard minorVersion >= 75 else {
            throw QuickBooksConfigurationError(message: "minorVersion \(minorVersion) is retired by Intuit; use 75 or later")
        }
    }
}

public struct QuickBooksConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "invalid QuickBooks configuration: \(message)" }
}

/// A failed QuickBooks call as the sync rules see it, independent of the HTTP client.
public struct QuickBooksProblem: Error, Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// `ValidationFault`: the request was understood and refused (duplicate name, missing reference…).
        case validation
        /// `AuthenticationFault` (3200/100) or an OAuth `invalid_grant`: the firm must reconnect.
        case authentication
        /// `AuthorizationFault` (3100/120) or an invalid subscription (6190): the firm must act.
        case authorization
        /// HTTP 429 / 003001 ThrottleExceeded.
        case throttled
        /// `SystemFault`, HTTP 5xx, a timeout or a connection error: worth retrying.
        case unavailable
    }

    public var kind: Kind
    /// QuickBooks' fault code ("6240", "003001", "invalid_grant", "timeout"…).
    public var code: String
    public var message: String
    public var detail: String?

    /// The code of a firm whose stored tokens this worker's key cannot open.
    public static let tokenKeyCode = "token_key"

    public init(kind: Kind, code: String, message: String, detail: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
    }

    /// How the sync rules treat this problem.
    public var disposition: Disposition {
        switch kind {
        case .throttled, .unavailable: .retryLater
        case .authentication, .authorization: .firmConnection
        case .validation:
            // 6190 "company subscription invalid" concerns the whole firm, not one account.
            code == "6190" ? .firmConnection : .account
        }
    }

    public enum Disposition: Sendable, Hashable {
        /// Transient: retry with backoff; the account stays `syncing`.
        case retryLater
        /// The whole firm is affected: report once on the firm, keep the work waiting.
        case firmConnection
        /// This account is affected: it becomes `failed` with a human detail.
        case account
    }
}

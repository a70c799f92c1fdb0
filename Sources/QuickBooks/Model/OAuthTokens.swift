/// The token endpoint's answer. The refresh token may change on any refresh: always keep the newest.
public struct OAuthTokens: Sendable, Hashable, Codable {
    public var accessToken: String
    public var refreshToken: String
    /// Seconds the access token lives (3600 at Intuit).
    public var expiresIn: Int
    /// Seconds the refresh token lives.
    public var refreshTokenExpiresIn: Int?
    public var tokenType: String?

    public init(accessToken: String, refreshToken: String, expiresIn: Int, refreshTokenExpiresIn: Int? = nil, tokenType: String? = "bearer")
    {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.refreshTokenExpiresIn = refreshTokenExpiresIn
        self.tokenType = tokenType
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
        case expiresIn = "expires_in"
        case refreshTokenExpiresIn = "x_refresh_token_expires_in"
        case tokenType = "token_type"
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore

extension QuickBooksClient {
    /// Exchanges the authorization code of the connect flow for the first tokens.
    public func exchangeAuthorizationCode(_ code: String, redirectURI: String) async throws(QuickBooksError) -> OAuthTokens {
        try await tokenRequest(
            ["grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI], operation: "authorization code exchange")
    }

    /// Refreshes the access token. The answer may carry a new refresh token: store it before
    /// using the access token, because the old one stops working. A used, expired or revoked
    /// refresh token gives `invalid_grant`.
    public func refreshTokens(_ refreshToken: String) async throws(QuickBooksError) -> OAuthTokens {
        try await tokenRequest(["grant_type": "refresh_token", "refresh_token": refreshToken], operation: "token refresh")
    }

    /// Revokes a refresh token (and with it the connection's access tokens) at Intuit's revoke
    /// endpoint: what disconnecting a company does.
    public func revokeToken(_ token: String) async throws(QuickBooksError) {
        var request = appRequest(url: configuration.revokeURL, contentType: "application/json")
        let body = (try? JSONEncoder().encode(["token": token])) ?? Data()
        request.body = .bytes(ByteBuffer(bytes: body))
        _ = try await execute(request, operation: "token revoke")
    }

    /// A POST to one of Intuit's OAuth endpoints, authenticated as the app (HTTP Basic).
    private func appRequest(url: String, contentType: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let credentials = Data("\(configuration.clientID):\(configuration.clientSecret)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Content-Type", value: contentType)
        return request
    }

    private func tokenRequest(_ form: KeyValuePairs<String, String>, operation: String) async throws(QuickBooksError) -> OAuthTokens {
        var request = appRequest(url: configuration.tokenURL, contentType: "application/x-www-form-urlencoded")
        let body = form.map { "\($0.key)=\(Self.percentEncoded($0.value))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await execute(request, operation: operation)
        do {
            return try JSONDecoder().decode(OAuthTokens.self, from: response)
        } catch {
            throw QuickBooksError(
                httpStatus: 200, faultType: nil, errors: [], operation: operation, transportError: "unreadable token response: \(error)")
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird

/// Intuit's OAuth 2 token endpoint (`/oauth2/v1/tokens/bearer`) and revocation endpoint.
struct TokenEndpoint: Sendable {
    let state: SandboxState

    /// `grant_type=authorization_code` or `grant_type=refresh_token`, client authenticated with
    /// HTTP Basic, form-encoded body; answers in Intuit's JSON shape.
    func token(_ request: Request) async -> Response {
        guard clientIsAuthenticated(request) else { return Self.oauthError(401, "invalid_client") }
        guard let bytes = await HTTPReply.collectBody(request, limit: 64 * 1024) else {
            return Self.oauthError(400, "invalid_request")
        }
        let form = FormFields(String(decoding: bytes, as: UTF8.self))
        let now = state.clock.now
        do {
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], !code.isEmpty else { return Self.oauthError(400, "invalid_request") }
                let (realmId, tokens) = try state.tokens.exchange(code: code, now: now)
                state.logger.debug("Exchanged authorization code", metadata: ["realmId": "\(realmId)"])
                return Self.success(tokens)
            case "refresh_token":
                guard let refreshToken = form["refresh_token"], !refreshToken.isEmpty else {
                    return Self.oauthError(400, "invalid_request")
                }
                let (realmId, tokens) = try state.tokens.refresh(token: refreshToken, now: now)
                state.logger.debug("Refreshed tokens", metadata: ["realmId": "\(realmId)"])
                return Self.success(tokens)
            case nil:
                return Self.oauthError(400, "invalid_request")
            default:
                return Self.oauthError(400, "unsupported_grant_type")
            }
        } catch {
            return Self.oauthError(400, "invalid_grant")
        }
    }

    /// Revokes the connection a refresh or access token belongs to: every token of that realm.
    func revoke(_ request: Request) async -> Response {
        guard clientIsAuthenticated(request) else { return Self.oauthError(401, "invalid_client") }
        guard let bytes = await HTTPReply.collectBody(request, limit: 64 * 1024) else {
            return Self.oauthError(400, "invalid_request")
        }
        let token: String?
        do {
            token = try JSONParser.parse(bytes)["token"]?.stringValue
        } catch {
            // Accept a form-encoded body as well as Intuit's JSON one.
            token = FormFields(String(decoding: bytes, as: UTF8.self))["token"]
        }
        guard let token, !token.isEmpty else { return Self.oauthError(400, "invalid_request") }
        if let realmId = state.tokens.realm(ofToken: token) {
            state.tokens.revokeAll(realmId: realmId)
            state.logger.info("Revoked tokens through the revoke endpoint", metadata: ["realmId": "\(realmId)"])
        }
        return HTTPReply.empty(200)
    }

    private func clientIsAuthenticated(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization] else { return false }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: String(parts[1])).map({ String(decoding: $0, as: UTF8.self) })
        else { return false }
        return decoded == "\(state.configuration.clientId):\(state.configuration.clientSecret)"
    }

    private static func success(_ tokens: TokenStore.TokenPair) -> Response {
        HTTPReply.json(
            200,
            .object([
                "token_type": .string("bearer"),
                "access_token": .string(tokens.accessToken),
                "refresh_token": .string(tokens.refreshToken),
                "expires_in": .number(Double(tokens.accessLifetimeSeconds)),
                "x_refresh_token_expires_in": .number(Double(tokens.refreshLifetimeSeconds)),
            ]),
            headers: [.cacheControl: "no-store"]
        )
    }

    private static func oauthError(_ status: Int, _ error: String) -> Response {
        HTTPReply.json(status, .object(["error": .string(error)]), headers: [.cacheControl: "no-store"])
    }
}

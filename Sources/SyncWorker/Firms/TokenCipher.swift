import Crypto
import Foundation

/// Seals OAuth tokens with AES-256-GCM before they reach PostgreSQL.
///
/// The firm id is authenticated data, so a token copied onto another firm's row fails to open
/// instead of silently connecting the wrong company.
struct TokenCipher: Sendable {
    private let key: SymmetricKey

    /// - Parameter keyMaterial: exactly 32 bytes.
    init(keyMaterial: [UInt8]) throws(WorkerConfigurationError) {
        guard keyMaterial.count == 32 else {
            throw WorkerConfigurationError(
                "the token encryption key must be 32 bytes (256 bits), got \(keyMaterial.count); generate one with `openssl rand -base64 32`"
            )
        }
        key = SymmetricKey(data: keyMaterial)
    }

    func seal(_ token: String, firmID: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(Array(token.utf8), using: key, authenticating: Array(firmID.utf8))
        guard let combined = box.combined else { throw TokenCipherError.sealFailed }
        return Array(combined)
    }

    func open(_ sealed: [UInt8], firmID: String) throws -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plain = try AES.GCM.open(box, using: key, authenticating: Array(firmID.utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw TokenCipherError.openFailed(firmID: firmID)
        }
    }
}

enum TokenCipherError: Error, CustomStringConvertible {
    case sealFailed
    case openFailed(firmID: String)

    var description: String {
        switch self {
        case .sealFailed: "could not encrypt a token"
        case .openFailed(let firm):
            "the stored QuickBooks tokens of firm \(firm) cannot be decrypted with the configured key (was QBSYNC_TOKEN_KEY changed?); reconnect the firm or restore the key"
        }
    }
}

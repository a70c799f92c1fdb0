/// What a status event is about.
public enum EntityKind: String, Sendable, Hashable, CaseIterable, Codable {
    case account
    case invoice
    case payment
    /// The firm's QuickBooks connection as a whole (e.g. a revoked refresh token).
    case firm
}

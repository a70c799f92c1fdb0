/// Bounds on ingress events; anything beyond them is dead-lettered with a clear reason.
public struct EventLimits: Sendable, Hashable {
    /// Largest accepted message value in bytes.
    public var maxMessageBytes: Int = 1_048_576
    /// Longest id (firm, account, invoice, payment, user, event).
    public var maxIDLength: Int = 128
    /// Longest name; QuickBooks' DisplayName allows 500 characters.
    public var maxNameLength: Int = 500
    /// Longest free text (line descriptions, references); QuickBooks allows 4,000.
    public var maxTextLength: Int = 4000
    /// Most lines on one invoice, and most invoices one payment applies to.
    public var maxLines: Int = 250

    public init() {}
    public static let `default` = EventLimits()
}

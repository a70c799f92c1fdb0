/// Which accounts a firm syncs automatically.
public enum FirmPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Default: an account is synced when its first invoice or payment arrives.
    case accountsWithActivity = "accounts_with_activity"
    /// Every account the worker learns about is synced.
    case allAccounts = "all_accounts"
}

/// What qbsync does when an accountant changes in QuickBooks an invoice or payment it wrote.
public enum QuickBooksChangeRule: String, Sendable, Hashable, CaseIterable, Codable {
    /// Default: the column says what changed (`failed`); the platform's next revision, or a sync
    /// by hand, writes the platform's version back.
    case report
    /// The platform's version is written back at once (a deleted one is written anew); the column
    /// stays as it was. A voided one cannot be: it is reported.
    case platformWins = "platform_wins"
}

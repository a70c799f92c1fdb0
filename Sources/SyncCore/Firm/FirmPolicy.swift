/// Which accounts a firm syncs automatically.
public enum FirmPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Default: an account is synced when its first invoice or payment arrives.
    case accountsWithActivity = "accounts_with_activity"
    /// Every account the worker learns about is synced.
    case allAccounts = "all_accounts"
}

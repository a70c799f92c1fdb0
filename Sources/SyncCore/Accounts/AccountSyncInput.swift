/// Something that happened to an account, fed to ``AccountSyncMachine``.
public enum AccountSyncInput: Sendable, Hashable {
    /// `account.upserted`: a new account or a rename.
    case learned(name: String)
    /// An invoice or payment for the account arrived (its name, when the event carries one).
    case activity(name: String?)
    /// "Sync Account to QuickBooks" in one of its three forms.
    case syncRequested(by: Actor, mode: LinkMode)
    /// "Do not sync this account / Unsync".
    case unsyncRequested(by: Actor)
    /// QuickBooks confirmed the link to this customer.
    case linked(customerID: String)
    /// The link failed for an account-related reason the firm must fix.
    case linkFailed(code: String, detail: String)
    /// The link could not be made yet (transient error, lost firm connection); it stays pending.
    case linkDeferred(detail: String?)
    /// The linked customer was made inactive, merged or deleted in QuickBooks: the account fails
    /// until it is synced again.
    case customerChangedInQuickBooks(code: String, detail: String)
}

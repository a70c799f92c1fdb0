extension QuickBooksError {
    /// Fault codes the sync rules act on.
    public enum Code {
        /// Stale object: the SyncToken sent is not the current one. Re-read and retry.
        public static let staleObject = "5010"
        /// Object not found, or a reference to an inactive customer/item/account.
        public static let objectNotFound = "610"
        /// Duplicate name: DisplayName is unique across customers, vendors and employees; Name among items, accounts.
        public static let duplicateName = "6240"
        /// Duplicate document number, as SPEC.md §4 and the sandbox give it.
        public static let duplicateDocumentNumber = "6210"
        /// Duplicate document number as real QuickBooks is reported to answer ("Duplicate Document Number Error").
        public static let duplicateDocumentNumberReported = "6140"
        /// Throttled: over a rate or concurrency limit.
        public static let throttled = "003001"
    }

    /// QuickBooks refused a write because its SyncToken was stale (5010).
    public var isStaleObject: Bool { code == Code.staleObject }

    /// The object does not exist, or a reference names something inactive (610).
    public var isObjectNotFound: Bool { code == Code.objectNotFound }

    /// The name is already used (6240).
    public var isDuplicateName: Bool { code == Code.duplicateName }

    /// The document number is already used by another document of the same type (6210, or 6140).
    public var isDuplicateDocumentNumber: Bool {
        code == Code.duplicateDocumentNumber || code == Code.duplicateDocumentNumberReported
    }
}

/// Keeps a realm's requests within QuickBooks' limits from the caller's side: every API request
/// the client sends waits in ``acquire(realmID:kind:)`` first and calls ``release(realmID:)`` after,
/// so calls that make several requests (a lookup then a create, a retry after a stale SyncToken)
/// are counted request by request.
public protocol RequestLimiter: Sendable {
    /// Waits until a request of `kind` to `realmID` is allowed and counts it.
    func acquire(realmID: String, kind: RequestKind) async throws
    /// Ends a request counted by ``acquire(realmID:kind:)``.
    func release(realmID: String) async
}

/// QuickBooks counts batch requests twice: among all requests (500 a minute per realm) and
/// among batch requests (40 a minute).
public enum RequestKind: Sendable, Hashable {
    case single
    case batch
}

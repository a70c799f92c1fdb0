/// Keeps a realm's requests within QuickBooks' limits from the caller's side: every API request
/// the client sends waits in ``acquire(realmID:)`` first and calls ``release(realmID:)`` after,
/// so calls that make several requests (a lookup then a create, a retry after a stale SyncToken)
/// are counted request by request.
public protocol RequestLimiter: Sendable {
    /// Waits until a request to `realmID` is allowed and counts it.
    func acquire(realmID: String) async throws
    /// Ends a request counted by ``acquire(realmID:)``.
    func release(realmID: String) async
}

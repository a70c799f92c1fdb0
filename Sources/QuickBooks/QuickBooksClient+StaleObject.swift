import SyncCore

extension QuickBooksClient {
    /// Runs a write that needs `object`'s current SyncToken; if QuickBooks answers 5010 (stale
    /// object: someone — often QuickBooks itself, applying a payment — changed it since it was
    /// read), reads the object again and runs the write once more with the fresh copy.
    ///
    /// `write` receives the object to base the change on and the requestid to use. The retry
    /// cannot reuse `requestID`: QuickBooks would replay the recorded 5010. It uses one derived
    /// from `requestID` and the fresh SyncToken, so a redelivered event retries identically.
    /// A second 5010, like any other failure, is thrown.
    ///
    ///     let voided = try await client.retryingStaleSyncToken(invoice, requestID: id, access: access) { current, requestID throws(QuickBooksError) in
    ///         try await client.void(Invoice.self, id: current.id ?? "", syncToken: current.syncToken ?? "", requestID: requestID, access: access)
    ///     }
    public func retryingStaleSyncToken<Object: QuickBooksEntity, Result>(
        _ object: Object, requestID: String, access: RealmAccess,
        _ write: (_ current: Object, _ requestID: String) async throws(QuickBooksError) -> Result
    ) async throws(QuickBooksError) -> Result {
        do {
            return try await write(object, requestID)
        } catch  where error.isStaleObject {
            guard let id = object.id else { throw error }
            let fresh = try await read(Object.entityName, id: id, as: Object.self, access: access)
            let retryID = Self.staleRetryRequestID(requestID, freshSyncToken: fresh.syncToken ?? "")
            logger.debug(
                "Stale SyncToken; retrying with the current one",
                metadata: ["entity": "\(Object.entityName)", "id": "\(id)", "syncToken": "\(fresh.syncToken ?? "")"])
            return try await write(fresh, retryID)
        }
    }

    /// Runs a write addressed by id and SyncToken (an update, void or delete) and, after a 5010,
    /// reads the object's current SyncToken and runs it once more, with a requestid derived from
    /// `requestID` and that token. A second 5010, like any other failure, is thrown.
    public func retryingStaleSyncToken<Object: QuickBooksEntity, Result>(
        _ type: Object.Type, id: String, syncToken: String, requestID: String, access: RealmAccess,
        _ write: (_ syncToken: String, _ requestID: String) async throws(QuickBooksError) -> Result
    ) async throws(QuickBooksError) -> Result {
        do {
            return try await write(syncToken, requestID)
        } catch  where error.isStaleObject {
            let fresh = try await read(Object.entityName, id: id, as: Object.self, access: access).syncToken ?? syncToken
            return try await write(fresh, Self.staleRetryRequestID(requestID, freshSyncToken: fresh))
        }
    }

    /// The requestid of the retry after a 5010: the same for the same write at the same version.
    public static func staleRetryRequestID(_ requestID: String, freshSyncToken: String) -> String {
        RequestID.stableUUID([requestID, "stale-synctoken-retry", freshSyncToken])
    }
}

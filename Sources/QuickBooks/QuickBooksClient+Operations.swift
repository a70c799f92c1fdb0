import NIOCore

extension QuickBooksClient {
    /// Voids a transaction: `POST /{entity}?operation=void` with its Id and current SyncToken.
    /// The transaction stays, with zero amounts (an invoice's payments become unapplied credit).
    public func void<Object: QuickBooksEntity>(
        _ type: Object.Type, id: String, syncToken: String, requestID: String, access: RealmAccess
    ) async throws(QuickBooksError) -> Object {
        let response = try await versionOperation(
            "void", entity: Object.entityName, id: id, syncToken: syncToken, requestID: requestID, access: access)
        return try decodeEntity(Object.self, key: Object.entityName, from: response, operation: "void \(Object.entityName)")
    }

    /// Deletes a transaction: `POST /{entity}?operation=delete` with its Id and current SyncToken.
    /// Name lists (customers, items, accounts) cannot be deleted; make them inactive instead.
    public func delete<Object: QuickBooksEntity>(
        _ type: Object.Type, id: String, syncToken: String, requestID: String, access: RealmAccess
    ) async throws(QuickBooksError) -> DeletedObject {
        let response = try await versionOperation(
            "delete", entity: Object.entityName, id: id, syncToken: syncToken, requestID: requestID, access: access)
        return try decodeEntity(DeletedObject.self, key: Object.entityName, from: response, operation: "delete \(Object.entityName)")
    }

    private func versionOperation(
        _ name: String, entity: String, id: String, syncToken: String, requestID: String, access: RealmAccess
    ) async throws(QuickBooksError) -> ByteBuffer {
        let operation = "\(name) \(entity)"
        let body = try encode(ObjectVersion(id: id, syncToken: syncToken), operation: operation)
        return try await send(
            .POST, path: entity.lowercased(), query: [("operation", name), ("requestid", requestID)], body: body,
            access: access, operation: operation)
    }
}

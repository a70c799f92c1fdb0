import Foundation

/// Changes "by the accountant": what a firm's accountant does in QuickBooks' own screens, not
/// through the app's API (no `requestid`, no SyncToken to supply: the latest version is always
/// the one changed). Use it to test that a client notices what changed behind its back.
///
/// Each change is a new version of what it touches (SyncToken + 1, `MetaData.LastUpdatedTime`
/// moves), shows in change data capture and is sent as a webhook notification when webhooks are
/// configured (``SandboxWebhooks``). Every method returns the changed entity as it now stands
/// (for a merge, the surviving customer; for a delete, the deleted record) and throws
/// ``SandboxError/unknownRealm(_:)``, or ``SandboxError/refused(code:detail:)`` with the fault
/// code the API would give (610 when the entity does not exist or was deleted, 6000 for a
/// business rule such as changing a voided transaction, 2010 for malformed input).
///
/// The same changes are offered over HTTP: `POST /admin/v1/realms/{realmId}/entities/{entity}/{id}/{action}`
/// (see ``QuickBooksSandbox``).
public struct SandboxAccountant: Sendable {
    let state: SandboxState

    /// "Make inactive": `Active` becomes false (notified as an Update).
    public func deactivateCustomer(realmId: String, id: String) async throws(SandboxError) -> SandboxRecord {
        try await change(realmId, "deactivated customer \(id)") { store, now throws(QuickBooksFault) in
            try await store.accountantSetActive(customerId: id, active: false, now: now)
        }
    }

    /// "Make active" again (notified as an Update).
    public func reactivateCustomer(realmId: String, id: String) async throws(SandboxError) -> SandboxRecord {
        try await change(realmId, "reactivated customer \(id)") { store, now throws(QuickBooksFault) in
            try await store.accountantSetActive(customerId: id, active: true, now: now)
        }
    }

    /// Merges customer `sourceId` into `targetId`. The source disappears: reads answer 610, change
    /// data capture reports it `"status":"Deleted"`. Its transactions (invoices, payments, credit
    /// memos, refund receipts, purchases naming it) now reference the target, each a new version
    /// (notified as Updates), and its balance moves to the target. The target's new version is
    /// notified as a Merge with `deletedId` = `sourceId`. Returns the target.
    public func mergeCustomer(realmId: String, from sourceId: String, into targetId: String)
        async throws(SandboxError) -> SandboxRecord
    {
        try await change(realmId, "merged customer \(sourceId) into \(targetId)") { store, now throws(QuickBooksFault) in
            try await store.accountantMerge(customerId: sourceId, into: targetId, now: now)
        }
    }

    /// Deletes a transaction (invoice, payment, credit memo, refund receipt, purchase; notified as
    /// a Delete). Deleting a payment unapplies it, restoring its invoices' `Balance` (each a new
    /// version); deleting an invoice with payments applied leaves those payments as unapplied
    /// credit, as QuickBooks does once the accountant confirms its warning.
    public func delete(realmId: String, entity: QuickBooksEntityType, id: String) async throws(SandboxError)
        -> SandboxRecord
    {
        try await change(realmId, "deleted \(entity.rawValue) \(id)") { store, now throws(QuickBooksFault) in
            try await store.accountantDelete(entity, id: id, now: now)
        }
    }

    /// Voids an invoice or a payment (notified as a Void): its amounts become zero; a voided
    /// payment's invoices are unpaid again, a voided invoice's payments become unapplied credit.
    public func void(realmId: String, entity: QuickBooksEntityType, id: String) async throws(SandboxError)
        -> SandboxRecord
    {
        try await change(realmId, "voided \(entity.rawValue) \(id)") { store, now throws(QuickBooksFault) in
            try await store.accountantVoid(entity, id: id, now: now)
        }
    }

    /// A sparse edit: `changes` is a JSON object of the fields to change, applied by the rules of a
    /// sparse update over the API (totals and balances recomputed; notified as an Update), e.g.
    /// `{"TxnDate":"2026-11-30","DueDate":"2026-12-30"}` or, for a payment, `{"PaymentRefNum":"42"}`.
    ///
    /// On invoices, credit memos and refund receipts, `Line` entries with an `Id` change that line
    /// only, as an accountant edits one row: `{"Line":[{"Id":"1","Amount":120}]}` (Qty kept,
    /// UnitPrice set to match) or `{"Line":[{"Id":"1","SalesItemLineDetail":{"Qty":3}}]}` (Amount
    /// recomputed as Qty × UnitPrice). A `Line` entry without `Id` is added. On other entities, and
    /// a payment's `Line`, a field sent replaces the stored one, as in the API.
    public func edit(realmId: String, entity: QuickBooksEntityType, id: String, changes: String)
        async throws(SandboxError) -> SandboxRecord
    {
        let fields: [String: JSONValue]
        do {
            guard let object = try JSONParser.parse(Array(changes.utf8)).objectValue else {
                throw SandboxError.refused(code: QuickBooksFault.Code.invalidProperty, detail: "The changes must be a JSON object.")
            }
            fields = object
        } catch let error as SandboxError {
            throw error
        } catch {
            throw .refused(code: QuickBooksFault.Code.invalidProperty, detail: "The changes are not valid JSON: \(error)")
        }
        return try await edit(realmId: realmId, entity: entity, id: id, fields: fields)
    }

    func edit(realmId: String, entity: QuickBooksEntityType, id: String, fields: [String: JSONValue])
        async throws(SandboxError) -> SandboxRecord
    {
        try await change(realmId, "edited \(entity.rawValue) \(id)") { store, now throws(QuickBooksFault) in
            try await store.accountantEdit(entity, id: id, changes: fields, now: now)
        }
    }

    private func change(
        _ realmId: String, _ description: String,
        _ operation: (RealmStore, Date) async throws(QuickBooksFault) -> SandboxRecord
    ) async throws(SandboxError) -> SandboxRecord {
        guard let realm = state.realm(realmId) else { throw .unknownRealm(realmId) }
        do {
            let record = try await operation(realm.store, Date())
            state.logger.info("The accountant \(description)", metadata: ["realmId": "\(realmId)"])
            return record
        } catch {
            throw .refused(code: error.code, detail: error.entries.first?.detail ?? error.code)
        }
    }
}

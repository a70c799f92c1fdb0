import Foundation
import Hummingbird

/// The sandbox's own admin API under `/admin/v1`: create realms and authorization codes, look at
/// what a realm holds and its counters, inject faults, revoke tokens. JSON in and out.
struct AdminEndpoint: Sendable {
    let state: SandboxState

    func isAuthorized(_ request: Request) -> Bool {
        guard let token = state.configuration.adminToken else { return true }
        return request.headers[.authorization] == "Bearer \(token)"
    }

    func unauthorized() -> Response {
        Self.error(401, "The admin API needs Authorization: Bearer <adminToken>.")
    }

    func health() -> Response {
        HTTPReply.json(200, .object(["status": .string("ok"), "realms": .number(Double(state.allRealms.count))]))
    }

    func createRealm(_ request: Request) async -> Response {
        guard let bytes = await HTTPReply.collectBody(request, limit: 64 * 1024) else {
            return Self.error(400, "The body is too large.")
        }
        var input: JSONValue = .object([:])
        if !bytes.isEmpty {
            do {
                input = try JSONParser.parse(bytes)
            } catch {
                return Self.error(400, "The body is not valid JSON: \(error.description)")
            }
        }
        let grant = state.grantRealm(id: input["realmId"]?.scalarText, companyName: input["companyName"]?.stringValue)
        return HTTPReply.json(201, Self.grantJSON(grant))
    }

    func listRealms() async -> Response {
        var summaries: [JSONValue] = []
        for realm in state.allRealms {
            summaries.append(await summary(realm))
        }
        return HTTPReply.json(200, .object(["realms": .array(summaries)]))
    }

    func realmSummary(_ realmId: String) async -> Response {
        guard let realm = state.realm(realmId) else { return Self.unknownRealm(realmId) }
        return HTTPReply.json(200, await summary(realm))
    }

    func removeRealm(_ realmId: String) -> Response {
        guard state.removeRealm(realmId) else { return Self.unknownRealm(realmId) }
        return HTTPReply.json(200, .object(["realmId": .string(realmId), "removed": .bool(true)]))
    }

    func authorizationCode(_ realmId: String) -> Response {
        guard state.realm(realmId) != nil else { return Self.unknownRealm(realmId) }
        return HTTPReply.json(201, Self.grantJSON(state.grantRealm(id: realmId, companyName: nil)))
    }

    func entities(_ realmId: String, _ entityName: String) async -> Response {
        guard let realm = state.realm(realmId) else { return Self.unknownRealm(realmId) }
        guard let type = QuickBooksEntityType(name: entityName) else {
            return Self.error(
                404, "Unknown entity \(entityName); use one of \(QuickBooksEntityType.allCases.map(\.rawValue)).")
        }
        let records = await realm.store.records(of: type).map(recordJSON)
        return HTTPReply.json(
            200, .object(["realmId": .string(realmId), "entity": .string(type.rawValue), "records": .array(records)]))
    }

    func counters(_ realmId: String) -> Response {
        guard let realm = state.realm(realmId) else { return Self.unknownRealm(realmId) }
        return HTTPReply.json(200, Self.countersJSON(realm.traffic.counters))
    }

    func resetCounters(_ realmId: String?) -> Response {
        if let realmId {
            guard let realm = state.realm(realmId) else { return Self.unknownRealm(realmId) }
            realm.traffic.resetCounters()
            return HTTPReply.json(200, Self.countersJSON(realm.traffic.counters))
        }
        for realm in state.allRealms { realm.traffic.resetCounters() }
        return HTTPReply.json(200, .object(["reset": .bool(true)]))
    }

    func faults(_ realmId: String?) -> Response {
        let now = state.clock.now
        guard let realmId else { return HTTPReply.json(200, state.globalFaults.current(now: now).adminJSON) }
        guard let realm = state.realm(realmId) else { return Self.unknownRealm(realmId) }
        let faults = state.faultSchedule(for: realm).current(now: now)
        var body = faults.adminJSON.objectValue ?? [:]
        body["overridden"] = .bool(realm.faultSchedule != nil)
        return HTTPReply.json(200, .object(body))
    }

    func setFaults(_ request: Request, realmId: String?) async -> Response {
        let now = state.clock.now
        let realm = realmId.flatMap(state.realm)
        if let realmId, realm == nil { return Self.unknownRealm(realmId) }
        guard let bytes = await HTTPReply.collectBody(request, limit: 64 * 1024), !bytes.isEmpty else {
            return Self.error(400, "Send the fault settings as a JSON object.")
        }
        let updated: SandboxFaults
        do {
            let base = realm.map { state.faultSchedule(for: $0) } ?? state.globalFaults
            updated = try base.current(now: now).merging(adminJSON: try JSONParser.parse(bytes))
        } catch let error as AdminInputError {
            return Self.error(400, "Invalid fault settings: \(error.reason).")
        } catch {
            return Self.error(400, "The body is not valid JSON: \(error)")
        }
        if let realm {
            realm.overrideFaults(FaultSchedule(updated, now: now))
        } else {
            state.globalFaults.replace(with: updated, now: now)
        }
        state.logger.info("Fault injection changed", metadata: ["realmId": "\(realmId ?? "*")"])
        return faults(realmId)
    }

    func clearFaults(_ realmId: String?) -> Response {
        let now = state.clock.now
        if let realmId {
            guard let realm = state.realm(realmId) else { return Self.unknownRealm(realmId) }
            realm.overrideFaults(nil)
        } else {
            state.globalFaults.replace(with: .none, now: now)
        }
        return faults(realmId)
    }

    func revokeTokens(_ realmId: String) -> Response {
        guard state.realm(realmId) != nil else { return Self.unknownRealm(realmId) }
        state.tokens.revokeAll(realmId: realmId)
        state.logger.info("Revoked all tokens of a realm", metadata: ["realmId": "\(realmId)"])
        return HTTPReply.json(200, .object(["realmId": .string(realmId), "revoked": .bool(true)]))
    }

    // MARK: - Helpers

    /// `{"Id","SyncToken","status","label","object"}`: one record as the admin API shows it.
    func recordJSON(_ record: SandboxRecord) -> JSONValue {
        var object: JSONValue = .null
        do {
            object = try JSONParser.parse(Array(record.json.utf8))
        } catch {
            state.logger.error("Stored entity did not serialise to valid JSON", metadata: ["error": "\(error)"])
        }
        return .object([
            "Id": .string(record.id), "SyncToken": .string(record.syncToken),
            "status": .string(record.status.rawValue),
            "label": record.label.map(JSONValue.string) ?? .null, "object": object,
        ])
    }

    private func summary(_ realm: Realm) async -> JSONValue {
        let census = await realm.store.census()
        var entities: [String: JSONValue] = [:]
        for (type, count) in census { entities[type.rawValue] = .number(Double(count)) }
        return .object([
            "realmId": .string(realm.id), "companyName": .string(realm.companyName),
            "entities": .object(entities), "counters": Self.countersJSON(realm.traffic.counters),
        ])
    }

    static func countersJSON(_ counters: SandboxCounters) -> JSONValue {
        do {
            return try JSONParser.parse(Array(JSONEncoder().encode(counters)))
        } catch {
            return .object(["error": .string("counters could not be encoded: \(error)")])
        }
    }

    private static func grantJSON(_ grant: SandboxRealmGrant) -> JSONValue {
        .object([
            "realmId": .string(grant.realmId), "companyName": .string(grant.companyName),
            "authorizationCode": .string(grant.authorizationCode),
        ])
    }

    static func unknownRealm(_ realmId: String) -> Response {
        error(404, SandboxError.unknownRealm(realmId).description)
    }

    static func error(_ status: Int, _ message: String) -> Response {
        HTTPReply.json(status, .object(["error": .string(message)]))
    }
}

import Hummingbird

/// `POST /admin/v1/realms/{realmId}/entities/{entity}/{id}/{action}`: the changes of
/// ``SandboxAccountant`` over HTTP, for the dev tool.
///
/// Actions: `deactivate`, `reactivate` (customers), `merge` (customers; body `{"into":"<id>"}`),
/// `delete`, `void`, `edit` (body: the JSON object of changes). The answer is 200 with
/// `{"record":{"Id","SyncToken","status","label","object"}}` (for a merge, the surviving
/// customer), 404 for an unknown realm, entity or action, 400 `{"error","code"}` when QuickBooks'
/// rules refuse the change.
extension AdminEndpoint {
    func accountantChange(
        _ request: Request, realmId: String, entityName: String, id: String, action: String
    ) async -> Response {
        guard let type = QuickBooksEntityType(name: entityName) else {
            return Self.error(
                404, "Unknown entity \(entityName); use one of \(QuickBooksEntityType.allCases.map(\.rawValue)).")
        }
        let accountant = SandboxAccountant(state: state)
        do throws(SandboxError) {
            let record: SandboxRecord
            switch action.lowercased() {
            case "deactivate" where type == .customer:
                record = try await accountant.deactivateCustomer(realmId: realmId, id: id)
            case "reactivate" where type == .customer:
                record = try await accountant.reactivateCustomer(realmId: realmId, id: id)
            case "merge" where type == .customer:
                guard let body = await jsonObject(request), let target = body["into"]?.scalarText else {
                    return Self.error(400, "Send {\"into\": \"<id of the customer that remains>\"}.")
                }
                record = try await accountant.mergeCustomer(realmId: realmId, from: id, into: target)
            case "delete":
                record = try await accountant.delete(realmId: realmId, entity: type, id: id)
            case "void":
                record = try await accountant.void(realmId: realmId, entity: type, id: id)
            case "edit":
                guard let body = await jsonObject(request) else {
                    return Self.error(400, "Send the changes as a JSON object, e.g. {\"TxnDate\":\"2026-11-30\"}.")
                }
                record = try await accountant.edit(realmId: realmId, entity: type, id: id, fields: body)
            default:
                return Self.error(
                    404,
                    "Unknown action \(action) on \(type.rawValue); use delete, void or edit "
                        + "(and for customers deactivate, reactivate or merge).")
            }
            return HTTPReply.json(200, .object(["record": recordJSON(record)]))
        } catch {
            switch error {
            case .unknownRealm: return Self.unknownRealm(realmId)
            case .refused(let code, _):
                return HTTPReply.json(400, .object(["error": .string(error.description), "code": .string(code)]))
            default: return Self.error(400, error.description)
            }
        }
    }

    private func jsonObject(_ request: Request) async -> [String: JSONValue]? {
        guard let bytes = await HTTPReply.collectBody(request, limit: 1024 * 1024), !bytes.isEmpty else { return nil }
        do {
            return try JSONParser.parse(bytes).objectValue
        } catch {
            return nil
        }
    }
}

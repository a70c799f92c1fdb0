import Foundation
import HTTPTypes
import Hummingbird

/// `/v3/company/{realmId}/…`: authentication, QuickBooks' limits, injected faults, then the call.
struct APIEndpoint: Sendable {
    let state: SandboxState

    /// Longest `requestid` QuickBooks accepts on a single call and on a batch call.
    static let maxRequestIdLength = 50
    static let maxBatchRequestIdLength = 36
    static let oldestMinorVersion = 75

    private static let wwwAuthenticate = HTTPField.Name("WWW-Authenticate")

    func respond(to request: Request, realmId: String, resource: String, entityId: String?) async -> Response {
        let now = state.clock.now
        let parameters = FormFields(request.uri.query)

        // Authentication comes first: QuickBooks says nothing about a company to a bad token.
        let tokenRealm: String
        do {
            tokenRealm = try authenticate(request, now: now)
        } catch {
            state.realm(realmId)?.traffic.countUnadmitted { $0.authenticationFailures += 1 }
            var headers: HTTPFields = [:]
            if let name = Self.wwwAuthenticate {
                headers[name] = #"Bearer realm="Intuit", error="invalid_token""#
            }
            return HTTPReply.fault(error, at: Date(), headers: headers)
        }
        guard tokenRealm == realmId, let realm = state.realm(realmId) else {
            return HTTPReply.fault(
                .authorization("The access token was issued for company \(tokenRealm), not \(realmId)."), at: Date())
        }

        // Intuit serves a retired minor version as the oldest one it still has; optionally refuse it.
        if let minorVersion = parameters["minorversion"], (Int(minorVersion) ?? 0) < Self.oldestMinorVersion {
            guard !state.configuration.rejectRetiredMinorVersions else {
                realm.traffic.countUnadmitted { $0.validationFaults += 1 }
                return HTTPReply.fault(.retiredMinorVersion(minorVersion), at: Date())
            }
            realm.traffic.record { $0.retiredMinorVersions += 1 }
        }

        let schedule = state.faultSchedule(for: realm)
        let plan = schedule.plan(now: now)
        // Changing the fault settings releases the requests the old settings are holding, so a test
        // can keep requests in flight for as long as it needs and then let them go.
        let settingsUnchanged = { [state] in
            state.faultSchedule(for: realm) === schedule && schedule.generation == plan.generation
        }
        let isBatch = resource.lowercased() == "batch"
        if realm.traffic.admit(isBatch: isBatch, forced: plan.forced429, now: now) != nil {
            return throttled(format: plan.throttleBodyFormat)
        }
        let response = await admitted(
            request, realm: realm, resource: resource, entityId: entityId, parameters: parameters, plan: plan,
            settingsUnchanged: settingsUnchanged)
        realm.traffic.finish()
        guard let hold = plan.timeout else { return response }
        // A "timed out" call no longer occupies an in-flight slot: QuickBooks stopped working on it,
        // only the answer is lost. With timeoutAfterWrite the write happened and the client never
        // learns it; only `requestid` saves it from a duplicate.
        realm.traffic.record {
            $0.faultsInjected += 1
            $0.timeoutsInjected += 1
        }
        await state.shutdown.hold(for: hold, while: settingsUnchanged)
        return HTTPReply.fault(.gatewayTimeout(), at: Date())
    }

    /// What happens to a request the limits let through: injected failures and latency, then the call.
    private func admitted(
        _ request: Request, realm: Realm, resource: String, entityId: String?, parameters: FormFields,
        plan: FaultSchedule.Plan, settingsUnchanged: () -> Bool
    ) async -> Response {
        if plan.outage {
            realm.traffic.record {
                $0.faultsInjected += 1
                $0.outageRejections += 1
            }
            return HTTPReply.fault(.serviceUnavailable(), at: Date())
        }
        if plan.serverError {
            realm.traffic.record {
                $0.faultsInjected += 1
                $0.serverErrorsInjected += 1
            }
            return HTTPReply.fault(.systemFailure("An injected server error (sandbox fault injection)."), at: Date())
        }
        if plan.latency > .zero {
            await state.shutdown.hold(for: plan.latency, while: settingsUnchanged)
        }
        if plan.timeout != nil, !plan.timeoutAfterWrite {
            return HTTPReply.empty(504)  // never sent: the caller holds and answers 504
        }
        let answer = await perform(
            request, realm: realm, resource: resource, entityId: entityId, parameters: parameters)
        realm.traffic.record { counters in
            if answer.replayed { counters.idempotentReplays += 1 }
            counters.validationFaults += answer.validationFaults
            counters.writes += answer.writes
            counters.batchItems += answer.batchItems
        }
        return HTTPReply.json(answer.status, encoded: answer.encoded ?? JSONWriter.serialize(answer.body))
    }

    // MARK: - The call

    private func perform(
        _ request: Request, realm: Realm, resource: String, entityId: String?, parameters: FormFields
    ) async -> APIAnswer {
        let now = Date()
        let store = realm.store
        let lowered = resource.lowercased()
        switch (request.method, lowered, entityId) {
        case (.get, "query", nil):
            guard let text = parameters["query"] else { return failure(.requiredParameter("query"), now) }
            return await store.query(text, now: now)
        case (.post, "query", nil):
            guard let bytes = await HTTPReply.collectBody(request, limit: state.configuration.maxRequestBodyBytes)
            else {
                return failure(.malformedBody("the body is larger than the sandbox accepts"), now)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            return await store.query(parameters["query"] ?? text, now: now)
        case (.get, "companyinfo", let id?):
            return await store.companyInfo(id: id, now: now)
        case (.get, "cdc", nil):
            return await store.changes(
                entities: parameters["entities"], changedSince: parameters["changedSince"], now: now)
        case (.post, "batch", nil):
            let requestId: String?
            do {
                requestId = try Self.requestId(parameters, limit: Self.maxBatchRequestIdLength)
            } catch {
                return failure(error, now)
            }
            switch await body(of: request) {
            case .success(let json): return await store.batch(json, requestId: requestId, now: now)
            case .failure(let fault): return failure(fault, now)
            }
        case (.get, _, let id?):
            guard let type = QuickBooksEntityType(name: lowered) else {
                return failure(.unknownResource(resource), now)
            }
            return await store.read(type, id: id, now: now)
        case (.post, _, nil):
            guard let type = QuickBooksEntityType(name: lowered) else {
                return failure(.unknownResource(resource), now)
            }
            let operation: WriteOperation
            switch parameters["operation"]?.lowercased() {
            // Payments are voided by an update with include=void (QuickBooks has no operation=void for them).
            case "update" where type == .payment && parameters["include"]?.lowercased() == "void": operation = .void
            case nil, "update": operation = .save
            case "delete": operation = .delete
            case "void": operation = .void
            case let other?: return failure(.unsupportedOperation("\(other) on \(type.rawValue)"), now)
            }
            let requestId: String?
            do {
                requestId = try Self.requestId(parameters, limit: Self.maxRequestIdLength)
            } catch {
                return failure(error, now)
            }
            switch await body(of: request) {
            case .success(let json):
                return await store.write(type, operation: operation, body: json, requestId: requestId, now: now)
            case .failure(let fault):
                return failure(fault, now)
            }
        default:
            return failure(.unknownResource("\(request.method) \(resource)"), now)
        }
    }

    private func body(of request: Request) async -> Result<JSONValue, QuickBooksFault> {
        guard let bytes = await HTTPReply.collectBody(request, limit: state.configuration.maxRequestBodyBytes) else {
            return .failure(.malformedBody("the body is larger than \(state.configuration.maxRequestBodyBytes) bytes"))
        }
        guard !bytes.isEmpty else { return .failure(.malformedBody("the body is empty")) }
        do {
            return .success(try JSONParser.parse(bytes))
        } catch {
            return .failure(.malformedBody(error.description))
        }
    }

    private static func requestId(_ parameters: FormFields, limit: Int) throws(QuickBooksFault) -> String? {
        guard let requestId = parameters["requestid"] else { return nil }
        guard !requestId.isEmpty, requestId.count <= limit else {
            throw .invalidRequestId(limit: limit, supplied: requestId.count)
        }
        return requestId
    }

    private func failure(_ fault: QuickBooksFault, _ now: Date) -> APIAnswer {
        APIAnswer(status: fault.httpStatus, body: fault.document(at: now), validationFaults: 1)
    }

    // MARK: - Refusals

    private func authenticate(_ request: Request, now: ContinuousClock.Instant) throws(QuickBooksFault) -> String {
        guard let header = request.headers[.authorization] else {
            throw .authentication("No Authorization header. Send Authorization: Bearer <access token>.")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .authentication("The Authorization header is not a Bearer token.")
        }
        do {
            return try state.tokens.validate(accessToken: String(parts[1]), now: now)
        } catch {
            switch error {
            case .expired: throw .authentication("Token expired. Refresh the access token and retry.")
            case .revoked: throw .authentication("Token revoked. The company must connect the app again.")
            case .unknown: throw .authentication("Token invalid.")
            }
        }
    }

    private func throttled(format: SandboxFaults.ThrottleBodyFormat) -> Response {
        let fault = QuickBooksFault.throttled()
        switch format {
        case .json: return HTTPReply.fault(fault, at: Date())
        case .xml: return HTTPReply.xml(fault.httpStatus, fault.xmlDocument(at: Date()))
        }
    }

}

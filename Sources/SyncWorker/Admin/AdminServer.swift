import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Postgres
import Prometheus
import ServiceLifecycle
import SyncCore

/// The worker's HTTP face: `/healthz`, `/readyz`, `/metrics`, and the authenticated admin API
/// that connects firms and shows a firm's QuickBooks column.
enum AdminServer {
    /// The JSON body of `POST /admin/firms`: the same fields as `qbsync firm connect`; the
    /// settings are read as a ``SettingsRequest`` from the same object.
    struct ConnectRequest: Decodable, Sendable {
        var firmID: String
        var realmID: String
        var refreshToken: String?
        var authorizationCode: String?
        var redirectURI: String?
        var settings: FirmConnector.SettingsChange

        enum CodingKeys: String, CodingKey {
            case firmID = "firm_id"
            case realmID = "realm_id"
            case refreshToken = "refresh_token"
            case authorizationCode = "authorization_code"
            case redirectURI = "redirect_uri"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            firmID = try container.decode(String.self, forKey: .firmID)
            realmID = try container.decode(String.self, forKey: .realmID)
            refreshToken = try container.decodeIfPresent(String.self, forKey: .refreshToken)
            authorizationCode = try container.decodeIfPresent(String.self, forKey: .authorizationCode)
            redirectURI = try container.decodeIfPresent(String.self, forKey: .redirectURI)
            settings = try SettingsRequest(from: decoder).change
        }
    }

    /// The JSON body of `PATCH /admin/firms/{firm}/settings`: only the fields to change
    /// (`"sync_start_date": null` removes the start date).
    struct SettingsRequest: Decodable, Sendable {
        var change = FirmConnector.SettingsChange()

        enum CodingKeys: String, CodingKey {
            case policy
            case syncStartDate = "sync_start_date"
            case manualPaymentsSync = "manual_payments_sync"
            case incomeAccountID = "income_account_id"
            case feeAccountID = "fee_account_id"
            case quickBooksChanges = "quickbooks_changes"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            change.policy = try container.decodeIfPresent(FirmPolicy.self, forKey: .policy)
            if container.contains(.syncStartDate) {
                change.syncStartDate = .some(
                    try container.decodeNil(forKey: .syncStartDate) ? nil : try container.decode(CalendarDate.self, forKey: .syncStartDate))
            }
            change.manualPaymentsSync = try container.decodeIfPresent(Bool.self, forKey: .manualPaymentsSync)
            change.incomeAccountID = try container.decodeIfPresent(String.self, forKey: .incomeAccountID)
            change.feeAccountID = try container.decodeIfPresent(String.self, forKey: .feeAccountID)
            change.quickBooksChanges = try container.decodeIfPresent(QuickBooksChangeRule.self, forKey: .quickBooksChanges)
        }
    }

    static func application(
        host: String, port: Int, adminToken: String, readiness: Readiness, registry: PrometheusCollectorRegistry?,
        database: PostgresClient, connector: FirmConnector, picker: CustomerPicker?, webhooks: WebhookIntake? = nil, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> any Service {
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let snapshot = await readiness.snapshot
            let problems = await readiness.problems
            var body: [String: ReadinessValue] = [:]
            for (component, ready) in snapshot { body[component.rawValue] = .flag(ready) }
            let ready = snapshot.values.allSatisfy { $0 }
            body["ready"] = .flag(ready)
            if !problems.isEmpty {
                body["problems"] = .texts(Dictionary(uniqueKeysWithValues: problems.map { ($0.key.rawValue, $0.value) }))
            }
            return try json(body, status: ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ -> Response in
            let text = registry?.emitToString() ?? ""
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.post("webhooks/quickbooks") { request, _ -> Response in
            guard let webhooks else {
                throw HTTPError(.notFound, message: "webhooks are off; set QBSYNC_QBO_WEBHOOK_VERIFIER_TOKEN to receive them")
            }
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: WebhookIntake.maxBodyBytes) } catch {
                throw HTTPError(.contentTooLarge, message: "a webhook body is at most \(WebhookIntake.maxBodyBytes) bytes")
            }
            switch await webhooks.receive(Array(buffer: body), signature: request.headers[Self.intuitSignature]) {
            case .recorded(let received, let new):
                return json(#"{"received":\#(received),"new":\#(new)}"#, status: .ok)
            case .badSignature:
                throw HTTPError(.unauthorized, message: "the intuit-signature header does not verify")
            case .unreadable(let reason):
                throw HTTPError(.badRequest, message: "not a QuickBooks webhook payload: \(reason)")
            case .unavailable:
                throw HTTPError(.serviceUnavailable, message: "the notifications could not be recorded; send them again")
            }
        }
        let admin = router.group("admin")
        admin.post("firms") { request, context -> Response in
            try authorize(request, adminToken)
            let body: ConnectRequest
            do { body = try await request.decode(as: ConnectRequest.self, context: context) } catch {
                throw HTTPError(
                    .badRequest, message: "the body must be JSON with firm_id, realm_id and refresh_token or authorization_code: \(error)")
            }
            let credential: FirmConnector.Credential
            if let token = body.refreshToken {
                credential = .refreshToken(token)
            } else if let code = body.authorizationCode {
                credential = .authorizationCode(code, redirectURI: body.redirectURI ?? "http://localhost/qbsync/callback")
            } else {
                throw HTTPError(.badRequest, message: "give refresh_token or authorization_code")
            }
            let chosen = body.settings
            let settings = FirmSettings(
                firmID: body.firmID, realmID: body.realmID, policy: chosen.policy ?? .accountsWithActivity,
                syncStartDate: chosen.syncStartDate ?? nil, manualPaymentsSync: chosen.manualPaymentsSync ?? true,
                incomeAccountID: chosen.incomeAccountID, feeAccountID: chosen.feeAccountID,
                quickBooksChanges: chosen.quickBooksChanges ?? .report)
            return try await answering("connect firm", logger: logger) {
                do {
                    let result = try await connector.connect(settings, credential: credential)
                    return json(String(decoding: try JSONEncoder().encode(result), as: UTF8.self), status: .ok)
                } catch let error as FirmSettingsError {
                    throw HTTPError(.badRequest, message: error.message)
                } catch let error as QuickBooksErrorDescribing {
                    throw HTTPError(.badGateway, message: error.operatorDescription)
                }
            }
        }
        admin.patch("firms/:firm/settings") { request, context -> Response in
            try authorize(request, adminToken)
            let firm = try firmParameter(context)
            let body: SettingsRequest
            do { body = try await request.decode(as: SettingsRequest.self, context: context) } catch {
                throw HTTPError(
                    .badRequest,
                    message:
                        "the body must be JSON with any of policy, sync_start_date, manual_payments_sync, income_account_id, fee_account_id, quickbooks_changes: \(error)"
                )
            }
            return try await answering("change the firm's settings", logger: logger) {
                do {
                    let result = try await connector.updateSettings(firmID: firm, body.change)
                    return json(String(decoding: try JSONEncoder().encode(result), as: UTF8.self), status: .ok)
                } catch let failure as FirmConnector.UnknownFirm {
                    throw HTTPError(.notFound, message: failure.description)
                } catch let error as FirmSettingsError {
                    throw HTTPError(.badRequest, message: error.message)
                }
            }
        }
        admin.delete("firms/:firm/connection") { request, context -> Response in
            try authorize(request, adminToken)
            let firm = try firmParameter(context)
            return try await answering("disconnect the firm", logger: logger) {
                do {
                    let result = try await connector.disconnect(firmID: firm)
                    return json(String(decoding: try JSONEncoder().encode(result), as: UTF8.self), status: .ok)
                } catch let failure as FirmConnector.UnknownFirm {
                    throw HTTPError(.notFound, message: failure.description)
                } catch let error as QuickBooksErrorDescribing {
                    throw HTTPError(
                        .badGateway, message: "Intuit did not revoke the tokens; nothing changed, try again: \(error.operatorDescription)")
                }
            }
        }
        admin.get("firms/:firm/accounts") { request, context -> Response in
            try authorize(request, adminToken)
            let firm = try firmParameter(context)
            return try await answering("show a firm's QuickBooks column", logger: logger) {
                guard try await FirmStore.exists(firmID: firm, in: database) else {
                    throw HTTPError(.notFound, message: "no firm '\(firm)' is connected to QuickBooks")
                }
                let column = try await QuickBooksColumn.load(firmID: firm, from: database)
                return json(String(decoding: try JSONEncoder().encode(column), as: UTF8.self), status: .ok)
            }
        }
        admin.get("firms/:firm/quickbooks/customers") { request, context -> Response in
            try authorize(request, adminToken)
            let firm = try firmParameter(context)
            guard let picker else {
                throw HTTPError(
                    .serviceUnavailable, message: "this worker cannot read the firms' QuickBooks tokens (see /readyz); ask another")
            }
            let query = request.uri.queryParameters
            var pickerRequest = CustomerPicker.Request()
            if let search = query["search"] { pickerRequest.search = String(search) }
            if let flag = query["include_inactive"] {
                guard let value = Bool(String(flag).lowercased()) else {
                    throw HTTPError(.badRequest, message: "include_inactive must be true or false, got '\(flag)'")
                }
                pickerRequest.includeInactive = value
            }
            if let limit = query["limit"] {
                guard let value = Int(String(limit)) else {
                    throw HTTPError(.badRequest, message: "limit must be a whole number, got '\(limit)'")
                }
                pickerRequest.limit = value
            }
            if let cursor = query["cursor"], !cursor.isEmpty { pickerRequest.cursor = String(cursor) }
            return try await answering("list the firm's QuickBooks customers", logger: logger) {
                do {
                    let page = try await picker.page(firmID: firm, pickerRequest)
                    return json(String(decoding: try JSONEncoder().encode(page), as: UTF8.self), status: .ok)
                } catch let failure as CustomerPicker.Failure {
                    switch failure {
                    case .invalidRequest: throw HTTPError(.badRequest, message: failure.description)
                    case .notConnected: throw HTTPError(.notFound, message: failure.description)
                    case .mustReconnect: throw HTTPError(.conflict, message: failure.description)
                    case .unavailable: throw HTTPError(.badGateway, message: failure.description)
                    }
                }
            }
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "qbsync"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// The `{firm}` path segment, percent-decoded (firm ids may contain any character).
    static func firmParameter(_ context: some RequestContext) throws -> String {
        let raw = try context.parameters.require("firm")
        guard let firm = raw.removingPercentEncoding, !firm.trimmingWhitespace.isEmpty else {
            throw HTTPError(.badRequest, message: "the firm id in the path is empty or not valid percent-encoding")
        }
        return firm
    }

    /// Runs a handler so that every failure answers with a JSON body saying what happened:
    /// HTTP errors as they are, anything else as 500 or 503, logged for the operator.
    static func answering(_ what: String, logger: Logger, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as HTTPError {
            throw error
        } catch let error as PostgresError where error.isConnectionLoss {
            logger.error("admin request failed: the database is unreachable", metadata: ["request": "\(what)", "error": "\(error)"])
            throw HTTPError(.serviceUnavailable, message: "could not \(what): the database is unreachable; try again shortly")
        } catch {
            logger.error("admin request failed", metadata: ["request": "\(what)", "error": "\(error)"])
            throw HTTPError(.internalServerError, message: "could not \(what): \(error)")
        }
    }

    private static func authorize(_ request: Request, _ adminToken: String) throws {
        guard !adminToken.isEmpty else {
            throw HTTPError(.forbidden, message: "the admin API is disabled; set QBSYNC_ADMIN_TOKEN to enable it")
        }
        let given = request.headers[.authorization] ?? ""
        let expected = "Bearer \(adminToken)"
        // Constant-time comparison: the token must not leak through response timing.
        guard given.utf8.count == expected.utf8.count,
            zip(given.utf8, expected.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
        else {
            throw HTTPError(.unauthorized, message: "missing or wrong admin bearer token")
        }
    }

    enum ReadinessValue: Encodable {
        case flag(Bool)
        case texts([String: String])
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .flag(let value): try container.encode(value)
            case .texts(let value): try container.encode(value)
            }
        }
    }

    private static let intuitSignature = HTTPField.Name("intuit-signature")!

    private static func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return json(String(decoding: try encoder.encode(value), as: UTF8.self), status: status)
    }

    private static func json(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Errors that can say what went wrong to an operator without leaking secrets.
protocol QuickBooksErrorDescribing: Error {
    var operatorDescription: String { get }
}

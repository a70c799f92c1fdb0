import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import QuickBooksSandbox

/// A running sandbox and an HTTP client to drive it, for one test.
struct SandboxHarness {
    let endpoint: SandboxEndpoint
    let inspector: SandboxInspector
    let client: HTTPClient
    let configuration: SandboxConfiguration

    /// A QuickBooks company the test connected to, with its current tokens.
    struct Company {
        let realmId: String
        var accessToken: String
        var refreshToken: String
    }

    struct Reply: CustomStringConvertible {
        let status: Int
        let headers: HTTPHeaders
        let text: String
        var json: JSONDoc { JSONDoc(text: text) }
        /// The first fault's code, for fault answers.
        var faultCode: String? { json["Fault"]["Error"][0]["code"].string }
        var description: String { "HTTP \(status): \(text)" }
    }

    static func run<T>(
        _ configuration: SandboxConfiguration = SandboxConfiguration(),
        _ body: (SandboxHarness) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "sandbox-test")
        logger.logLevel = .warning
        let sandbox = QuickBooksSandbox(configuration: configuration, logger: logger)
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
        clientConfiguration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        do {
            let result = try await sandbox.withRunning { endpoint in
                try await body(
                    SandboxHarness(
                        endpoint: endpoint, inspector: sandbox.inspector, client: client, configuration: configuration))
            }
            try await client.shutdown()
            return result
        } catch {
            try await client.shutdown()
            throw error
        }
    }

    // MARK: - OAuth

    /// Creates a realm over the admin API and exchanges its authorization code for tokens.
    func connectCompany(named companyName: String = "Test Company") async throws -> Company {
        let created = try await admin(.POST, "/realms", body: #"{"companyName":"\#(companyName)"}"#)
        guard created.status == 201, let realmId = created.json["realmId"].string,
            let code = created.json["authorizationCode"].string
        else { throw HarnessError.unexpected("realm creation", created) }
        let tokens = try await exchange(code: code)
        guard tokens.status == 200, let access = tokens.json["access_token"].string,
            let refresh = tokens.json["refresh_token"].string
        else { throw HarnessError.unexpected("code exchange", tokens) }
        return Company(realmId: realmId, accessToken: access, refreshToken: refresh)
    }

    func exchange(code: String) async throws -> Reply {
        try await tokenRequest(
            "grant_type=authorization_code&code=\(code)&redirect_uri=http%3A%2F%2Flocalhost%2Fcallback")
    }

    func refresh(_ refreshToken: String) async throws -> Reply {
        try await tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)")
    }

    func tokenRequest(_ form: String, clientSecret: String? = nil) async throws -> Reply {
        let credentials = "\(configuration.clientId):\(clientSecret ?? configuration.clientSecret)"
        return try await send(
            .POST, endpoint.tokenURL, body: form,
            headers: [
                "Authorization": "Basic \(Data(credentials.utf8).base64EncodedString())",
                "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
            ])
    }

    // MARK: - Accounting API

    /// Calls `/v3/company/{realmId}/{path}` with the company's bearer token and `minorversion=75`
    /// unless the query says otherwise.
    func api(
        _ company: Company, _ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: String? = nil,
        bearer: String? = nil, timeout: TimeAmount = .seconds(30)
    ) async throws -> Reply {
        var parameters = query
        if parameters["minorversion"] == nil { parameters["minorversion"] = "75" }
        parameters = parameters.filter { !$0.value.isEmpty }
        let queryString = parameters.sorted { $0.key < $1.key }
            .map { "\($0.key)=\(Self.percentEncode($0.value))" }
            .joined(separator: "&")
        var headers = ["Accept": "application/json", "Authorization": "Bearer \(bearer ?? company.accessToken)"]
        if body != nil { headers["Content-Type"] = "application/json" }
        return try await send(
            method, "\(endpoint.apiBaseURL)/v3/company/\(company.realmId)/\(path)?\(queryString)", body: body,
            headers: headers, timeout: timeout)
    }

    /// Creates an entity and returns the entity object from the answer, failing on any fault.
    func create(_ company: Company, _ entity: String, _ json: String, requestId: String? = nil) async throws -> JSONDoc {
        let reply = try await api(
            company, .POST, entity.lowercased(), query: ["requestid": requestId ?? ""], body: json)
        guard reply.status == 200, reply.json[entity].exists else {
            throw HarnessError.unexpected("create \(entity)", reply)
        }
        return reply.json[entity]
    }

    func query(_ company: Company, _ statement: String) async throws -> Reply {
        try await api(company, .GET, "query", query: ["query": statement])
    }

    /// A customer ready to invoice.
    func makeCustomer(_ company: Company, _ name: String) async throws -> String {
        let customer = try await create(company, "Customer", #"{"DisplayName":"\#(name)"}"#)
        guard let id = customer["Id"].string else { throw HarnessError.missing("Customer.Id") }
        return id
    }

    /// An invoice for the customer with one line of the seeded "Services" item (Id 1).
    func makeInvoice(
        _ company: Company, customerId: String, amount: String, docNumber: String? = nil
    ) async throws
        -> JSONDoc
    {
        let number = docNumber.map { #","DocNumber":"\#($0)""# } ?? ""
        return try await create(
            company, "Invoice",
            #"{"CustomerRef":{"value":"\#(customerId)"}\#(number),"Line":[{"DetailType":"SalesItemLineDetail","Amount":\#(amount),"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
        )
    }

    // MARK: - Admin API

    func admin(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> Reply {
        try await send(method, endpoint.adminBaseURL + path, body: body, headers: ["Content-Type": "application/json"])
    }

    func setFaults(_ json: String, realmId: String? = nil) async throws {
        let path = realmId.map { "/realms/\($0)/faults" } ?? "/faults"
        let reply = try await admin(.PUT, path, body: json)
        guard reply.status == 200 else { throw HarnessError.unexpected("set faults", reply) }
    }

    func counters(_ company: Company) async throws -> JSONDoc {
        let reply = try await admin(.GET, "/realms/\(company.realmId)/counters")
        guard reply.status == 200 else { throw HarnessError.unexpected("counters", reply) }
        return reply.json
    }

    // MARK: - Plumbing

    func send(
        _ method: HTTPMethod, _ url: String, body: String? = nil, headers: [String: String] = [:],
        timeout: TimeAmount = .seconds(30)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 32 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: buffer))
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Polls until the condition holds or the deadline passes; returns whether it held.
    static func eventually(
        within timeout: Duration, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: interval)
        }
        return try await condition()
    }
}

import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A stateless client for the QuickBooks Online Accounting API v3 and its OAuth 2 token endpoint.
///
/// It adds `minorversion` to every call and a `requestid` to every write, and turns QuickBooks'
/// Fault bodies (JSON, or XML on some throttling responses) into ``QuickBooksError``. It does not
/// retry: the caller owns backoff, because a 429 must pause the whole realm, not one request.
public final class QuickBooksClient: Sendable {
    public let configuration: QuickBooksConfiguration
    let http: HTTPClient
    let limiter: (any RequestLimiter)?
    let logger: Logger

    /// - Parameter limiter: when set, every API request (not token requests) passes it.
    public init(
        configuration: QuickBooksConfiguration, httpClient: HTTPClient = .shared, limiter: (any RequestLimiter)? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.http = httpClient
        self.limiter = limiter
        self.logger = logger
    }

    /// Creates an object: `POST /v3/company/{realm}/{entity}?requestid=…`.
    public func create<Object: Codable & Sendable>(_ entity: String, _ object: Object, requestID: String, access: RealmAccess)
        async throws(QuickBooksError) -> Object
    {
        let body = try encode(object, operation: "create \(entity)")
        let response = try await send(
            .POST, path: entity.lowercased(), query: [("requestid", requestID)], body: body, access: access, operation: "create \(entity)")
        return try decodeEntity(Object.self, key: entity, from: response, operation: "create \(entity)")
    }

    /// Updates an object; `object` must carry `Id` and the current `SyncToken` (a stale one gives 5010).
    /// With `sparse`, only the fields present in `object` change.
    public func update<Object: Codable & Sendable>(_ entity: String, _ object: Object, sparse: Bool, requestID: String, access: RealmAccess)
        async throws(QuickBooksError) -> Object
    {
        let body = try sparse ? encode(SparseUpdate(object), operation: "update \(entity)") : encode(object, operation: "update \(entity)")
        let response = try await send(
            .POST, path: entity.lowercased(), query: [("requestid", requestID)], body: body, access: access, operation: "update \(entity)")
        return try decodeEntity(Object.self, key: entity, from: response, operation: "update \(entity)")
    }

    /// Reads one object by id: `GET /v3/company/{realm}/{entity}/{id}`.
    public func read<Object: Codable & Sendable>(_ entity: String, id: String, as type: Object.Type, access: RealmAccess)
        async throws(QuickBooksError) -> Object
    {
        let response = try await send(
            .GET, path: "\(entity.lowercased())/\(Self.percentEncoded(id))", query: [], body: nil, access: access,
            operation: "read \(entity)")
        return try decodeEntity(Object.self, key: entity, from: response, operation: "read \(entity)")
    }

    /// Runs a query (`select * from Customer where …`) and returns the objects under `entity`.
    public func query<Object: Decodable & Sendable>(_ statement: String, entity: String, as type: Object.Type, access: RealmAccess)
        async throws(QuickBooksError) -> [Object]
    {
        let response = try await send(
            .GET, path: "query", query: [("query", statement)], body: nil, access: access, operation: "query \(entity)")
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[DynamicEntityKey.userInfoKey] = entity
            return try decoder.decode(QueryEnvelope<Object>.self, from: response).objects
        } catch {
            throw QuickBooksError(
                httpStatus: 200, faultType: nil, errors: [], operation: "query \(entity)",
                transportError: "unreadable query response: \(error)")
        }
    }

    // MARK: - Transport

    func send(
        _ method: HTTPMethod, path: String, query: [(String, String)], body: Data?, access: RealmAccess, operation: String,
        kind: RequestKind = .single
    ) async throws(QuickBooksError) -> ByteBuffer {
        var url =
            "\(configuration.apiBaseURL)/v3/company/\(Self.percentEncoded(access.realmID))/\(path)?minorversion=\(configuration.minorVersion)"
        for (name, value) in query { url += "&\(name)=\(Self.percentEncoded(value))" }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(access.accessToken)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        guard let limiter else { return try await execute(request, operation: operation) }
        do {
            try await limiter.acquire(realmID: access.realmID, kind: kind)
        } catch {
            throw QuickBooksError(httpStatus: nil, faultType: nil, errors: [], operation: operation, transportError: "not sent: \(error)")
        }
        let result: Result<ByteBuffer, QuickBooksError>
        do { result = .success(try await execute(request, operation: operation)) } catch { result = .failure(error) }
        await limiter.release(realmID: access.realmID)
        return try result.get()
    }

    func execute(_ request: HTTPClientRequest, operation: String) async throws(QuickBooksError) -> ByteBuffer {
        let status: HTTPResponseStatus
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(configuration.requestTimeout.nanoseconds))
            status = response.status
            body = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch {
            throw QuickBooksError(
                httpStatus: nil, faultType: nil, errors: [], operation: operation, transportError: String(describing: error))
        }
        guard (200..<300).contains(status.code) else {
            throw Self.error(status: Int(status.code), body: body, operation: operation)
        }
        // QuickBooks answers some validation failures with 200 and a Fault body.
        if body.readableBytesView.starts(with: Array(#"{"Fault""#.utf8)),
            let fault = try? JSONDecoder().decode(FaultResponse.self, from: body)
        {
            throw QuickBooksError(
                httpStatus: Int(status.code), faultType: fault.fault.type, errors: fault.fault.errors, operation: operation)
        }
        return body
    }

    static func error(status: Int, body: ByteBuffer, operation: String) -> QuickBooksError {
        if let fault = try? JSONDecoder().decode(FaultResponse.self, from: body) {
            return QuickBooksError(httpStatus: status, faultType: fault.fault.type, errors: fault.fault.errors, operation: operation)
        }
        if let oauth = try? JSONDecoder().decode(OAuthErrorBody.self, from: body) {
            return QuickBooksError(
                httpStatus: status, faultType: oauth.error,
                errors: [Fault.Error(message: oauth.errorDescription ?? oauth.error, code: oauth.error)], operation: operation)
        }
        let text = String(buffer: body)
        if let xml = XMLFault(text) {
            return QuickBooksError(httpStatus: status, faultType: xml.type, errors: xml.errors, operation: operation)
        }
        return QuickBooksError(
            httpStatus: status, faultType: nil, errors: [], operation: operation,
            transportError: text.isEmpty ? nil : String(text.prefix(200)))
    }

    /// Encodes a request body; amounts (``QuickBooksDecimal``) leave as exact decimal numbers.
    func encode(_ object: some Encodable, operation: String) throws(QuickBooksError) -> Data {
        try Self.encoded(object, operation: operation)
    }

    func decodeEntity<Object: Decodable>(_ type: Object.Type, key: String, from body: ByteBuffer, operation: String) throws(QuickBooksError)
        -> Object
    {
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[DynamicEntityKey.userInfoKey] = key
            return try decoder.decode(EntityEnvelope<Object>.self, from: body).object
        } catch {
            throw QuickBooksError(
                httpStatus: 200, faultType: nil, errors: [], operation: operation, transportError: "unreadable response: \(error)")
        }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncoded(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(hex[Int(byte >> 4)])
                result.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return result
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

import Foundation
import NIOCore
import NIOFoundationCompat

/// One write to QuickBooks, encoded and named, so that it can be sent on its own or as one item
/// of a batch request.
public struct QuickBooksWrite: Sendable, Hashable {
    public enum Operation: String, Sendable, Hashable {
        case create, update, void, delete
    }

    /// The entity name ("Invoice", "Payment").
    public var entity: String
    public var operation: Operation
    /// The object as sent: exact amounts; for an update, marked sparse; for a void or delete,
    /// only its Id and SyncToken.
    public var body: Data
    /// The write's own requestid, used when it goes alone. In a batch the batch's requestid
    /// counts instead, and this one identifies the item.
    public var requestID: String

    /// For logs and metrics: "create Invoice".
    public var name: String { "\(operation.rawValue) \(entity)" }

    public static func create(_ entity: String, _ object: some Encodable, requestID: String) throws(QuickBooksError) -> Self {
        Self(
            entity: entity, operation: .create, body: try QuickBooksClient.encoded(object, operation: "create \(entity)"),
            requestID: requestID)
    }

    /// A sparse update: `change` carries the Id, the current SyncToken and only the fields to change.
    public static func update(_ entity: String, _ change: some Encodable, requestID: String) throws(QuickBooksError) -> Self {
        let body = try QuickBooksClient.encoded(SparseUpdate(change), operation: "update \(entity)")
        return Self(entity: entity, operation: .update, body: body, requestID: requestID)
    }

    public static func void(_ entity: String, id: String, syncToken: String, requestID: String) throws(QuickBooksError) -> Self {
        let body = try QuickBooksClient.encoded(ObjectVersion(id: id, syncToken: syncToken), operation: "void \(entity)")
        return Self(entity: entity, operation: .void, body: body, requestID: requestID)
    }

    public static func delete(_ entity: String, id: String, syncToken: String, requestID: String) throws(QuickBooksError) -> Self {
        let body = try QuickBooksClient.encoded(ObjectVersion(id: id, syncToken: syncToken), operation: "delete \(entity)")
        return Self(entity: entity, operation: .delete, body: body, requestID: requestID)
    }
}

/// What QuickBooks answers for a write: the object's Id and its SyncToken after the write.
public struct WrittenObject: Sendable, Hashable, Codable {
    public var id: String?
    public var syncToken: String?

    public init(id: String?, syncToken: String?) {
        self.id = id
        self.syncToken = syncToken
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case syncToken = "SyncToken"
    }
}

/// The body of a void or delete: which object, at which version.
struct ObjectVersion: Encodable {
    var id: String
    var syncToken: String
    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case syncToken = "SyncToken"
    }
}

extension QuickBooksClient {
    /// Sends one write on its own, with its requestid.
    public func send(_ write: QuickBooksWrite, access: RealmAccess) async throws(QuickBooksError) -> WrittenObject {
        var query = [("requestid", write.requestID)]
        switch write.operation {
        case .void, .delete: query.insert(("operation", write.operation.rawValue), at: 0)
        case .create, .update: break
        }
        let response = try await send(
            .POST, path: write.entity.lowercased(), query: query, body: write.body, access: access, operation: write.name)
        return try decodeEntity(WrittenObject.self, key: write.entity, from: response, operation: write.name)
    }

    /// The body of a batch request holding `writes` as BatchItemRequests, the i-th with bId "i".
    ///
    /// The items are assembled from the writes' encoded bodies (which already carry exact
    /// amounts) rather than encoded again; entity names and bIds are plain ASCII.
    public static func batchBody(_ writes: [QuickBooksWrite]) -> Data {
        var body = Data(#"{"BatchItemRequest":["#.utf8)
        for (index, write) in writes.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            let operation: String
            switch write.operation {
            case .create: operation = #""operation":"create""#
            case .update: operation = #""operation":"update""#
            case .void: operation = #""operation":"update","optionsData":"void""#
            case .delete: operation = #""operation":"delete""#
            }
            body.append(contentsOf: Array(#"{"bId":"\#(index)",\#(operation),"\#(write.entity)":"#.utf8))
            body.append(write.body)
            body.append(UInt8(ascii: "}"))
        }
        body.append(contentsOf: Array("]}".utf8))
        return body
    }

    /// Sends a batch request (`POST /batch?requestid=…`) built by ``batchBody(_:)`` and returns
    /// QuickBooks' answer as it came, to be kept until every item's result is recorded. A
    /// failure of the batch as a whole (429, 5xx, 401, no answer) is thrown.
    public func sendBatch(_ body: Data, requestID: String, access: RealmAccess) async throws(QuickBooksError) -> Data {
        let response = try await send(
            .POST, path: "batch", query: [("requestid", requestID)], body: body, access: access,
            operation: "batch", kind: .batch)
        return Data(buffer: response)
    }

    /// Each write's result from a batch answer, in the order of `writes` (bId "i" answers the
    /// i-th). An item QuickBooks faulted comes out as the error it would have been on its own.
    public static func batchResults(_ answer: Data, writes: [QuickBooksWrite]) throws(QuickBooksError) -> [Result<
        WrittenObject, QuickBooksError
    >] {
        let byID = try answerItems(answer)
        return writes.enumerated().map { index, write in result(byID[String(index)], at: index, of: write) }
    }

    /// One write's result from a batch answer: the write at `index` (a repeat that finds its batch).
    public static func batchResult(_ answer: Data, at index: Int, of write: QuickBooksWrite) throws(QuickBooksError) -> Result<
        WrittenObject, QuickBooksError
    > {
        result(try answerItems(answer)[String(index)], at: index, of: write)
    }

    private static func answerItems(_ answer: Data) throws(QuickBooksError) -> [String: BatchItemAnswer] {
        let items: [BatchItemAnswer]
        do {
            items = try JSONDecoder().decode(BatchAnswer.self, from: answer).items
        } catch {
            throw QuickBooksError(
                httpStatus: 200, faultType: nil, errors: [], operation: "batch", transportError: "unreadable batch response: \(error)")
        }
        return Dictionary(items.map { ($0.bId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private static func result(_ item: BatchItemAnswer?, at index: Int, of write: QuickBooksWrite) -> Result<WrittenObject, QuickBooksError>
    {
        guard let item else {
            return .failure(
                QuickBooksError(
                    httpStatus: 200, faultType: nil, errors: [], operation: write.name,
                    transportError: "the batch answer has no item \(index)"))
        }
        if let fault = item.fault {
            return .failure(QuickBooksError(httpStatus: 400, faultType: fault.type, errors: fault.errors, operation: write.name))
        }
        guard let object = item.object else {
            return .failure(
                QuickBooksError(
                    httpStatus: 200, faultType: nil, errors: [], operation: write.name,
                    transportError: "the batch answer's item \(index) holds no object"))
        }
        return .success(object)
    }

    static func encoded(_ object: some Encodable, operation: String) throws(QuickBooksError) -> Data {
        do { return try JSONEncoder().encode(object) } catch {
            throw QuickBooksError(
                httpStatus: nil, faultType: nil, errors: [], operation: operation, transportError: "could not encode the request: \(error)")
        }
    }
}

/// `{"BatchItemResponse":[{"bId":"0","Invoice":{…}},{"bId":"1","Fault":{…}}],"time":…}`.
private struct BatchAnswer: Decodable {
    var items: [BatchItemAnswer]
    enum CodingKeys: String, CodingKey { case items = "BatchItemResponse" }
}

/// One item of a batch answer: its bId and either the object written (under its entity name) or a Fault.
private struct BatchItemAnswer: Decodable {
    var bId: String
    var fault: Fault?
    var object: WrittenObject?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DynamicEntityKey.self)
        bId = try container.decode(String.self, forKey: DynamicEntityKey("bId"))
        fault = try container.decodeIfPresent(Fault.self, forKey: DynamicEntityKey("Fault"))
        for key in container.allKeys where !["bId", "Fault", "time"].contains(key.stringValue) {
            object = try? container.decode(WrittenObject.self, forKey: key)
            if object != nil { break }
        }
    }
}

import Foundation
import SyncCore

extension QuickBooksClient {
    /// The items named any of `names` (inactive ones included), and, when `withIncomeAccount`,
    /// the income account new Service items would post to (detail type ServiceFeeIncome first,
    /// else any Income account): all in one request — a query, or a batch request of queries
    /// when the account is asked too.
    public func items(
        named names: [String], withIncomeAccount: Bool, access: RealmAccess
    ) async throws(QuickBooksError) -> (items: [Item], incomeAccount: Account?) {
        let itemQuery =
            "select * from Item where Name in (\(names.map(QueryLiteral.quoted).joined(separator: ", "))) and Active in (true, false)"
        guard withIncomeAccount else { return (try await query(itemQuery, entity: Item.entityName, as: Item.self, access: access), nil) }
        let queries = [
            itemQuery, "select * from Account where AccountSubType = 'ServiceFeeIncome' and Active = true",
            "select * from Account where AccountType = 'Income' and Active = true",
        ]
        let answer = try await sendBatch(try Self.queryBatchBody(queries), requestID: UUID().uuidString.lowercased(), access: access)
        let items = try Self.batchQueryObjects(answer, bId: "0", entity: Item.entityName, as: Item.self)
        let preferred = try Self.batchQueryObjects(answer, bId: "1", entity: Account.entityName, as: Account.self)
        let any = try Self.batchQueryObjects(answer, bId: "2", entity: Account.entityName, as: Account.self)
        return (items, preferred.first ?? any.first)
    }

    /// Creates the Service items `names` with `incomeAccount` — one request (a batch request for
    /// several) whose requestid derives from `requestID` and the names, so a repeat replays it.
    /// A name another writer took meanwhile (6240) gives that writer's item, active.
    public func createServiceItems(
        named names: [String], incomeAccount: ReferenceType, requestID: String, access: RealmAccess
    ) async throws(QuickBooksError) -> [Item] {
        guard names.count > 1 else {
            return try await names.asyncMap { name throws(QuickBooksError) in
                try await createServiceItem(named: name, incomeAccount: incomeAccount, requestID: requestID, access: access)
            }
        }
        let writes = try names.map { name throws(QuickBooksError) in
            try QuickBooksWrite.create(
                Item.entityName, Item.service(named: name, incomeAccount: incomeAccount),
                requestID: RequestID.stableUUID([requestID, name]))
        }
        let batchID = RequestID.stableUUID([requestID] + names)
        let answer = try await sendBatch(Self.batchBody(writes), requestID: batchID, access: access)
        var items: [Item] = []
        for (name, result) in zip(names, try Self.batchResults(answer, writes: writes)) {
            switch result {
            case .success(let written):
                items.append(
                    Item(id: written.id, syncToken: written.syncToken, name: name, type: Item.serviceType, incomeAccountRef: incomeAccount))
            case .failure(let error) where error.isDuplicateName:
                guard let found = try await self.items(named: name, access: access).first else { throw error }
                items.append(try await activated(found, requestID: requestID, access: access))
            case .failure(let error):
                throw error
            }
        }
        return items
    }

    /// `{"BatchItemRequest":[{"bId":"0","Query":"…"},…]}`.
    static func queryBatchBody(_ queries: [String]) throws(QuickBooksError) -> Data {
        struct Request: Encodable {
            struct Item: Encodable {
                var bId: String
                var query: String
                enum CodingKeys: String, CodingKey {
                    case bId
                    case query = "Query"
                }
            }
            var items: [Item]
            enum CodingKeys: String, CodingKey { case items = "BatchItemRequest" }
        }
        return try encoded(
            Request(items: queries.enumerated().map { .init(bId: String($0.offset), query: $0.element) }), operation: "batch query")
    }

    /// The objects one query of a batch answer found (`bId`), or the Fault it got.
    static func batchQueryObjects<Object: Decodable>(
        _ answer: Data, bId: String, entity: String, as type: Object.Type
    ) throws(QuickBooksError) -> [Object] {
        let items: [BatchQueryAnswer<Object>.Item]
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[DynamicEntityKey.userInfoKey] = entity
            items = try decoder.decode(BatchQueryAnswer<Object>.self, from: answer).items
        } catch {
            throw QuickBooksError(
                httpStatus: 200, faultType: nil, errors: [], operation: "batch query", transportError: "unreadable batch response: \(error)"
            )
        }
        guard let item = items.first(where: { $0.bId == bId }) else {
            throw QuickBooksError(
                httpStatus: 200, faultType: nil, errors: [], operation: "batch query", transportError: "the batch answer has no item \(bId)"
            )
        }
        if let fault = item.fault {
            throw QuickBooksError(httpStatus: 400, faultType: fault.type, errors: fault.errors, operation: "query \(entity)")
        }
        return item.objects
    }
}

/// `{"BatchItemResponse":[{"bId":"0","QueryResponse":{"Item":[…],…}},{"bId":"1","Fault":{…}}]}`.
private struct BatchQueryAnswer<Object: Decodable>: Decodable {
    struct Item: Decodable {
        var bId: String
        var fault: Fault?
        var objects: [Object]

        enum CodingKeys: String, CodingKey {
            case bId
            case fault = "Fault"
            case queryResponse = "QueryResponse"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            bId = try container.decode(String.self, forKey: .bId)
            fault = try container.decodeIfPresent(Fault.self, forKey: .fault)
            objects = []
            if container.contains(.queryResponse) {
                let response = try container.nestedContainer(keyedBy: DynamicEntityKey.self, forKey: .queryResponse)
                objects = try response.decodeIfPresent([Object].self, forKey: try .entity(in: decoder)) ?? []
            }
        }
    }
    var items: [Item]
    enum CodingKeys: String, CodingKey { case items = "BatchItemResponse" }
}

extension Sequence {
    /// `map` with an async, typed-throwing transform, in order.
    func asyncMap<T, E: Error>(_ transform: (Element) async throws(E) -> T) async throws(E) -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

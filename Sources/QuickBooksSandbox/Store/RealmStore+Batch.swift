import Foundation

/// The batch endpoint: up to `maxBatchItems` operations, each answered (or faulted) on its own.
extension RealmStore {
    func batch(_ body: JSONValue, requestId: String?, now: Date) -> APIAnswer {
        if let requestId, let original = idempotency.answer(for: requestId) {
            return APIAnswer(status: original.status, body: .null, encoded: original.body, replayed: true)
        }
        var answer: APIAnswer
        do {
            answer = try runBatch(body, now: now)
        } catch {
            answer = faultAnswer(error, now: now)
        }
        if let requestId {
            let encoded = JSONWriter.serialize(answer.body)
            idempotency.remember(.init(status: answer.status, body: encoded), for: requestId)
            answer.encoded = encoded
        }
        return answer
    }

    private func runBatch(_ body: JSONValue, now: Date) throws(QuickBooksFault) -> APIAnswer {
        guard let items = body["BatchItemRequest"]?.arrayValue, !items.isEmpty else {
            throw .requiredParameter("BatchItemRequest")
        }
        guard items.count <= maxBatchItems else {
            throw .businessValidation(
                "A batch request can hold at most \(maxBatchItems) BatchItemRequest objects; this one has \(items.count).",
                element: "BatchItemRequest")
        }
        // Check the envelope of every item before running any, so a malformed batch changes nothing.
        var seen: Set<String> = []
        for item in items {
            guard let bId = item["bId"]?.scalarText, !bId.isEmpty else { throw .requiredParameter("bId") }
            guard seen.insert(bId).inserted else {
                throw .invalidProperty("bId", detail: "bId \(bId) is used twice; each BatchItemRequest needs its own.")
            }
        }

        // Items of one batch run in order but do not see each other's creations, as in QuickBooks.
        createdInBatch = []
        defer { createdInBatch = nil }
        var responses: [JSONValue] = []
        var faults = 0
        var writes = 0
        for item in items {
            let bId = item["bId"]?.scalarText ?? ""
            do {
                let (key, value) = try runBatchItem(item, now: now)
                responses.append(.object(["bId": .string(bId), key: value]))
                if key != "QueryResponse" { writes += 1 }
            } catch {
                faults += 1
                responses.append(.object(["bId": .string(bId), "Fault": error.faultObject]))
            }
        }
        return APIAnswer(
            status: 200,
            body: .object(["BatchItemResponse": .array(responses), "time": Self.time(now)]),
            validationFaults: faults, writes: writes, batchItems: items.count
        )
    }

    private func runBatchItem(_ item: JSONValue, now: Date) throws(QuickBooksFault) -> (String, JSONValue) {
        guard let fields = item.objectValue else {
            throw .invalidProperty("BatchItemRequest", detail: "Each BatchItemRequest must be a JSON object.")
        }
        if let query = fields["Query"] {
            guard let text = query.stringValue else {
                throw .invalidProperty("Query", detail: "Query must be a string.")
            }
            return ("QueryResponse", try runQuery(text))
        }
        let named = fields.keys.compactMap { key in QuickBooksEntityType.allCases.first { $0.rawValue == key } }
        guard named.count == 1, let type = named.first, let payload = fields[type.rawValue] else {
            throw .invalidProperty(
                "BatchItemRequest", detail: "A BatchItemRequest needs exactly one entity object (or a Query).")
        }
        guard let operationName = fields["operation"]?.stringValue else { throw .requiredParameter("operation") }
        let options = fields["optionsData"]?.stringValue?.lowercased()
        let operation: WriteOperation
        switch operationName.lowercased() {
        case "create": operation = .create
        case "update": operation = options == "void" ? .void : .update
        case "delete": operation = .delete
        default:
            throw .invalidProperty(
                "operation", detail: "operation must be create, update or delete; got \(operationName).")
        }
        return (type.rawValue, try perform(type, operation: operation, body: payload, now: now))
    }
}

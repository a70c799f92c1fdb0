import Foundation

/// The query endpoint: `select … from <Entity> where …`, using the name, document-number and Id
/// indexes when a condition allows it.
extension RealmStore {
    /// Properties a query may filter or sort on, per entity (QuickBooks rejects the others).
    static let queryableFields: [QuickBooksEntityType: Set<String>] = {
        let common: Set<String> = ["id", "metadata.createtime", "metadata.lastupdatedtime", "synctoken"]
        let transaction: Set<String> = common.union(["docnumber", "txndate", "totalamt", "customerref", "privatenote"])
        return [
            .customer: common.union([
                "displayname", "givenname", "middlename", "familyname", "companyname", "fullyqualifiedname",
                "printonCheckname".lowercased(), "primaryemailaddr", "active", "balance", "job", "parentref",
                "title", "suffix",
            ]),
            .item: common.union([
                "name", "fullyqualifiedname", "active", "type", "sku", "unitprice", "incomeaccountref",
            ]),
            .account: common.union([
                "name", "fullyqualifiedname", "active", "accounttype", "accountsubtype", "classification",
                "currentbalance", "acctnum", "subaccount",
            ]),
            .invoice: transaction.union(["duedate", "balance"]),
            .payment: transaction.union(["paymentrefnum", "unappliedamt"]),
            .creditMemo: transaction.union(["balance", "remainingcredit"]),
            .refundReceipt: transaction.union(["paymentrefnum", "depositToaccountref".lowercased()]),
            .customerType: common.union(["name", "active"]),
            .purchase: common.union([
                "docnumber", "txndate", "totalamt", "paymenttype", "accountref", "entityref", "privatenote",
            ]),
        ]
    }()

    /// Most results a query returns; QuickBooks' ceiling.
    static let maxQueryResults = 1000

    func query(_ text: String, now: Date) -> APIAnswer {
        do {
            let response = try runQuery(text)
            return APIAnswer(status: 200, body: .object(["QueryResponse": response, "time": Self.time(now)]))
        } catch {
            return faultAnswer(error, now: now)
        }
    }

    /// The `QueryResponse` object of a query.
    func runQuery(_ text: String) throws(QuickBooksFault) -> JSONValue {
        let statement: QueryStatement
        do {
            statement = try QueryParser.parse(text)
        } catch {
            throw .queryParse(error.detail)
        }
        guard let type = QuickBooksEntityType(name: statement.entity) else {
            throw .queryValidation("Entity \(statement.entity) is not supported by the sandbox.")
        }
        let allowed = Self.queryableFields[type] ?? []
        for path in statement.conditions.map(\.field) + statement.ordering.map(\.field) {
            let name = path.joined(separator: ".")
            guard allowed.contains(name.lowercased()) else {
                throw .queryValidation("property '\(name)' is not queryable for \(type.rawValue).")
            }
        }
        if let maxResults = statement.maxResults, maxResults > Self.maxQueryResults {
            throw .queryValidation("maxresults can be at most \(Self.maxQueryResults); got \(maxResults).")
        }

        // Like QuickBooks, a name-list query that does not mention Active sees only active entities.
        var conditions = statement.conditions
        if type.isNameList, !conditions.contains(where: { $0.field.map { $0.lowercased() } == ["active"] }) {
            conditions.append(.init(field: ["Active"], op: .equal, values: [.bool(true)]))
        }

        var matches: [StoredEntity] = []
        for id in candidateIds(type, conditions: conditions) {
            guard let entity = entity(type, id), entity.status != .deleted else { continue }
            if conditions.allSatisfy({ Self.matches($0, entity) }) { matches.append(entity) }
        }

        if case .count = statement.projection {
            return .object(["totalCount": .number(Double(matches.count))])
        }
        if !statement.ordering.isEmpty {
            matches.sort { lhs, rhs in
                for order in statement.ordering {
                    let comparison = Self.compare(Self.value(order.field, in: lhs), Self.value(order.field, in: rhs))
                    if comparison != 0 { return order.descending ? comparison > 0 : comparison < 0 }
                }
                return lhs.id < rhs.id
            }
        }
        let start = statement.startPosition - 1
        let limit = statement.maxResults ?? 100
        guard start < matches.count else { return .object([:]) }
        let page = matches[start..<min(matches.count, start + limit)]
        let documents: [JSONValue] = page.map { entity in
            guard case .fields(let names) = statement.projection, case .object(var full) = entity.rendered() else {
                return entity.rendered()
            }
            let wanted = Set(names.map { $0.lowercased() }).union(["id", "synctoken", "metadata", "domain"])
            full = full.filter { wanted.contains($0.key.lowercased()) }
            full["sparse"] = .bool(true)
            return .object(full)
        }
        return .object([
            type.rawValue: .array(documents),
            "startPosition": .number(Double(statement.startPosition)),
            "maxResults": .number(Double(documents.count)),
        ])
    }

    /// Ids to examine: from an index when a condition pins the Id, the unique name or the
    /// DocNumber; otherwise every entity of the type, in Id order.
    private func candidateIds(_ type: QuickBooksEntityType, conditions: [QueryStatement.Condition]) -> [Int] {
        for condition in conditions where condition.op == .equal || condition.op == .within {
            let field = condition.field.joined(separator: ".").lowercased()
            if field == "id" {
                return condition.values.compactMap { Int($0.text) }.sorted()
            }
            if let nameField = type.nameField, field == nameField.lowercased() {
                return condition.values.compactMap { tables[type.ordinal].nameIndex[EntityTable.normalise($0.text)] }
                    .sorted()
            }
            if type.hasNumberedDocuments, field == "docnumber" {
                return condition.values.compactMap {
                    tables[type.ordinal].docNumberIndex[EntityTable.normalise($0.text)]
                }
                .sorted()
            }
        }
        return tables[type.ordinal].order
    }

    static func matches(_ condition: QueryStatement.Condition, _ entity: StoredEntity) -> Bool {
        let actual = value(condition.field, in: entity)
        switch condition.op {
        case .equal, .within:
            return condition.values.contains { compare(actual, $0) == 0 }
        case .less: return condition.values.first.map { compare(actual, $0) < 0 } ?? false
        case .greater: return condition.values.first.map { compare(actual, $0) > 0 } ?? false
        case .lessOrEqual: return condition.values.first.map { compare(actual, $0) <= 0 } ?? false
        case .greaterOrEqual: return condition.values.first.map { compare(actual, $0) >= 0 } ?? false
        case .like:
            guard let actual, let pattern = condition.values.first?.text else { return false }
            return like(actual.lowercased(), pattern: pattern.lowercased())
        }
    }

    /// A field's value as comparable text: a reference compares by its `value`, MetaData times as
    /// instants (see ``compare(_:_:)``).
    static func value(_ path: [String], in entity: StoredEntity) -> String? {
        let lowered = path.map { $0.lowercased() }
        switch lowered {
        case ["id"]: return entity.idText
        case ["synctoken"]: return String(entity.syncToken)
        case ["metadata", "createtime"]: return IntuitTime.responseTime(entity.createTime)
        case ["metadata", "lastupdatedtime"]: return IntuitTime.responseTime(entity.updateTime)
        case ["active"]: return entity.isActive ? "true" : "false"
        default: break
        }
        var current: JSONValue = .object(entity.fields)
        for (component, lowercased) in zip(path, lowered) {
            guard let fields = current.objectValue,
                let next = fields[component] ?? fields.first(where: { $0.key.lowercased() == lowercased })?.value
            else { return nil }
            current = next
        }
        if let reference = current.referenceValue { return reference }
        if let address = current["Address"]?.stringValue { return address }
        return current.scalarText
    }

    private static func compare(_ actual: String?, _ literal: QueryStatement.Literal) -> Int {
        compare(actual, literal.text)
    }

    /// Numbers compare as numbers, timestamps as instants, everything else as case-insensitive text.
    static func compare(_ lhs: String?, _ rhs: String?) -> Int {
        guard let lhs else { return rhs == nil ? 0 : -1 }
        guard let rhs else { return 1 }
        if let left = Double(lhs), let right = Double(rhs) {
            return left == right ? 0 : (left < right ? -1 : 1)
        }
        if looksLikeTimestamp(lhs), looksLikeTimestamp(rhs), lhs.utf8.count > 10 || rhs.utf8.count > 10,
            let left = IntuitTime.parse(lhs), let right = IntuitTime.parse(rhs)
        {
            return left == right ? 0 : (left < right ? -1 : 1)
        }
        let left = lhs.lowercased()
        let right = rhs.lowercased()
        return left == right ? 0 : (left < right ? -1 : 1)
    }

    /// `yyyy-MM-dd…`: worth trying to read as a date.
    private static func looksLikeTimestamp(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count >= 10 else { return false }
        var index = bytes.startIndex
        for position in 0..<5 {
            let byte = bytes[index]
            if position == 4 { return byte == UInt8(ascii: "-") }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return false }
            index = bytes.index(after: index)
        }
        return false
    }

    /// SQL `LIKE` with `%` wildcards.
    private static func like(_ text: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "%", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return text == pattern }
        var remainder = Substring(text)
        guard let first = parts.first, remainder.hasPrefix(first) else { return false }
        remainder = remainder.dropFirst(first.count)
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = remainder.range(of: part) else { return false }
            remainder = remainder[range.upperBound...]
        }
        guard let last = parts.last else { return true }
        return last.isEmpty || remainder.hasSuffix(last)
    }
}

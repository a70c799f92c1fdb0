import Foundation

/// The change data capture endpoint: what changed since a moment, deletions included.
extension RealmStore {
    /// QuickBooks returns at most this many objects of each entity per CDC call.
    static let maxChangeResults = 1000
    /// How far back `changedSince` may reach.
    static let changeRetention: TimeInterval = 30 * 86_400

    func changes(entities: String?, changedSince: String?, now: Date) -> APIAnswer {
        do throws(QuickBooksFault) {
            guard let entities, !entities.isEmpty else { throw .requiredParameter("entities") }
            guard let changedSince, !changedSince.isEmpty else { throw .requiredParameter("changedSince") }
            guard let since = IntuitTime.parse(changedSince) else {
                throw .invalidProperty(
                    "changedSince",
                    detail: "changedSince must be a date or an ISO 8601 timestamp, e.g. 2025-01-31T09:00:00-08:00.")
            }
            guard since >= now.addingTimeInterval(-Self.changeRetention) else {
                throw .changedSinceTooOld(changedSince)
            }
            var types: [QuickBooksEntityType] = []
            for name in entities.split(separator: ",") {
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard let type = QuickBooksEntityType(name: trimmed) else {
                    throw .invalidProperty("entities", detail: "Entity \(trimmed) is not supported by the sandbox.")
                }
                types.append(type)
            }
            var responses: [JSONValue] = []
            for type in types {
                var candidates: [StoredEntity] = []
                for id in tables[type.ordinal].order {
                    guard let entity = entity(type, id), entity.updateTime >= since else { continue }
                    candidates.append(entity)
                }
                // The earliest changes first, so a client that got the maximum can ask again from
                // the last LastUpdatedTime; within the answer deletions come after the others, as
                // QuickBooks orders them.
                let window = candidates.sorted { $0.updateTime < $1.updateTime }.prefix(Self.maxChangeResults)
                let ordered = window.filter { $0.status != .deleted } + window.filter { $0.status == .deleted }
                guard !ordered.isEmpty else {
                    responses.append(.object([:]))
                    continue
                }
                let documents = ordered.map {
                    $0.status == .deleted ? $0.deletedStub(includeMetaData: true) : $0.rendered()
                }
                responses.append(
                    .object([
                        type.rawValue: .array(documents), "startPosition": .number(1),
                        "maxResults": .number(Double(documents.count)), "totalCount": .number(Double(documents.count)),
                    ]))
            }
            return APIAnswer(
                status: 200,
                body: .object([
                    "CDCResponse": .array([.object(["QueryResponse": .array(responses)])]), "time": Self.time(now),
                ])
            )
        } catch {
            return faultAnswer(error, now: now)
        }
    }
}

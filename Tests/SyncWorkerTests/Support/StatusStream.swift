import Foundation
import Kafka
import Logging

/// Reads `quickbooks.sync-status` in the background and lets tests wait for what they expect.
final class StatusStream: Sendable {
    struct Event: Sendable, Hashable {
        var key: String
        var id: String
        var firmID: String
        var entity: String
        var entityID: String
        var accountID: String?
        var status: String
        var previousStatus: String?
        var detail: String?
        var errorCode: String?
        var qboID: String?
        var sequence: Int64
        var causedBy: String
        /// The CloudEvents distributed-tracing attribute, and the Kafka header of the same name.
        var traceParent: String? = nil
        var traceParentHeader: String? = nil
    }

    private let consumer: KafkaConsumer
    private let store = Store()
    private let task: Task<Void, Never>

    init(bootstrapServers: String, topic: String, logger: Logger) throws {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                connection: KafkaConfiguration(bootstrapServers: bootstrapServers), groupID: "status-reader-\(UUID().uuidString)",
                topics: [topic]
            ).tunedForMockCluster(),
            logger: logger)
        self.consumer = consumer
        let store = self.store
        task = Task {
            do {
                for try await event in consumer.events {
                    switch event {
                    case .message(let message):
                        ContractSamples.status(message)
                        await store.append(Self.decode(message))
                    case .partitionsRevoked(_, let completion):
                        completion.complete()
                    default:
                        break
                    }
                }
            } catch {
                await store.fail(String(describing: error))
            }
        }
    }

    func stop() async {
        task.cancel()
        try? await consumer.close()
    }

    var events: [Event] { get async { await store.events } }

    /// Waits until `predicate` holds for the events seen so far (polling, bounded by `timeout`).
    @discardableResult
    func wait(timeout: Duration = .seconds(20), for description: String, _ predicate: @Sendable ([Event]) -> Bool) async throws -> [Event] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let events = await store.events
            if predicate(events) { return events }
            if let failure = await store.failure { throw StreamFailed(message: failure) }
            guard ContinuousClock.now < deadline else {
                throw Timeout(
                    what: description,
                    seen: events.map { "\($0.key) \($0.previousStatus ?? "nil")→\($0.status) #\($0.sequence) \($0.detail ?? "")" })
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Status events of one account, in the order they were published.
    func account(_ firm: String, _ account: String) async -> [Event] {
        await store.events.filter { $0.key == "\(firm):account:\(account)" }
    }

    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var seen: [String]
        var description: String { "timed out waiting for \(what); status events seen:\n  " + seen.joined(separator: "\n  ") }
    }

    struct StreamFailed: Error { var message: String }

    private actor Store {
        var events: [Event] = []
        var failure: String?
        func append(_ event: Event?) { if let event { events.append(event) } }
        func fail(_ message: String) { failure = message }
    }

    private static func decode(_ message: KafkaMessage) -> Event? {
        guard let value = message.value,
            let json = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
            let data = json["data"] as? [String: Any]
        else { return nil }
        return Event(
            key: message.key.map { String(decoding: $0, as: UTF8.self) } ?? "", id: json["id"] as? String ?? "",
            firmID: data["firm_id"] as? String ?? "", entity: data["entity"] as? String ?? "", entityID: data["entity_id"] as? String ?? "",
            accountID: data["account_id"] as? String, status: data["status"] as? String ?? "",
            previousStatus: data["previous_status"] as? String, detail: data["detail"] as? String,
            errorCode: data["error_code"] as? String, qboID: data["qbo_id"] as? String,
            sequence: (data["sequence"] as? NSNumber)?.int64Value ?? -1,
            causedBy: data["caused_by"] as? String ?? "", traceParent: json["traceparent"] as? String,
            traceParentHeader: message.headers.first { $0.name == "traceparent" }?.value.map { String(decoding: $0, as: UTF8.self) })
    }
}

extension StatusStream {
    /// Status events of one entity (`firm:entity:id`), in the order they were published.
    func entity(_ key: String) async -> [Event] {
        await events.filter { $0.key == key }
    }

    /// Waits until the entity's newest event has `status` (and, when given, a detail containing `detail`).
    @discardableResult
    func wait(_ key: String, is status: String, detailContaining detail: String? = nil, timeout: Duration = .seconds(20)) async throws
        -> Event
    {
        let events = try await wait(timeout: timeout, for: "\(key) \(status)\(detail.map { " (\($0))" } ?? "")") { events in
            guard let last = events.last(where: { $0.key == key }) else { return false }
            return last.status == status && (detail.map { (last.detail ?? "").contains($0) } ?? true)
        }
        guard let last = events.last(where: { $0.key == key }) else { throw Timeout(what: key, seen: []) }
        return last
    }
}

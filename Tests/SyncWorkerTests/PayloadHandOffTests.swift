import Foundation
import Postgres
import SyncCore
import Testing

@testable import SyncWorker

/// The consumer hands the payloads it decoded to the pusher, which then plans a document without
/// decoding its stored bytes again.
@Suite("Payloads handed to the pusher", .timeLimit(.minutes(2)))
struct PayloadHandOffTests {
    private static func decoded(_ message: TestEvents.Message) throws -> IngressEvent {
        try IngressEvent.decode(value: message.value, key: Array(message.key.utf8))
    }

    private static let key = PayloadHandOff.Key(firmID: "f1", kind: .invoice, documentID: "i1")

    @Test("a payload is handed over once, and only for the very bytes it was decoded from")
    func onceAndOnlyForItsBytes() throws {
        let first = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme", invoice: "i1", revision: 1)
        let other = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme Ltd", invoice: "i1", revision: 2)
        let handOff = PayloadHandOff(capacity: 8)
        handOff.put(try Self.decoded(first), value: first.value)
        #expect(handOff.count == 1)
        #expect(handOff.take(Self.key, content: first.value) == (try Self.decoded(first)).payload)
        #expect(handOff.take(Self.key, content: first.value) == nil, "taken: the next read decodes")

        // Other bytes stored now (a newer revision through another worker): a miss, and the entry is gone.
        handOff.put(try Self.decoded(first), value: first.value)
        #expect(handOff.take(Self.key, content: other.value) == nil)
        #expect(handOff.count == 0)

        // Events that store no content (a void) hand nothing over.
        let void = TestEvents.invoiceRemoved("invoice.voided", firm: "f1", account: "a1", invoice: "i1", revision: 3)
        handOff.put(try Self.decoded(void), value: void.value)
        #expect(handOff.count == 0)
    }

    @Test("an older revision does not replace a newer one, the oldest are forgotten past the capacity, and a capacity of 0 holds none")
    func bounded() throws {
        let older = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme", invoice: "i1", revision: 1)
        let newer = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme Ltd", invoice: "i1", revision: 2)
        let handOff = PayloadHandOff(capacity: 3)
        handOff.put(try Self.decoded(newer), value: newer.value)
        handOff.put(try Self.decoded(older), value: older.value)  // redelivered late: applies nothing
        #expect(handOff.take(Self.key, content: newer.value) == (try Self.decoded(newer)).payload)

        // i1 is put twice: its first put is stale in the order and must not evict the second.
        let messages = ["i1", "i2", "i1", "i3", "i4"].enumerated().map { index, id in
            TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Client", invoice: id, revision: index + 10)
        }
        for message in messages { handOff.put(try Self.decoded(message), value: message.value) }
        #expect(handOff.count == 3)
        func held(_ id: String, _ message: TestEvents.Message) -> Bool {
            handOff.take(.init(firmID: "f1", kind: .invoice, documentID: id), content: message.value) != nil
        }
        #expect(!held("i2", messages[1]), "the oldest put is forgotten first")
        #expect(held("i1", messages[2]))
        #expect(held("i3", messages[3]))
        #expect(held("i4", messages[4]))

        let none = PayloadHandOff(capacity: 0)
        none.put(try Self.decoded(newer), value: newer.value)
        #expect(none.count == 0)
    }

    @Test("the pusher's read of a head takes the handed-over payload for the stored bytes instead of decoding them")
    func headTakesIt() async throws {
        try await TestEnvironment.with { env in
            _ = try await Migrator(database: env.database, logger: env.logger).migrate()
            let stored = TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Acme", invoice: "i1", revision: 1)
            let event = try Self.decoded(stored)
            var document = StoredDocument(
                firmID: "f1", kind: .invoice, documentID: "i1", accountID: "a1", label: "i1", lastEventID: event.id)
            document.revision = 1
            document.pending = true
            document.setContent(stored.value, payload: event.payload)
            try await env.database.withTransaction { try await DocumentStore.save(document, on: $0) }

            // A payload the stored bytes do not decode to, handed over for them: seeing it proves
            // the read took it rather than decoding.
            let marker = try Self.decoded(TestEvents.invoiceUpserted(firm: "f1", account: "a1", name: "Marker", invoice: "i1"))
            let handOff = PayloadHandOff(capacity: 4)
            handOff.put(Self.key, content: stored.value, payload: marker.payload, revision: 1)
            let head = try await env.database.withTransaction {
                try await DocumentStore.pendingHeadWithComponents(firmID: "f1", accountID: "a1", handOff: handOff, on: $0)
            }
            #expect(head?.0.payload == marker.payload)
            #expect(handOff.count == 0)

            // Nothing handed over: the stored bytes are decoded.
            let again = try await env.database.withTransaction {
                try await DocumentStore.pendingHeadWithComponents(firmID: "f1", accountID: "a1", handOff: handOff, on: $0)
            }
            #expect(again?.0.payload == event.payload)
        }
    }

    @Test("a worker's pusher plans the invoices its consumer stored with the payloads handed over, and writes them as sent")
    func endToEnd() async throws {
        try await TestEnvironment.with { env in
            let realm = try await env.connectFirm("f1")
            try await MetricsTests.withMeasuredWorker(env) { url in
                try await env.send(TestEvents.syncRequested(firm: "f1", account: "a1", name: "Acme"))
                try await env.status.wait("f1:account:a1", is: "synced")
                let line = TestEvents.Line(service: "Bookkeeping", quantity: "1", rate: "100.00", amount: "100.00")
                try await env.send(
                    (1...4).map {
                        TestEvents.invoice(firm: "f1", account: "a1", name: "Acme", invoice: "i\($0)", number: "N-\($0)", lines: [line])
                    }
                )
                for i in 1...4 { try await env.status.wait("f1:invoice:i\(i)", is: "synced") }
                let numbers = try await env.objects(realm: realm, .invoice).map { $0.string("DocNumber") ?? "" }.sorted()
                #expect(numbers == ["N-1", "N-2", "N-3", "N-4"])
                let text = try await HTTP.response("GET", url).body
                let handedOver = MetricsTests.value(text, #"qbsync_pusher_payloads_total{source="handed_over"}"#) ?? 0
                #expect(handedOver >= 4, "each invoice's first plan took its payload: \(handedOver)")
            }
        }
    }
}

import Foundation
import Kafka
import Postgres
import Testing

@testable import SyncWorker

/// Thousands of malformed messages: the worker stays up, each bad one is dead-lettered with a
/// reason, and the good ones among them are applied — quotes, backslashes and emoji included.
@Suite("Bad input", .timeLimit(.minutes(3)))
struct BadInputTests {
    @Test("fuzzed messages are each dead-lettered with a reason while valid ones keep flowing")
    func fuzz() async throws {
        try await TestEnvironment.with { env in
            _ = try await env.connectFirm("f1")
            let seed = UInt64.random(in: 1...UInt64.max)
            var random = SplitMix64(seed: seed)
            let corpus = Fuzzer.corpus(count: 2_000, random: &random)
            let bad = corpus.filter { !$0.valid }
            let good = corpus.filter(\.valid)
            let worker = try await env.startWorker { $0.eventLimits.maxMessageBytes = 64 * 1024 }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for message in corpus {
                    group.addTask { try await env.sendRaw(topic: message.topic, key: message.key, value: message.value) }
                }
                try await group.waitForAll()
            }
            // 1,700-odd dead letters: on a loaded two-core CI machine, beside the rest of the suite, they
            // took longer than the reader's usual minute (a fresh-clone CI run ran out of it, 109 s into the test).
            let letters = try await DeadLetterReader.read(
                count: bad.count, bootstrapServers: env.cluster.bootstrapServers,
                timeout: .seconds(100), logger: env.logger)
            #expect(letters.count == bad.count, "seed \(seed)")
            let reasons = Set(letters.compactMap { $0.header(named: "qbsync-dlq-reason")?.stringValue })
            #expect(
                reasons.isSubset(of: [
                    "not_json", "invalid_envelope", "unknown_type", "missing_field", "invalid_field", "too_large", "key_mismatch",
                ]))
            #expect(reasons.count >= 6, "the corpus exercises most reasons: \(reasons.sorted())")
            #expect(letters.allSatisfy { $0.header(named: "qbsync-dlq-error")?.stringValue?.isEmpty == false })
            // Dead letters are the original bytes, unchanged.
            let sentBad = Set(bad.map { $0.value ?? [] })
            #expect(letters.allSatisfy { sentBad.contains($0.value ?? []) }, "seed \(seed)")
            let goodIDs = Set(good.map(\.accountID))
            try await env.eventually("every valid account applied (seed \(seed))", timeout: .seconds(60)) {
                let rows = try await env.database.withConnection {
                    try await $0.query("select account_id, name from accounts where firm_id = 'f1'")
                }
                return rows.count == goodIDs.count
            }
            let names = try await env.database.withConnection { connection in
                try await connection.query("select name from accounts where firm_id = 'f1'").map { try $0.decode(String.self, "name") }
            }
            #expect(Set(names) == Set(good.map(\.name)), "names stored byte for byte, injection attempts as plain text")
            // Still up and consuming after all of that.
            try await env.send(TestEvents.syncRequested(firm: "f1", account: "after-fuzz", name: "After the storm"))
            try await env.status.wait(for: "an account synced after the fuzzing") {
                $0.contains { $0.key == "f1:account:after-fuzz" && $0.status == "synced" }
            }
            try await worker.stop()
        }
    }
}

/// A deterministic generator so a failing seed can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fuzzer {
    struct Message {
        var topic: String
        var key: [UInt8]?
        var value: [UInt8]?
        var valid: Bool
        var accountID: String = ""
        var name: String = ""
    }

    static let awkwardNames = [
        "Jane O'Neil", "Back\\slash & Sons", "\"Quoted\" Ltd", "Zoë 🍕 Łódź", "Robert'); DROP TABLE accounts;--",
        "名前のある会社", "Tab\there", "  padded  ", "١٢٣ عربي", "%s%n%x", "'; select pg_sleep(10); --",
    ]

    static func corpus(count: Int, random: inout SplitMix64) -> [Message] {
        (0..<count).map { index in message(index, random: &random) }
    }

    private static func envelope(_ type: String, _ data: Any, id: String) -> [UInt8] {
        let object: [String: Any] = ["specversion": "1.0", "id": id, "source": "/fuzz", "type": type, "data": data]
        return Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }

    private static func message(_ index: Int, random: inout SplitMix64) -> Message {
        let id = "fuzz-\(index)"
        let key = Array("f1".utf8)
        let valid = envelope(
            "account.upserted", ["firm_id": "f1", "account_id": "acct-\(index)", "account_name": awkwardNames[index % awkwardNames.count]],
            id: id)
        switch Int.random(in: 0..<14, using: &random) {
        case 0, 1:
            let name = awkwardNames[Int.random(in: 0..<awkwardNames.count, using: &random)]
            return Message(
                topic: "accounts.lifecycle", key: key,
                value: envelope("account.upserted", ["firm_id": "f1", "account_id": "acct-\(index)", "account_name": name], id: id),
                valid: true, accountID: "acct-\(index)", name: name)
        case 2:  // random bytes
            return Message(
                topic: "billing.invoices", key: key,
                value: (0..<Int.random(in: 1..<200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, valid: false)
        case 3:  // truncated JSON
            return Message(
                topic: "accounts.lifecycle", key: key, value: Array(valid.prefix(Int.random(in: 1..<valid.count, using: &random))),
                valid: false)
        case 4:  // invalid UTF-8 inside a string
            var bytes = valid
            if let at = bytes.firstIndex(of: UInt8(ascii: "J")) ?? bytes.lastIndex(of: UInt8(ascii: "\"")) {
                bytes.insert(contentsOf: [0xC3, 0x28], at: at)
            }
            return Message(topic: "accounts.lifecycle", key: key, value: bytes, valid: false)
        case 5:  // unknown type
            return Message(
                topic: "billing.payments", key: key, value: envelope("payment.teleported", ["firm_id": "f1"], id: id), valid: false)
        case 6:  // missing field
            return Message(
                topic: "accounts.lifecycle", key: key,
                value: envelope("account.upserted", ["firm_id": "f1", "account_id": "acct-\(index)"], id: id), valid: false)
        case 7:  // wrong types: money as a number, revision as a string
            return Message(
                topic: "billing.invoices", key: key,
                value: envelope(
                    "invoice.upserted",
                    [
                        "firm_id": "f1", "account_id": "a", "account_name": "A", "invoice_id": "i", "number": "1",
                        "issue_date": "2026-01-01",
                        "currency": "USD",
                        "lines": [["service_id": "s", "service_name": "S", "quantity": 1, "rate": 1.5, "amount": "1.50"]],
                        "total": "1.50", "revision": "7",
                    ], id: id), valid: false)
        case 8:  // over the size limit
            return Message(
                topic: "accounts.lifecycle", key: key,
                value: envelope(
                    "account.upserted", ["firm_id": "f1", "account_id": "big", "account_name": String(repeating: "x", count: 70_000)],
                    id: id), valid: false)
        case 9:  // name over the field limit
            return Message(
                topic: "accounts.lifecycle", key: key,
                value: envelope(
                    "account.upserted", ["firm_id": "f1", "account_id": "long", "account_name": String(repeating: "ä", count: 501)], id: id),
                valid: false)
        case 10:  // key not the firm
            return Message(topic: "accounts.lifecycle", key: Array("someone-else".utf8), value: valid, valid: false)
        case 11:  // not an object, or an empty value
            return Message(
                topic: "billing.invoices", key: key, value: Int.random(in: 0..<2, using: &random) == 0 ? Array("[1,2,3]".utf8) : [],
                valid: false)
        case 12:  // wrong spec version
            var object = (try? JSONSerialization.jsonObject(with: Data(valid))) as? [String: Any] ?? [:]
            object["specversion"] = "0.3"
            return Message(
                topic: "accounts.lifecycle", key: key, value: Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data()),
                valid: false)
        default:  // deep nesting
            let nested = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
            return Message(
                topic: "accounts.lifecycle", key: key, value: Array("{\"specversion\":\"1.0\",\"data\":\(nested)}".utf8), valid: false)
        }
    }
}

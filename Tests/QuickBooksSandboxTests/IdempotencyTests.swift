import Foundation
import QuickBooksSandbox
import Testing

@Suite("requestid idempotency")
struct IdempotencyTests {
    @Test("the same requestid twice creates one entity and returns the original answer")
    func singleWrite() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let body = #"{"DisplayName":"Once Only"}"#
            let first = try await sandbox.api(
                company, .POST, "customer", query: ["requestid": "firm1-acct9-create-r1"], body: body)
            let second = try await sandbox.api(
                company, .POST, "customer", query: ["requestid": "firm1-acct9-create-r1"], body: body)
            #expect(first.status == 200)
            #expect(second.status == 200)
            #expect(second.text == first.text)
            let count = try await sandbox.query(company, "select count(*) from Customer")
            #expect(count.json["QueryResponse"]["totalCount"].int == 1)
            // Without the requestid the retry would have been refused as a duplicate name.
            let plain = try await sandbox.api(company, .POST, "customer", body: body)
            #expect(plain.faultCode == "6240")
            let counters = try await sandbox.counters(company)
            #expect(counters["idempotentReplays"].int == 1)
        }
    }

    @Test("a replayed fault stays the same fault, and the same id in another realm is independent")
    func faultsAndRealms() async throws {
        try await SandboxHarness.run { sandbox in
            let one = try await sandbox.connectCompany(named: "One")
            let two = try await sandbox.connectCompany(named: "Two")
            let stale = try await sandbox.api(
                one, .POST, "customer", query: ["requestid": "rid-1"],
                body: #"{"Id":"1","SyncToken":"0","DisplayName":"X"}"#)
            #expect(stale.faultCode == "610")
            _ = try await sandbox.makeCustomer(one, "X")
            let replay = try await sandbox.api(
                one, .POST, "customer", query: ["requestid": "rid-1"],
                body: #"{"Id":"1","SyncToken":"0","DisplayName":"X"}"#)
            #expect(replay.text == stale.text)
            let other = try await sandbox.api(
                two, .POST, "customer", query: ["requestid": "rid-1"], body: #"{"DisplayName":"Y"}"#)
            #expect(other.json["Customer"]["DisplayName"].string == "Y")
        }
    }

    @Test("the same requestid on a batch replays the batch without writing again")
    func batchReplay() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let body =
                #"{"BatchItemRequest":[{"bId":"1","operation":"create","Customer":{"DisplayName":"Batch Once"}}]}"#
            let first = try await sandbox.api(company, .POST, "batch", query: ["requestid": "batch-1"], body: body)
            let second = try await sandbox.api(company, .POST, "batch", query: ["requestid": "batch-1"], body: body)
            #expect(first.text == second.text)
            #expect(second.json["BatchItemResponse"][0]["Customer"]["DisplayName"].string == "Batch Once")
            let count = try await sandbox.query(company, "select count(*) from Customer")
            #expect(count.json["QueryResponse"]["totalCount"].int == 1)
        }
    }

    @Test("a requestid over 50 characters (36 on batch) is refused")
    func lengthLimits() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let fifty = String(repeating: "a", count: 50)
            let ok = try await sandbox.api(
                company, .POST, "customer", query: ["requestid": fifty], body: #"{"DisplayName":"L1"}"#)
            #expect(ok.status == 200)
            let long = try await sandbox.api(
                company, .POST, "customer", query: ["requestid": fifty + "b"], body: #"{"DisplayName":"L2"}"#)
            #expect(long.status == 400)
            let batch = #"{"BatchItemRequest":[{"bId":"1","operation":"create","Customer":{"DisplayName":"L3"}}]}"#
            let batchLong = try await sandbox.api(
                company, .POST, "batch", query: ["requestid": String(repeating: "b", count: 37)], body: batch)
            #expect(batchLong.status == 400)
            let batchOk = try await sandbox.api(
                company, .POST, "batch", query: ["requestid": String(repeating: "b", count: 36)], body: batch)
            #expect(batchOk.status == 200)
            let count = try await sandbox.query(company, "select count(*) from Customer")
            #expect(count.json["QueryResponse"]["totalCount"].int == 2)
        }
    }
}

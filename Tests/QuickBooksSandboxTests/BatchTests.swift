import Foundation
import QuickBooksSandbox
import Testing

@Suite("The batch endpoint")
struct BatchTests {
    @Test("a batch with one failing item returns that item's fault and the others' results")
    func partialFailure() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            _ = try await sandbox.makeCustomer(company, "Taken")
            let reply = try await sandbox.api(
                company, .POST, "batch",
                body: #"""
                    {"BatchItemRequest":[
                      {"bId":"a","operation":"create","Customer":{"DisplayName":"Fresh One"}},
                      {"bId":"b","operation":"create","Customer":{"DisplayName":"Taken"}},
                      {"bId":"c","Query":"select * from Customer where DisplayName = 'Taken'"}
                    ]}
                    """#)
            #expect(reply.status == 200)
            let items = reply.json["BatchItemResponse"].array
            #expect(items.count == 3)
            let byId = Dictionary(uniqueKeysWithValues: items.map { ($0["bId"].string ?? "", $0) })
            #expect(byId["a"]?["Customer"]["DisplayName"].string == "Fresh One")
            #expect(byId["a"]?["Customer"]["Id"].string != nil)
            #expect(byId["b"]?["Fault"]["Error"][0]["code"].string == "6240")
            #expect(byId["b"]?["Fault"]["type"].string == "ValidationFault")
            #expect(byId["b"]?["Customer"].exists == false)
            #expect(byId["c"]?["QueryResponse"]["Customer"].array.count == 1)
            #expect(reply.json["time"].string != nil)
            let fresh = try await sandbox.query(company, "select * from Customer where DisplayName = 'Fresh One'")
            #expect(fresh.json["QueryResponse"]["Customer"].array.count == 1)
        }
    }

    @Test("update, void and delete run in a batch with their SyncToken checks")
    func batchWrites() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Batched")
            let first = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "10")["Id"].string)
            let second = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "20")["Id"].string)
            let reply = try await sandbox.api(
                company, .POST, "batch",
                body: #"""
                    {"BatchItemRequest":[
                      {"bId":"void","operation":"update","optionsData":"void","Invoice":{"Id":"\#(first)","SyncToken":"0"}},
                      {"bId":"stale","operation":"delete","Invoice":{"Id":"\#(second)","SyncToken":"9"}},
                      {"bId":"sparse","operation":"update","Customer":{"Id":"\#(customer)","SyncToken":"0","sparse":true,"CompanyName":"B Co"}}
                    ]}
                    """#)
            let items = Dictionary(
                uniqueKeysWithValues: reply.json["BatchItemResponse"].array.map { ($0["bId"].string ?? "", $0) })
            #expect(items["void"]?["Invoice"]["PrivateNote"].string == "Voided")
            #expect(items["stale"]?["Fault"]["Error"][0]["code"].string == "5010")
            #expect(items["sparse"]?["Customer"]["CompanyName"].string == "B Co")
        }
    }

    @Test("items of one batch do not see entities created by the same batch")
    func noVisibilityWithinBatch() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            // The next customer Id is predictable: this realm has none yet.
            let reply = try await sandbox.api(
                company, .POST, "batch",
                body: #"""
                    {"BatchItemRequest":[
                      {"bId":"1","operation":"create","Customer":{"DisplayName":"New In Batch"}},
                      {"bId":"2","operation":"create","Invoice":{"CustomerRef":{"value":"1"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":5,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}}
                    ]}
                    """#)
            let items = reply.json["BatchItemResponse"].array
            #expect(items[0]["Customer"]["Id"].string == "1")
            #expect(items[1]["Fault"]["Error"][0]["code"].string == "610")
        }
    }

    @Test("more than 30 operations in one batch are refused and nothing is written")
    func tooManyItems() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let items = (1...31).map { #"{"bId":"\#($0)","operation":"create","Customer":{"DisplayName":"C\#($0)"}}"# }
            let reply = try await sandbox.api(
                company, .POST, "batch", body: #"{"BatchItemRequest":[\#(items.joined(separator: ","))]}"#)
            #expect(reply.status == 400)
            #expect(reply.json["Fault"]["type"].string == "ValidationFault")
            let count = try await sandbox.query(company, "select count(*) from Customer")
            #expect(count.json["QueryResponse"]["totalCount"].int == 0)

            let thirty = (1...30).map { #"{"bId":"\#($0)","operation":"create","Customer":{"DisplayName":"C\#($0)"}}"# }
            let accepted = try await sandbox.api(
                company, .POST, "batch", body: #"{"BatchItemRequest":[\#(thirty.joined(separator: ","))]}"#)
            #expect(accepted.json["BatchItemResponse"].array.count == 30)
        }
    }
}

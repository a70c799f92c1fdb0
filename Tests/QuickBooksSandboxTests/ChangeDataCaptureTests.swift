import Foundation
import QuickBooksSandbox
import Testing

@Suite("Change data capture")
struct ChangeDataCaptureTests {
    @Test("changedSince returns what changed, deleted objects reported as deleted")
    func changesSince() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Changing")
            let kept = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "10")["Id"].string)
            let doomed = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "20")["Id"].string)
            _ = try await sandbox.api(
                company, .POST, "invoice", query: ["operation": "delete"], body: #"{"Id":"\#(doomed)","SyncToken":"0"}"#
            )

            let since = "2020-01-01T00:00:00-08:00"
            let reply = try await sandbox.api(
                company, .GET, "cdc", query: ["entities": "Customer,Invoice", "changedSince": since])
            #expect(reply.status == 200)
            let responses = reply.json["CDCResponse"][0]["QueryResponse"].array
            #expect(responses.count == 2)
            #expect(responses[0]["Customer"][0]["DisplayName"].string == "Changing")
            let invoices = responses[1]["Invoice"].array
            #expect(invoices.count == 2)
            #expect(invoices.contains { $0["Id"].string == kept && !$0["status"].exists })
            let deleted = try #require(invoices.first { $0["Id"].string == doomed })
            #expect(deleted["status"].string == "Deleted")
            #expect(deleted["MetaData"]["LastUpdatedTime"].string != nil)

            let future = try await sandbox.api(
                company, .GET, "cdc", query: ["entities": "Invoice", "changedSince": "2999-01-01T00:00:00-08:00"])
            #expect(future.json["CDCResponse"][0]["QueryResponse"][0]["Invoice"].exists == false)
            // A '+' offset sent unencoded arrives as a space and is still understood.
            let plusOffset = try await sandbox.send(
                .GET,
                "\(sandbox.endpoint.apiBaseURL)/v3/company/\(company.realmId)/cdc?entities=Invoice&changedSince=2020-01-01T00:00:00+01:00&minorversion=75",
                headers: ["Authorization": "Bearer \(company.accessToken)"])
            #expect(plusOffset.json["CDCResponse"][0]["QueryResponse"][0]["Invoice"].array.count == 2)
            let missing = try await sandbox.api(company, .GET, "cdc", query: ["entities": "Invoice"])
            #expect(missing.status == 400)
        }
    }
}

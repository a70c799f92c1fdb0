import Foundation
import QuickBooksSandbox
import Testing

@Suite("Change data capture")
struct ChangeDataCaptureTests {
    /// `changedSince` text for a moment, written with the given offset from UTC.
    static func timestamp(_ date: Date, offsetHours: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: offsetHours * 3600)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return formatter.string(from: date)
    }

    @Test("changedSince returns what changed, deleted objects reported as deleted")
    func changesSince() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let hourAgo = Date().addingTimeInterval(-3600)
            let customer = try await sandbox.makeCustomer(company, "Changing")
            let kept = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "10")["Id"].string)
            let doomed = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "20")["Id"].string)
            _ = try await sandbox.api(
                company, .POST, "invoice", query: ["operation": "delete"], body: #"{"Id":"\#(doomed)","SyncToken":"0"}"#
            )

            let since = Self.timestamp(hourAgo, offsetHours: -8)
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
                "\(sandbox.endpoint.apiBaseURL)/v3/company/\(company.realmId)/cdc?entities=Invoice&changedSince=\(Self.timestamp(hourAgo, offsetHours: 1))&minorversion=75",
                headers: ["Authorization": "Bearer \(company.accessToken)"])
            #expect(plusOffset.json["CDCResponse"][0]["QueryResponse"][0]["Invoice"].array.count == 2)
            let missing = try await sandbox.api(company, .GET, "cdc", query: ["entities": "Invoice"])
            #expect(missing.status == 400)
        }
    }

    @Test("changedSince more than 30 days back is refused as QuickBooks refuses it")
    func thirtyDaysAtMost() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let tooOld = Self.timestamp(Date().addingTimeInterval(-31 * 86_400), offsetHours: -8)
            let refused = try await sandbox.api(
                company, .GET, "cdc", query: ["entities": "Customer", "changedSince": tooOld])
            #expect(refused.status == 400)
            #expect(refused.json["Fault"]["type"].string == "ValidationFault")
            #expect(refused.faultCode == "2010")
            #expect(refused.json["Fault"]["Error"][0]["element"].string == "changedSince")
            #expect(refused.json["Fault"]["Error"][0]["Detail"].string?.contains("older than fixed days") == true)
            let recentEnough = Self.timestamp(Date().addingTimeInterval(-29 * 86_400), offsetHours: -8)
            let accepted = try await sandbox.api(
                company, .GET, "cdc", query: ["entities": "Customer", "changedSince": recentEnough])
            #expect(accepted.status == 200)
        }
    }

    @Test("an answer holds at most 1,000 objects of each entity, the earliest changes first")
    func thousandPerEntity() async throws {
        var configuration = SandboxConfiguration()
        configuration.requestsPerWindow = 10_000
        configuration.batchRequestsPerWindow = 1_000
        try await SandboxHarness.run(configuration) { sandbox in
            let company = try await sandbox.connectCompany()
            let since = Self.timestamp(Date().addingTimeInterval(-60), offsetHours: 0)
            let first = try await sandbox.makeCustomer(company, "Customer 0")
            // 1,004 customers in batches of 30.
            for start in stride(from: 1, to: 1004, by: 30) {
                let items = (start..<min(start + 30, 1004)).map {
                    #"{"bId":"\#($0)","operation":"create","Customer":{"DisplayName":"Customer \#($0)"}}"#
                }
                let reply = try await sandbox.api(
                    company, .POST, "batch", body: #"{"BatchItemRequest":[\#(items.joined(separator: ","))]}"#)
                #expect(reply.status == 200)
            }
            let invoice = try #require(
                try await sandbox.makeInvoice(company, customerId: first, amount: "5")["Id"].string)

            let reply = try await sandbox.api(
                company, .GET, "cdc", query: ["entities": "Customer,Invoice", "changedSince": since])
            let responses = reply.json["CDCResponse"][0]["QueryResponse"].array
            let customers = responses[0]["Customer"].array
            #expect(customers.count == 1000)
            #expect(customers.first?["Id"].string == first)
            #expect(responses[0]["maxResults"].int == 1000)
            #expect(responses[1]["Invoice"].array.map { $0["Id"].string } == [invoice])
        }
    }
}

import Foundation
import QuickBooksSandbox
import Testing

@Suite("The query endpoint")
struct QueryTests {
    @Test("a DisplayName with an apostrophe is found by a backslash-escaped query")
    func escapedApostrophe() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let id = try await sandbox.makeCustomer(company, "Jane O'Neil")
            _ = try await sandbox.makeCustomer(company, #"Back\\Slash"#)
            let found = try await sandbox.query(company, #"select * from Customer where DisplayName = 'Jane O\'Neil'"#)
            #expect(found.status == 200)
            #expect(found.json["QueryResponse"]["Customer"].array.count == 1)
            #expect(found.json["QueryResponse"]["Customer"][0]["Id"].string == id)
            #expect(found.json["QueryResponse"]["startPosition"].int == 1)
            #expect(found.json["QueryResponse"]["maxResults"].int == 1)
            #expect(found.json["time"].string != nil)
            let slash = try await sandbox.query(company, #"select * from Customer where DisplayName = 'Back\\Slash'"#)
            #expect(slash.json["QueryResponse"]["Customer"].array.count == 1)
        }
    }

    @Test("select *, Sku from Item parses: the star already has every column")
    func starWithColumns() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let items = try await sandbox.query(company, "select *, Sku from Item where Name = 'Services'")
            #expect(items.status == 200)
            let item = items.json["QueryResponse"]["Item"][0]
            #expect(item["Name"].string == "Services")
            #expect(item["IncomeAccountRef"].exists)
            #expect(try await sandbox.query(company, "select *, Sku, Name from Item").status == 200)
            #expect(try await sandbox.query(company, "select *, from Item").faultCode == "4000")
        }
    }

    @Test("an unescaped quote is a parse error 4000")
    func parseError() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let broken = try await sandbox.query(company, "select * from Customer where DisplayName = 'Jane O'Neil'")
            #expect(broken.status == 400)
            #expect(broken.faultCode == "4000")
            let orQuery = try await sandbox.query(
                company, "select * from Customer where DisplayName = 'a' or DisplayName = 'b'")
            #expect(orQuery.faultCode == "4000")
            let unknownField = try await sandbox.query(company, "select * from Customer where Colour = 'blue'")
            #expect(unknownField.status == 400)
        }
    }

    @Test("without an Active filter only active customers are returned; Active in (true,false) returns all")
    func activeFilter() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let inactive = try await sandbox.makeCustomer(company, "Sleeping")
            _ = try await sandbox.makeCustomer(company, "Awake")
            _ = try await sandbox.api(
                company, .POST, "customer", body: #"{"Id":"\#(inactive)","SyncToken":"0","sparse":true,"Active":false}"#
            )
            let plain = try await sandbox.query(company, "select * from Customer where DisplayName = 'Sleeping'")
            #expect(plain.status == 200)
            #expect(plain.json["QueryResponse"].keys.isEmpty)  // QuickBooks answers an empty QueryResponse
            let both = try await sandbox.query(
                company, "select * from Customer where DisplayName = 'Sleeping' and Active in (true, false)")
            #expect(both.json["QueryResponse"]["Customer"][0]["Id"].string == inactive)
            let all = try await sandbox.query(company, "select * from Customer where Active in (true,false)")
            #expect(all.json["QueryResponse"]["Customer"].array.count == 2)
            let active = try await sandbox.query(company, "SELECT * FROM Customer")
            #expect(active.json["QueryResponse"]["Customer"].array.count == 1)
        }
    }

    @Test("in (…), and, startposition and maxresults page through results")
    func paging() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Pager")
            for number in 1...5 {
                _ = try await sandbox.makeInvoice(
                    company, customerId: customer, amount: "\(number)", docNumber: "P-\(number)")
            }
            let page = try await sandbox.query(
                company, "select * from Invoice where CustomerRef = '\(customer)' startposition 2 maxresults 2")
            let numbers = page.json["QueryResponse"]["Invoice"].array.compactMap { $0["DocNumber"].string }
            #expect(numbers == ["P-2", "P-3"])
            #expect(page.json["QueryResponse"]["startPosition"].int == 2)
            #expect(page.json["QueryResponse"]["maxResults"].int == 2)
            let chosen = try await sandbox.query(
                company,
                "select * from Invoice where DocNumber in ('P-1', 'P-4', 'nope') and CustomerRef = '\(customer)'")
            #expect(
                chosen.json["QueryResponse"]["Invoice"].array.compactMap { $0["DocNumber"].string } == ["P-1", "P-4"])
            let count = try await sandbox.query(company, "select count(*) from Invoice")
            #expect(count.json["QueryResponse"]["totalCount"].int == 5)
            let ordered = try await sandbox.query(company, "select * from Invoice orderby TotalAmt desc maxresults 1")
            #expect(ordered.json["QueryResponse"]["Invoice"][0]["DocNumber"].string == "P-5")
            let byTime = try await sandbox.query(
                company, "select * from Invoice where MetaData.LastUpdatedTime >= '2000-01-01T00:00:00-08:00'")
            #expect(byTime.json["QueryResponse"]["Invoice"].array.count == 5)
        }
    }

    @Test("a query can also be POSTed as application/text")
    func postedQuery() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            _ = try await sandbox.makeCustomer(company, "Posted")
            let reply = try await sandbox.api(
                company, .POST, "query", body: "select * from Customer where DisplayName = 'Posted'")
            #expect(reply.json["QueryResponse"]["Customer"].array.count == 1)
        }
    }
}

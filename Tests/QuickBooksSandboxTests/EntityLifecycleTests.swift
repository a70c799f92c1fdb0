import Foundation
import QuickBooksSandbox
import Testing

@Suite("Entities behave like QuickBooks Online")
struct EntityLifecycleTests {
    @Test("a created customer reads back with Id, SyncToken and MetaData in Intuit's shape")
    func createdCustomerReadsBack() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let created = try await sandbox.api(company, .POST, "customer", body: #"{"DisplayName":"Jane O'Neil"}"#)
            #expect(created.status == 200)
            let customer = created.json["Customer"]
            let id = try #require(customer["Id"].string)
            #expect(customer["SyncToken"].string == "0")
            #expect(customer["MetaData"]["CreateTime"].string != nil)
            #expect(customer["MetaData"]["LastUpdatedTime"].string != nil)
            #expect(customer["Active"].bool == true)
            #expect(customer["domain"].string == "QBO")
            // "time" like 2015-07-23T10:58:12.099-07:00
            let time = try #require(created.json["time"].string)
            #expect(
                time.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$"#, options: .regularExpression)
                    != nil)

            let read = try await sandbox.api(company, .GET, "customer/\(id)")
            #expect(read.status == 200)
            #expect(read.json["Customer"]["DisplayName"].string == "Jane O'Neil")
            #expect(read.json["Customer"]["Id"].string == id)
            #expect(read.json["Customer"]["SyncToken"].string == "0")
        }
    }

    @Test("an update with a stale SyncToken is refused with 5010 and changes nothing")
    func staleSyncToken() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let id = try await sandbox.makeCustomer(company, "Acme")
            let first = try await sandbox.api(
                company, .POST, "customer",
                body: #"{"Id":"\#(id)","SyncToken":"0","sparse":true,"CompanyName":"Acme Inc"}"#)
            #expect(first.status == 200)
            #expect(first.json["Customer"]["SyncToken"].string == "1")
            #expect(first.json["Customer"]["DisplayName"].string == "Acme")  // sparse kept the name

            let stale = try await sandbox.api(
                company, .POST, "customer",
                body: #"{"Id":"\#(id)","SyncToken":"0","sparse":true,"CompanyName":"Other"}"#)
            #expect(stale.status == 400)
            #expect(stale.faultCode == "5010")
            #expect(stale.json["Fault"]["type"].string == "ValidationFault")
            #expect(stale.json["Fault"]["Error"][0]["Message"].string == "Stale Object Error")
            let read = try await sandbox.api(company, .GET, "customer/\(id)")
            #expect(read.json["Customer"]["CompanyName"].string == "Acme Inc")
        }
    }

    @Test("a full update drops the fields it does not send; a sparse one keeps them")
    func fullVersusSparseUpdate() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let created = try await sandbox.create(company, "Customer", #"{"DisplayName":"Full","Notes":"keep?"}"#)
            let id = try #require(created["Id"].string)
            let full = try await sandbox.api(
                company, .POST, "customer", body: #"{"Id":"\#(id)","SyncToken":"0","DisplayName":"Full"}"#)
            #expect(full.status == 200)
            #expect(full.json["Customer"]["Notes"].exists == false)
            let sparse = try await sandbox.api(
                company, .POST, "customer", body: #"{"Id":"\#(id)","SyncToken":"1","sparse":true,"Notes":"back"}"#)
            #expect(sparse.json["Customer"]["Notes"].string == "back")
            #expect(sparse.json["Customer"]["DisplayName"].string == "Full")
        }
    }

    @Test("DisplayName is unique in the realm, case-insensitively and even against inactive customers (6240)")
    func duplicateDisplayName() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let id = try await sandbox.makeCustomer(company, "Jane O'Neil")
            let duplicate = try await sandbox.api(company, .POST, "customer", body: #"{"DisplayName":"jane o'neil "}"#)
            #expect(duplicate.status == 400)
            #expect(duplicate.faultCode == "6240")

            let deactivated = try await sandbox.api(
                company, .POST, "customer", body: #"{"Id":"\#(id)","SyncToken":"0","sparse":true,"Active":false}"#)
            #expect(deactivated.json["Customer"]["Active"].bool == false)
            let stillDuplicate = try await sandbox.api(
                company, .POST, "customer", body: #"{"DisplayName":"Jane O'Neil"}"#)
            #expect(stillDuplicate.faultCode == "6240")
        }
    }

    @Test("customers are only deactivated, never deleted")
    func customersAreNotDeleted() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let id = try await sandbox.makeCustomer(company, "Keep Me")
            let delete = try await sandbox.api(
                company, .POST, "customer", query: ["operation": "delete"], body: #"{"Id":"\#(id)","SyncToken":"0"}"#)
            #expect(delete.status == 400)
            #expect(delete.faultCode == "500")
            let deactivate = try await sandbox.api(
                company, .POST, "customer", body: #"{"Id":"\#(id)","SyncToken":"0","sparse":true,"Active":false}"#)
            #expect(deactivate.status == 200)
            let read = try await sandbox.api(company, .GET, "customer/\(id)")
            #expect(read.status == 200)
            #expect(read.json["Customer"]["Active"].bool == false)
        }
    }

    @Test("a new realm holds the standard accounts and service items of a new QuickBooks company")
    func seededRealm() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let accounts = try await sandbox.query(company, "select * from Account maxresults 100")
            let names = Set(accounts.json["QueryResponse"]["Account"].array.compactMap { $0["Name"].string })
            #expect(
                names.isSuperset(of: [
                    "Checking", "Undeposited Funds", "Services", "Bank Charges & Fees", "Accounts Receivable (A/R)",
                ]))
            let undeposited = try await sandbox.query(
                company, "select * from Account where AccountSubType = 'UndepositedFunds'")
            #expect(undeposited.json["QueryResponse"]["Account"][0]["AccountType"].string == "Other Current Asset")
            let items = try await sandbox.query(company, "select * from Item where Type = 'Service'")
            #expect(items.json["QueryResponse"]["Item"].array.contains { $0["Name"].string == "Services" })
        }
    }

    @Test("an invoice needs a CustomerRef and a line; its total is the sum of its lines")
    func invoiceRequiredFields() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Needs Lines")
            let noCustomer = try await sandbox.api(
                company, .POST, "invoice",
                body:
                    #"{"Line":[{"DetailType":"SalesItemLineDetail","Amount":10,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            #expect(noCustomer.faultCode == "2020")
            #expect(noCustomer.json["Fault"]["Error"][0]["element"].string == "CustomerRef")
            let noLine = try await sandbox.api(
                company, .POST, "invoice", body: #"{"CustomerRef":{"value":"\#(customer)"}}"#)
            #expect(noLine.faultCode == "2020")
            #expect(noLine.json["Fault"]["Error"][0]["element"].string == "Line")

            let invoice = try await sandbox.create(
                company, "Invoice",
                #"{"CustomerRef":{"value":"\#(customer)"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":337.5,"SalesItemLineDetail":{"ItemRef":{"value":"1"},"Qty":4.5,"UnitPrice":75}},{"DetailType":"SalesItemLineDetail","Amount":100,"SalesItemLineDetail":{"ItemRef":{"value":"2"}}}]}"#
            )
            #expect(invoice["TotalAmt"].double == 437.5)
            #expect(invoice["Balance"].double == 437.5)
            #expect(invoice["DocNumber"].string == "1001")
            #expect(invoice["CustomerRef"]["name"].string == "Needs Lines")
            #expect(invoice["Line"].array.last?["DetailType"].string == "SubTotalLineDetail")
            let read = try await sandbox.api(company, .GET, "customer/\(customer)")
            #expect(read.json["Customer"]["Balance"].double == 437.5)
        }
    }

    @Test("a line whose Amount is not Qty × UnitPrice is refused with 6070")
    func amountsMustAddUp() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Arithmetic")
            let wrong = try await sandbox.api(
                company, .POST, "invoice",
                body:
                    #"{"CustomerRef":{"value":"\#(customer)"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":1000,"SalesItemLineDetail":{"ItemRef":{"value":"1"},"Qty":7,"UnitPrice":225}}]}"#
            )
            #expect(wrong.status == 400)
            #expect(wrong.faultCode == "6070")
            // Half a cent rounds up, as QuickBooks rounds: 128.35 × 14.50 = 1861.075 → 1861.08.
            let halfCent = try await sandbox.api(
                company, .POST, "invoice",
                body:
                    #"{"CustomerRef":{"value":"\#(customer)"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":1861.08,"SalesItemLineDetail":{"ItemRef":{"value":"1"},"Qty":128.35,"UnitPrice":14.5}}]}"#
            )
            #expect(halfCent.status == 200)
        }
    }

    @Test("a duplicate invoice DocNumber is refused with 6210; a deleted invoice frees its number")
    func duplicateDocNumber() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Numbers")
            let first = try await sandbox.makeInvoice(company, customerId: customer, amount: "10", docNumber: "INV-7")
            let duplicate = try await sandbox.api(
                company, .POST, "invoice",
                body:
                    #"{"CustomerRef":{"value":"\#(customer)"},"DocNumber":"INV-7","Line":[{"DetailType":"SalesItemLineDetail","Amount":5,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            #expect(duplicate.status == 400)
            #expect(duplicate.faultCode == "6210")
            let tooLong = try await sandbox.api(
                company, .POST, "invoice",
                body:
                    #"{"CustomerRef":{"value":"\#(customer)"},"DocNumber":"1234567890123456789012","Line":[{"DetailType":"SalesItemLineDetail","Amount":5,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            #expect(tooLong.status == 400)
            #expect(tooLong.json["Fault"]["Error"][0]["element"].string == "DocNumber")

            let deleted = try await sandbox.api(
                company, .POST, "invoice", query: ["operation": "delete"],
                body: #"{"Id":"\#(first["Id"].string ?? "")","SyncToken":"0"}"#)
            #expect(deleted.json["Invoice"]["status"].string == "Deleted")
            _ = try await sandbox.makeInvoice(company, customerId: customer, amount: "5", docNumber: "INV-7")
        }
    }

    @Test("references to missing or inactive customers and items are refused with 610")
    func missingAndInactiveReferences() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let missing = try await sandbox.api(
                company, .POST, "invoice",
                body:
                    #"{"CustomerRef":{"value":"999"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":5,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            #expect(missing.faultCode == "610")
            #expect(missing.json["Fault"]["Error"][0]["Message"].string == "Object Not Found")

            let customer = try await sandbox.makeCustomer(company, "Gone Quiet")
            _ = try await sandbox.api(
                company, .POST, "customer", body: #"{"Id":"\#(customer)","SyncToken":"0","sparse":true,"Active":false}"#
            )
            let inactive = try await sandbox.api(
                company, .POST, "invoice",
                body:
                    #"{"CustomerRef":{"value":"\#(customer)"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":5,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            #expect(inactive.faultCode == "610")

            let active = try await sandbox.makeCustomer(company, "Still Here")
            let badItem = try await sandbox.api(
                company, .POST, "invoice",
                body:
                    #"{"CustomerRef":{"value":"\#(active)"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":5,"SalesItemLineDetail":{"ItemRef":{"value":"77"}}}]}"#
            )
            #expect(badItem.faultCode == "610")
            #expect(badItem.json["Fault"]["Error"][0]["element"].string == "ItemRef")

            let missingRead = try await sandbox.api(company, .GET, "invoice/4242")
            #expect(missingRead.faultCode == "610")
        }
    }

    @Test("a service item needs an active income account; duplicate item names are refused")
    func items() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let income = try await sandbox.query(company, "select * from Account where Name = 'Services'")
            let incomeId = try #require(income.json["QueryResponse"]["Account"][0]["Id"].string)
            let item = try await sandbox.create(
                company, "Item", #"{"Name":"Bookkeeping","Type":"Service","IncomeAccountRef":{"value":"\#(incomeId)"}}"#
            )
            #expect(item["IncomeAccountRef"]["name"].string == "Services")
            #expect(item["Type"].string == "Service")
            let duplicate = try await sandbox.api(
                company, .POST, "item",
                body: #"{"Name":"bookkeeping","Type":"Service","IncomeAccountRef":{"value":"\#(incomeId)"}}"#)
            #expect(duplicate.faultCode == "6240")
            let noAccount = try await sandbox.api(company, .POST, "item", body: #"{"Name":"Payroll","Type":"Service"}"#)
            #expect(noAccount.faultCode == "2020")
            let bank = try await sandbox.query(company, "select * from Account where AccountType = 'Bank'")
            let bankId = try #require(bank.json["QueryResponse"]["Account"][0]["Id"].string)
            let wrongKind = try await sandbox.api(
                company, .POST, "item",
                body: #"{"Name":"Payroll","Type":"Service","IncomeAccountRef":{"value":"\#(bankId)"}}"#)
            #expect(wrongKind.faultCode == "6000")
        }
    }

    @Test("accounts: unique names, a type is required, the classification follows the type")
    func accounts() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let account = try await sandbox.create(
                company, "Account", #"{"Name":"Stripe Fees","AccountType":"Expense"}"#)
            #expect(account["Classification"].string == "Expense")
            #expect(account["AccountSubType"].string != nil)
            let duplicate = try await sandbox.api(
                company, .POST, "account", body: #"{"Name":"stripe fees","AccountType":"Expense"}"#)
            #expect(duplicate.faultCode == "6240")
            let untyped = try await sandbox.api(company, .POST, "account", body: #"{"Name":"Mystery"}"#)
            #expect(untyped.faultCode == "6010")
        }
    }
}

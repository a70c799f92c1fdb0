import Foundation
import QuickBooksSandbox
import Testing

@Suite("Changes by the accountant, outside the app's API")
struct AccountantTests {
    @Test("merging a customer moves its transactions; the merged-away customer is gone and CDC reports it deleted")
    func mergeCustomer() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let since = WebhookTests.cdcTime(Date().addingTimeInterval(-60))
            let duplicate = try await sandbox.makeCustomer(company, "Jane Doe (dup)")
            let kept = try await sandbox.makeCustomer(company, "Jane Doe")
            let invoice = try #require(
                try await sandbox.makeInvoice(company, customerId: duplicate, amount: "100")["Id"].string)
            let payment = try #require(
                try await sandbox.create(
                    company, "Payment",
                    #"{"CustomerRef":{"value":"\#(duplicate)"},"TotalAmt":30,"Line":[{"Amount":30,"LinkedTxn":[{"TxnId":"\#(invoice)","TxnType":"Invoice"}]}]}"#
                )["Id"].string)
            _ = try await sandbox.makeInvoice(company, customerId: kept, amount: "20")
            let invoiceBefore = try await sandbox.api(company, .GET, "invoice/\(invoice)").json["Invoice"]
            let paymentBefore = try await sandbox.api(company, .GET, "payment/\(payment)").json["Payment"]

            let survivor = try await sandbox.inspector.accountant.mergeCustomer(
                realmId: company.realmId, from: duplicate, into: kept)
            #expect(survivor.id == kept)
            #expect(survivor.syncToken == "1")

            #expect(try await sandbox.api(company, .GET, "customer/\(duplicate)").faultCode == "610")
            let survivorRead = try await sandbox.api(company, .GET, "customer/\(kept)").json["Customer"]
            #expect(survivorRead["Balance"].double == 90)  // 70 left on the moved invoice + 20
            let invoiceAfter = try await sandbox.api(company, .GET, "invoice/\(invoice)").json["Invoice"]
            #expect(invoiceAfter["CustomerRef"]["value"].string == kept)
            #expect(invoiceAfter["CustomerRef"]["name"].string == "Jane Doe")
            let invoiceToken = try #require(Int(invoiceBefore["SyncToken"].string ?? ""))
            #expect(invoiceAfter["SyncToken"].string == String(invoiceToken + 1))
            #expect(invoiceAfter["Balance"].double == 70)
            let paymentAfter = try await sandbox.api(company, .GET, "payment/\(payment)").json["Payment"]
            #expect(paymentAfter["CustomerRef"]["value"].string == kept)
            let paymentToken = try #require(Int(paymentBefore["SyncToken"].string ?? ""))
            #expect(paymentAfter["SyncToken"].string == String(paymentToken + 1))

            let changes = try await sandbox.api(
                company, .GET, "cdc", query: ["entities": "Customer,Invoice", "changedSince": since])
            let customers = changes.json["CDCResponse"][0]["QueryResponse"][0]["Customer"].array
            let gone = try #require(customers.first { $0["Id"].string == duplicate })
            #expect(gone["status"].string == "Deleted")
            #expect(gone["MetaData"]["LastUpdatedTime"].string != nil)
            #expect(gone["DisplayName"].exists == false)
            #expect(customers.contains { $0["Id"].string == kept && $0["DisplayName"].string == "Jane Doe" })
            let records = try await sandbox.inspector.records(realmId: company.realmId, entity: .customer)
            #expect(records.first { $0.id == duplicate }?.status == .deleted)

            await #expect(
                throws: SandboxError.refused(code: "6000", detail: "Business Validation Error: A customer can't be merged into itself.")
            ) {
                try await sandbox.inspector.accountant.mergeCustomer(realmId: company.realmId, from: kept, into: kept)
            }
        }
    }

    @Test("deactivating a customer makes a new version with Active false; reactivating undoes it")
    func deactivateCustomer() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let id = try await sandbox.makeCustomer(company, "Sleepy")
            let accountant = sandbox.inspector.accountant
            let inactive = try await accountant.deactivateCustomer(realmId: company.realmId, id: id)
            #expect(inactive.status == .inactive)
            #expect(inactive.syncToken == "1")
            let read = try await sandbox.api(company, .GET, "customer/\(id)")
            #expect(read.json["Customer"]["Active"].bool == false)
            let listed = try await sandbox.query(company, "select * from Customer")
            #expect(listed.json["QueryResponse"]["Customer"].array.isEmpty)
            await #expect(throws: SandboxError.self) {
                try await accountant.deactivateCustomer(realmId: company.realmId, id: id)
            }
            let active = try await accountant.reactivateCustomer(realmId: company.realmId, id: id)
            #expect(active.status == .active)
            #expect(active.syncToken == "2")
            await #expect(throws: SandboxError.unknownRealm("nowhere")) {
                try await accountant.deactivateCustomer(realmId: "nowhere", id: id)
            }
        }
    }

    @Test("deleting a payment unapplies it; deleting an invoice leaves its payment as unapplied credit")
    func deletions() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Deleter")
            let invoice = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "80")["Id"].string)
            let line = #"[{"Amount":50,"LinkedTxn":[{"TxnId":"\#(invoice)","TxnType":"Invoice"}]}]"#
            let first = try #require(
                try await sandbox.create(
                    company, "Payment", #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":50,"Line":\#(line)}"#)[
                        "Id"
                    ].string)
            let accountant = sandbox.inspector.accountant

            let deleted = try await accountant.delete(realmId: company.realmId, entity: .payment, id: first)
            #expect(deleted.status == .deleted)
            #expect(try await sandbox.api(company, .GET, "payment/\(first)").faultCode == "610")
            var read = try await sandbox.api(company, .GET, "invoice/\(invoice)").json["Invoice"]
            #expect(read["Balance"].double == 80)
            #expect(read["LinkedTxn"].array.isEmpty)

            let second = try #require(
                try await sandbox.create(
                    company, "Payment", #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":50,"Line":\#(line)}"#)[
                        "Id"
                    ].string)
            read = try await sandbox.api(company, .GET, "invoice/\(invoice)").json["Invoice"]
            #expect(read["Balance"].double == 30)
            // The API refuses to delete an invoice with a payment; the accountant is warned and goes on.
            let refused = try await sandbox.api(
                company, .POST, "invoice", query: ["operation": "delete"],
                body: #"{"Id":"\#(invoice)","SyncToken":"\#(read["SyncToken"].string ?? "")"}"#)
            #expect(refused.faultCode == "6000")
            let gone = try await accountant.delete(realmId: company.realmId, entity: .invoice, id: invoice)
            #expect(gone.status == .deleted)
            let payment = try await sandbox.api(company, .GET, "payment/\(second)").json["Payment"]
            #expect(payment["UnappliedAmt"].double == 50)
            #expect(payment["Line"].array.isEmpty)
            let customerRead = try await sandbox.api(company, .GET, "customer/\(customer)").json["Customer"]
            #expect(customerRead["Balance"].double == -50)
            await #expect(throws: SandboxError.self) {
                try await accountant.delete(realmId: company.realmId, entity: .invoice, id: invoice)
            }
        }
    }

    @Test("voiding a payment zeroes it and unpays its invoice; a voided invoice can't be edited")
    func voids() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Voided")
            let invoice = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "80")["Id"].string)
            let payment = try #require(
                try await sandbox.create(
                    company, "Payment",
                    #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":80,"Line":[{"Amount":80,"LinkedTxn":[{"TxnId":"\#(invoice)","TxnType":"Invoice"}]}]}"#
                )["Id"].string)
            let accountant = sandbox.inspector.accountant
            let voided = try await accountant.void(realmId: company.realmId, entity: .payment, id: payment)
            #expect(voided.status == .voided)
            let paymentRead = try await sandbox.api(company, .GET, "payment/\(payment)").json["Payment"]
            #expect(paymentRead["TotalAmt"].double == 0)
            let invoiceRead = try await sandbox.api(company, .GET, "invoice/\(invoice)").json["Invoice"]
            #expect(invoiceRead["Balance"].double == 80)

            _ = try await accountant.void(realmId: company.realmId, entity: .invoice, id: invoice)
            do throws(SandboxError) {
                _ = try await accountant.edit(
                    realmId: company.realmId, entity: .invoice, id: invoice, changes: #"{"TxnDate":"2026-11-30"}"#)
                Issue.record("a voided invoice was edited")
            } catch {
                guard case .refused(let code, _) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(code == "6000")
            }
        }
    }

    @Test("a sparse edit of a line recomputes the totals as the API would, and moves LastUpdatedTime")
    func editInvoice() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Edited")
            let invoice = try await sandbox.create(
                company, "Invoice",
                #"{"CustomerRef":{"value":"\#(customer)"},"TxnDate":"2026-11-01","Line":[{"DetailType":"SalesItemLineDetail","Amount":200,"SalesItemLineDetail":{"ItemRef":{"value":"1"},"Qty":2,"UnitPrice":100}},{"DetailType":"SalesItemLineDetail","Amount":50,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            let id = try #require(invoice["Id"].string)
            #expect(invoice["TotalAmt"].double == 250)
            let created = try #require(invoice["MetaData"]["LastUpdatedTime"].string)
            try await Task.sleep(for: .milliseconds(1100))  // LastUpdatedTime has whole seconds
            let since = WebhookTests.cdcTime(Date())  // after the creation: only a change shows
            let accountant = sandbox.inspector.accountant

            // A new Amount keeps the quantity and sets the rate to match.
            _ = try await accountant.edit(
                realmId: company.realmId, entity: .invoice, id: id, changes: #"{"Line":[{"Id":"1","Amount":300}]}"#)
            var read = try await sandbox.api(company, .GET, "invoice/\(id)").json["Invoice"]
            #expect(read["TotalAmt"].double == 350)
            #expect(read["Balance"].double == 350)
            #expect(read["Line"][0]["SalesItemLineDetail"]["Qty"].double == 2)
            #expect(read["Line"][0]["SalesItemLineDetail"]["UnitPrice"].double == 150)
            #expect(read["Line"][1]["Amount"].double == 50)
            #expect(read["SyncToken"].string == "1")
            #expect(read["MetaData"]["LastUpdatedTime"].string != created)

            // A new quantity recomputes the amount; dates change too.
            let record = try await accountant.edit(
                realmId: company.realmId, entity: .invoice, id: id,
                changes: #"{"Line":[{"Id":"1","SalesItemLineDetail":{"Qty":3}}],"TxnDate":"2026-11-15","DueDate":"2026-12-31"}"#)
            #expect(record.syncToken == "2")
            read = try await sandbox.api(company, .GET, "invoice/\(id)").json["Invoice"]
            #expect(read["Line"][0]["Amount"].double == 450)
            #expect(read["TotalAmt"].double == 500)
            #expect(read["TxnDate"].string == "2026-11-15")
            #expect(read["DueDate"].string == "2026-12-31")
            let customerRead = try await sandbox.api(company, .GET, "customer/\(customer)").json["Customer"]
            #expect(customerRead["Balance"].double == 500)

            let changes = try await sandbox.api(
                company, .GET, "cdc", query: ["entities": "Invoice", "changedSince": since])
            let changed = changes.json["CDCResponse"][0]["QueryResponse"][0]["Invoice"].array
            #expect(changed.map { $0["Id"].string } == [id])
            #expect(changed.first?["TotalAmt"].double == 500)

            await #expect(throws: SandboxError.self) {
                try await accountant.edit(
                    realmId: company.realmId, entity: .invoice, id: id, changes: #"{"Line":[{"Id":"9","Amount":1}]}"#)
            }
            await #expect(throws: SandboxError.self) {
                try await accountant.edit(realmId: company.realmId, entity: .invoice, id: id, changes: "not json")
            }
        }
    }

    @Test("the accountant's changes are offered over the admin API")
    func adminRoutes() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let base = "/realms/\(company.realmId)/entities"
            let first = try await sandbox.makeCustomer(company, "First")
            let second = try await sandbox.makeCustomer(company, "Second")
            let invoice = try #require(
                try await sandbox.makeInvoice(company, customerId: first, amount: "10")["Id"].string)

            let deactivated = try await sandbox.admin(.POST, "\(base)/customer/\(second)/deactivate")
            #expect(deactivated.status == 200)
            #expect(deactivated.json["record"]["status"].string == "inactive")
            #expect(deactivated.json["record"]["object"]["Active"].bool == false)
            let reactivated = try await sandbox.admin(.POST, "\(base)/Customer/\(second)/reactivate")
            #expect(reactivated.json["record"]["status"].string == "active")

            let edited = try await sandbox.admin(
                .POST, "\(base)/invoice/\(invoice)/edit", body: #"{"Line":[{"Id":"1","Amount":15}]}"#)
            #expect(edited.status == 200)
            #expect(edited.json["record"]["object"]["TotalAmt"].double == 15)

            let merged = try await sandbox.admin(
                .POST, "\(base)/customer/\(first)/merge", body: #"{"into":"\#(second)"}"#)
            #expect(merged.status == 200)
            #expect(merged.json["record"]["Id"].string == second)
            let invoiceRead = try await sandbox.api(company, .GET, "invoice/\(invoice)")
            #expect(invoiceRead.json["Invoice"]["CustomerRef"]["value"].string == second)

            let voided = try await sandbox.admin(.POST, "\(base)/invoice/\(invoice)/void")
            #expect(voided.json["record"]["status"].string == "voided")
            let deleted = try await sandbox.admin(.POST, "\(base)/invoice/\(invoice)/delete")
            #expect(deleted.json["record"]["status"].string == "deleted")

            let refused = try await sandbox.admin(.POST, "\(base)/invoice/\(invoice)/void")
            #expect(refused.status == 400)
            #expect(refused.json["code"].string == "610")
            #expect(try await sandbox.admin(.POST, "\(base)/invoice/\(invoice)/deactivate").status == 404)
            #expect(try await sandbox.admin(.POST, "\(base)/customer/\(second)/merge").status == 400)
            #expect(try await sandbox.admin(.POST, "/realms/nope/entities/customer/1/deactivate").status == 404)
        }
    }
}

import Foundation
import QuickBooksSandbox
import Testing

@Suite("Payments, voids, deletes, credit memos, refunds and expenses")
struct TransactionTests {
    @Test("a payment lowers the invoice balance, lands in Undeposited Funds and links both ways")
    func paymentAppliesToInvoice() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Payer")
            let invoice = try await sandbox.makeInvoice(company, customerId: customer, amount: "450.00")
            let invoiceId = try #require(invoice["Id"].string)
            let payment = try await sandbox.create(
                company, "Payment",
                #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":"300.00","Line":[{"Amount":"300.00","LinkedTxn":[{"TxnId":"\#(invoiceId)","TxnType":"Invoice"}]}]}"#
            )
            #expect(payment["TotalAmt"].double == 300)
            #expect(payment["UnappliedAmt"].double == 0)
            #expect(payment["DepositToAccountRef"]["name"].string == "Undeposited Funds")
            let paymentId = try #require(payment["Id"].string)

            let read = try await sandbox.api(company, .GET, "invoice/\(invoiceId)")
            #expect(read.json["Invoice"]["Balance"].double == 150)
            #expect(read.json["Invoice"]["LinkedTxn"][0]["TxnId"].string == paymentId)
            #expect(read.json["Invoice"]["LinkedTxn"][0]["TxnType"].string == "Payment")
            // Applying the payment made a new version of the invoice.
            #expect(read.json["Invoice"]["SyncToken"].string == "1")
            let customerRead = try await sandbox.api(company, .GET, "customer/\(customer)")
            #expect(customerRead.json["Customer"]["Balance"].double == 150)
        }
    }

    @Test("updating a payment re-applies it; an invoice can't drop below what was paid on it")
    func paymentUpdate() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Updater")
            let invoice = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "450")["Id"].string)
            let link = #"[{"TxnId":"\#(invoice)","TxnType":"Invoice"}]"#
            let payment = try await sandbox.create(
                company, "Payment",
                #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":300,"Line":[{"Amount":300,"LinkedTxn":\#(link)}]}"#
            )
            let paymentId = try #require(payment["Id"].string)
            let updated = try await sandbox.api(
                company, .POST, "payment",
                body:
                    #"{"Id":"\#(paymentId)","SyncToken":"0","CustomerRef":{"value":"\#(customer)"},"TotalAmt":450,"Line":[{"Amount":450,"LinkedTxn":\#(link)}]}"#
            )
            #expect(updated.status == 200)
            let paid = try await sandbox.api(company, .GET, "invoice/\(invoice)")
            #expect(paid.json["Invoice"]["Balance"].double == 0)
            #expect(paid.json["Invoice"]["LinkedTxn"].array.count == 1)

            let token = try #require(paid.json["Invoice"]["SyncToken"].string)
            let shrunk = try await sandbox.api(
                company, .POST, "invoice",
                body:
                    #"{"Id":"\#(invoice)","SyncToken":"\#(token)","sparse":true,"Line":[{"DetailType":"SalesItemLineDetail","Amount":100,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            #expect(shrunk.faultCode == "6000")
            let customerRead = try await sandbox.api(company, .GET, "customer/\(customer)")
            #expect(customerRead.json["Customer"]["Balance"].double == 0)
        }
    }

    @Test("a payment can't apply more than the invoice's open balance or more than its total")
    func paymentAmountsMustAddUp() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Overpayer")
            let invoiceId = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "100")["Id"].string)
            let overBalance = try await sandbox.api(
                company, .POST, "payment",
                body:
                    #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":150,"Line":[{"Amount":150,"LinkedTxn":[{"TxnId":"\#(invoiceId)","TxnType":"Invoice"}]}]}"#
            )
            #expect(overBalance.faultCode == "6000")
            let overTotal = try await sandbox.api(
                company, .POST, "payment",
                body:
                    #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":50,"Line":[{"Amount":80,"LinkedTxn":[{"TxnId":"\#(invoiceId)","TxnType":"Invoice"}]}]}"#
            )
            #expect(overTotal.faultCode == "6000")
            let read = try await sandbox.api(company, .GET, "invoice/\(invoiceId)")
            #expect(read.json["Invoice"]["Balance"].double == 100)
        }
    }

    @Test("an invoice with a linked payment can't be deleted; deleting the payment first frees it")
    func invoiceWithPaymentCannotBeDeleted() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Linked")
            let invoiceId = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "80")["Id"].string)
            let payment = try await sandbox.create(
                company, "Payment",
                #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":80,"Line":[{"Amount":80,"LinkedTxn":[{"TxnId":"\#(invoiceId)","TxnType":"Invoice"}]}]}"#
            )
            let refused = try await sandbox.api(
                company, .POST, "invoice", query: ["operation": "delete"],
                body: #"{"Id":"\#(invoiceId)","SyncToken":"1"}"#)
            #expect(refused.status == 400)
            #expect(refused.faultCode == "6000")

            let paymentId = try #require(payment["Id"].string)
            let deletedPayment = try await sandbox.api(
                company, .POST, "payment", query: ["operation": "delete"],
                body: #"{"Id":"\#(paymentId)","SyncToken":"0"}"#)
            #expect(deletedPayment.json["Payment"]["status"].string == "Deleted")
            #expect(deletedPayment.json["Payment"]["domain"].string == "QBO")
            let paymentRead = try await sandbox.api(company, .GET, "payment/\(paymentId)")
            #expect(paymentRead.faultCode == "610")

            let invoice = try await sandbox.api(company, .GET, "invoice/\(invoiceId)")
            #expect(invoice.json["Invoice"]["Balance"].double == 80)
            #expect(invoice.json["Invoice"]["LinkedTxn"].array.isEmpty)
            let token = try #require(invoice.json["Invoice"]["SyncToken"].string)
            let deleted = try await sandbox.api(
                company, .POST, "invoice", query: ["operation": "delete"],
                body: #"{"Id":"\#(invoiceId)","SyncToken":"\#(token)"}"#)
            #expect(deleted.status == 200)
            #expect(deleted.json["Invoice"]["status"].string == "Deleted")
        }
    }

    @Test("voiding an invoice zeroes it, notes it, and leaves payments as unapplied credit")
    func voidInvoice() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Voider")
            let invoiceId = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "60")["Id"].string)
            let stale = try await sandbox.api(
                company, .POST, "invoice", query: ["operation": "void"],
                body: #"{"Id":"\#(invoiceId)","SyncToken":"3"}"#)
            #expect(stale.faultCode == "5010")
            let payment = try await sandbox.create(
                company, "Payment",
                #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":20,"Line":[{"Amount":20,"LinkedTxn":[{"TxnId":"\#(invoiceId)","TxnType":"Invoice"}]}]}"#
            )
            let voided = try await sandbox.api(
                company, .POST, "invoice", query: ["operation": "void"],
                body: #"{"Id":"\#(invoiceId)","SyncToken":"1"}"#)
            #expect(voided.status == 200)
            #expect(voided.json["Invoice"]["TotalAmt"].double == 0)
            #expect(voided.json["Invoice"]["Balance"].double == 0)
            #expect(voided.json["Invoice"]["PrivateNote"].string == "Voided")
            let paymentRead = try await sandbox.api(company, .GET, "payment/\(payment["Id"].string ?? "")")
            #expect(paymentRead.json["Payment"]["UnappliedAmt"].double == 20)
            let customerRead = try await sandbox.api(company, .GET, "customer/\(customer)")
            #expect(customerRead.json["Customer"]["Balance"].double == -20)
        }
    }

    @Test("a payment is voided with operation=update&include=void: amounts zero, its invoice unpaid again")
    func voidPaymentByUpdate() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Bounced")
            let invoiceId = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "120")["Id"].string)
            let payment = try await sandbox.create(
                company, "Payment",
                #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":120,"Line":[{"Amount":120,"LinkedTxn":[{"TxnId":"\#(invoiceId)","TxnType":"Invoice"}]}]}"#
            )
            let paymentId = try #require(payment["Id"].string)
            #expect(try await sandbox.api(company, .GET, "invoice/\(invoiceId)").json["Invoice"]["Balance"].double == 0)

            let voided = try await sandbox.api(
                company, .POST, "payment", query: ["operation": "update", "include": "void"],
                body: #"{"Id":"\#(paymentId)","SyncToken":"0","sparse":true}"#)
            #expect(voided.status == 200)
            #expect(voided.json["Payment"]["TotalAmt"].double == 0)
            #expect(voided.json["Payment"]["PrivateNote"].string == "Voided")
            let invoice = try await sandbox.api(company, .GET, "invoice/\(invoiceId)").json["Invoice"]
            #expect(invoice["Balance"].double == 120)
            #expect(invoice["LinkedTxn"].array.isEmpty)
            let customerRead = try await sandbox.api(company, .GET, "customer/\(customer)")
            #expect(customerRead.json["Customer"]["Balance"].double == 120)
            let records = try await sandbox.inspector.records(realmId: company.realmId, entity: .payment)
            #expect(records.map(\.status) == [.voided])
            // A plain update without include=void is still an update.
            let stale = try await sandbox.api(
                company, .POST, "payment", query: ["operation": "update"],
                body: #"{"Id":"\#(paymentId)","SyncToken":"1","sparse":true,"PrivateNote":"x"}"#)
            #expect(stale.faultCode == "6000")  // a voided transaction can't be changed
        }
    }

    @Test("an empty TxnDate means today and an empty DueDate, without terms, the TxnDate")
    func emptyDates() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Undated")
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "America/Los_Angeles")
            formatter.dateFormat = "yyyy-MM-dd"
            let before = formatter.string(from: Date())
            let invoice = try await sandbox.create(
                company, "Invoice",
                #"{"CustomerRef":{"value":"\#(customer)"},"TxnDate":"","DueDate":"","Line":[{"DetailType":"SalesItemLineDetail","Amount":10,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            let after = formatter.string(from: Date())
            let txnDate = try #require(invoice["TxnDate"].string)
            #expect(txnDate == before || txnDate == after)  // the company's today, in its time zone
            #expect(invoice["DueDate"].string == txnDate)
            let dated = try await sandbox.create(
                company, "Invoice",
                #"{"CustomerRef":{"value":"\#(customer)"},"TxnDate":"2026-11-01","DueDate":"","Line":[{"DetailType":"SalesItemLineDetail","Amount":10,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            #expect(dated["DueDate"].string == "2026-11-01")
            let payment = try await sandbox.create(
                company, "Payment", #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":5,"TxnDate":""}"#)
            #expect(payment["TxnDate"].string == txnDate)
            let malformed = try await sandbox.api(
                company, .POST, "payment", body: #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":5,"TxnDate":"soon"}"#)
            #expect(malformed.faultCode == "2010")
        }
    }

    @Test("a promotional credit memo is applied to an invoice through a zero payment")
    func creditMemoApplied() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Promo")
            let invoiceId = try #require(
                try await sandbox.makeInvoice(company, customerId: customer, amount: "100")["Id"].string)
            let memo = try await sandbox.create(
                company, "CreditMemo",
                #"{"CustomerRef":{"value":"\#(customer)"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":30,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}"#
            )
            #expect(memo["RemainingCredit"].double == 30)
            let memoId = try #require(memo["Id"].string)
            _ = try await sandbox.create(
                company, "Payment",
                #"{"CustomerRef":{"value":"\#(customer)"},"TotalAmt":0,"Line":[{"Amount":30,"LinkedTxn":[{"TxnId":"\#(invoiceId)","TxnType":"Invoice"}]},{"Amount":30,"LinkedTxn":[{"TxnId":"\#(memoId)","TxnType":"CreditMemo"}]}]}"#
            )
            let invoice = try await sandbox.api(company, .GET, "invoice/\(invoiceId)")
            #expect(invoice.json["Invoice"]["Balance"].double == 70)
            let memoRead = try await sandbox.api(company, .GET, "creditmemo/\(memoId)")
            #expect(memoRead.json["CreditMemo"]["RemainingCredit"].double == 0)
        }
    }

    @Test("a refund receipt needs the account the money leaves from")
    func refundReceipt() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let customer = try await sandbox.makeCustomer(company, "Refunded")
            let line =
                #"[{"DetailType":"SalesItemLineDetail","Amount":25,"SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]"#
            let missing = try await sandbox.api(
                company, .POST, "refundreceipt", body: #"{"CustomerRef":{"value":"\#(customer)"},"Line":\#(line)}"#)
            #expect(missing.faultCode == "2020")
            let refund = try await sandbox.create(
                company, "RefundReceipt",
                #"{"CustomerRef":{"value":"\#(customer)"},"DepositToAccountRef":{"value":"1"},"Line":\#(line)}"#)
            #expect(refund["TotalAmt"].double == 25)
            #expect(refund["DepositToAccountRef"]["name"].string == "Checking")
        }
    }

    @Test("a processing fee is recorded as a Purchase against an expense account")
    func purchase() async throws {
        try await SandboxHarness.run { sandbox in
            let company = try await sandbox.connectCompany()
            let fees = try await sandbox.query(company, "select * from Account where Name = 'Bank Charges & Fees'")
            let feeAccount = try #require(fees.json["QueryResponse"]["Account"][0]["Id"].string)
            let purchase = try await sandbox.create(
                company, "Purchase",
                #"{"PaymentType":"Cash","AccountRef":{"value":"1"},"Line":[{"DetailType":"AccountBasedExpenseLineDetail","Amount":3.20,"AccountBasedExpenseLineDetail":{"AccountRef":{"value":"\#(feeAccount)"}}}]}"#
            )
            #expect(purchase["TotalAmt"].double == 3.2)
            #expect(
                purchase["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["name"].string
                    == "Bank Charges & Fees")
            let missingType = try await sandbox.api(
                company, .POST, "purchase",
                body:
                    #"{"AccountRef":{"value":"1"},"Line":[{"DetailType":"AccountBasedExpenseLineDetail","Amount":1,"AccountBasedExpenseLineDetail":{"AccountRef":{"value":"\#(feeAccount)"}}}]}"#
            )
            #expect(missingType.faultCode == "2020")
        }
    }
}

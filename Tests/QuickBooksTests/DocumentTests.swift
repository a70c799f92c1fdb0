import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("Credit memos, refund receipts and purchases")
struct DocumentTests {
    @Test("a credit memo for promotional credit carries its total as remaining credit")
    func creditMemo() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Promo Client")
            let item = try await company.newServiceItem("Promotional Credit")
            let memo = try await company.client.createCreditMemo(
                CreditMemo(
                    customerRef: ReferenceType(value: try #require(customer.id)), docNumber: "CM-é'1", txnDate: date("2025-04-01"),
                    lines: [
                        .salesItem(try #require(item.reference), quantity: amount("1"), unitPrice: amount("50.00"), amount: amount("50.00"))
                    ]),
                requestID: SandboxCompany.requestID(), access: company.access)
            #expect(memo.id != nil)
            #expect(memo.docNumber == "CM-é'1")
            #expect(memo.totalAmt == amount("50.00"))
            #expect(memo.remainingCredit == amount("50.00"))
            let records = try await company.inspector.records(realmId: company.realmID, entity: .creditMemo)
            #expect(records.map(\.id) == [memo.id])
        }
    }

    @Test("a refund receipt is paid from the account it names")
    func refundReceipt() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Refunded Client")
            let item = try await company.newServiceItem("Bookkeeping")
            let checking = try #require(try await company.client.accounts(named: "Checking", access: company.access).first?.reference)
            let refund = try await company.client.createRefundReceipt(
                RefundReceipt(
                    customerRef: ReferenceType(value: try #require(customer.id)), txnDate: date("2025-04-02"),
                    lines: [
                        .salesItem(try #require(item.reference), quantity: amount("1"), unitPrice: amount("19.99"), amount: amount("19.99"))
                    ],
                    depositToAccountRef: checking, paymentRefNum: "re_1"),
                requestID: SandboxCompany.requestID(), access: company.access)
            #expect(refund.totalAmt == amount("19.99"))
            #expect(refund.depositToAccountRef?.value == checking.value)
            #expect(refund.paymentRefNum == "re_1")
        }
    }

    @Test("a refund receipt without the account it is paid from is refused (2020)")
    func refundReceiptNeedsAccount() async throws {
        try await SandboxCompany.run { company in
            let itemRef = try #require(try await company.newServiceItem("Bookkeeping").reference)
            let error = await quickBooksFailure {
                try await company.client.createRefundReceipt(
                    RefundReceipt(lines: [.salesItem(itemRef, quantity: amount("1"), unitPrice: amount("5.00"), amount: amount("5.00"))]),
                    requestID: SandboxCompany.requestID(), access: company.access)
            }
            #expect(error?.code == "2020")
            #expect(error?.problem.kind == .validation)
        }
    }

    @Test("a processing fee is written as a cash purchase booked to the fee account")
    func purchase() async throws {
        try await SandboxCompany.run { company in
            let checking = try #require(try await company.client.accounts(named: "Checking", access: company.access).first?.reference)
            let fees = try #require(try await company.client.accounts(subType: "BankCharges", access: company.access).first?.reference)
            let purchase = try await company.client.createPurchase(
                Purchase(
                    paymentType: .cash, accountRef: checking, txnDate: date("2025-04-03"),
                    lines: [.expense(fees, amount: amount("13.35"), description: "Card processing fee, payment pay_1")],
                    privateNote: "qbsync fee"),
                requestID: SandboxCompany.requestID(), access: company.access)
            #expect(purchase.id != nil)
            #expect(purchase.paymentType == .cash)
            #expect(purchase.totalAmt == amount("13.35"))
            #expect(purchase.accountRef?.value == checking.value)
            #expect(purchase.lines?.first?.accountBasedExpenseLineDetail?.accountRef.value == fees.value)
            #expect(purchase.lines?.first?.description == "Card processing fee, payment pay_1")
        }
    }

    @Test("a purchase can be deleted through the generic delete")
    func deletePurchase() async throws {
        try await SandboxCompany.run { company in
            let checking = try #require(try await company.client.accounts(named: "Checking", access: company.access).first?.reference)
            let fees = try #require(try await company.client.accounts(subType: "BankCharges", access: company.access).first?.reference)
            let purchase = try await company.client.createPurchase(
                Purchase(paymentType: .check, accountRef: checking, lines: [.expense(fees, amount: amount("1.00"))]),
                requestID: SandboxCompany.requestID(), access: company.access)
            let deleted = try await company.client.delete(
                Purchase.self, id: try #require(purchase.id), syncToken: try #require(purchase.syncToken),
                requestID: SandboxCompany.requestID(), access: company.access)
            #expect(deleted.id == purchase.id)
            let records = try await company.inspector.records(realmId: company.realmID, entity: .purchase)
            #expect(records.first?.status == .deleted)
        }
    }
}

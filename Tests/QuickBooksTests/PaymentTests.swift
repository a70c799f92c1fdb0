import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("Payments: applied to invoices, deposited to Undeposited Funds, deleted")
struct PaymentTests {
    @Test("a payment applied to an invoice pays it and lands in Undeposited Funds")
    func createPayment() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Prompt Payer")
            let item = try await company.newServiceItem("Bookkeeping")
            let invoice = try await company.newInvoice(for: customer, item: item, unitPrice: "450.00", total: "450.00")
            let undeposited = try #require(
                try await company.client.accounts(subType: "UndepositedFunds", access: company.access).first?.reference)
            let payment = try await company.client.createPayment(
                Payment(
                    customerRef: ReferenceType(value: try #require(customer.id)), totalAmt: amount("450.00"),
                    txnDate: date("2025-03-05"), paymentRefNum: "chq #1001 «Ü»", depositToAccountRef: undeposited,
                    lines: [.invoice(try #require(invoice.id), amount: amount("450.00"))]),
                requestID: SandboxCompany.requestID(), access: company.access)
            #expect(payment.id != nil)
            #expect(payment.totalAmt == amount("450.00"))
            #expect(payment.unappliedAmt == .zero)
            #expect(payment.paymentRefNum == "chq #1001 «Ü»")
            #expect(payment.txnDate == date("2025-03-05"))
            #expect(payment.depositToAccountRef?.value == undeposited.value)
            #expect(payment.lines?.first?.linkedTxn == [.invoice(try #require(invoice.id))])

            let paid = try await company.client.invoice(id: try #require(invoice.id), access: company.access)
            #expect(paid.balance == .zero)
            #expect(paid.syncToken != invoice.syncToken)
            #expect(paid.linkedTxn?.contains(LinkedTransaction(txnId: try #require(payment.id), txnType: "Payment")) == true)
            let reread = try await company.client.payment(id: try #require(payment.id), access: company.access)
            #expect(reread == payment)
        }
    }

    @Test("without DepositToAccountRef a payment goes to Undeposited Funds")
    func defaultDeposit() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Default Deposit")
            let payment = try await company.client.createPayment(
                Payment(customerRef: ReferenceType(value: try #require(customer.id)), totalAmt: amount("25.00")),
                requestID: SandboxCompany.requestID(), access: company.access)
            #expect(payment.depositToAccountRef?.name == "Undeposited Funds")
            #expect(payment.unappliedAmt == amount("25.00"))
        }
    }

    @Test("deleting a payment opens the invoice again")
    func deletePayment() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Bounced Cheque")
            let item = try await company.newServiceItem("Bookkeeping")
            let invoice = try await company.newInvoice(for: customer, item: item, unitPrice: "80.00", total: "80.00")
            let payment = try await company.client.createPayment(
                Payment(
                    customerRef: ReferenceType(value: try #require(customer.id)), totalAmt: amount("80.00"),
                    lines: [.invoice(try #require(invoice.id), amount: amount("80.00"))]),
                requestID: SandboxCompany.requestID(), access: company.access)
            let deleted = try await company.client.deletePayment(
                id: try #require(payment.id), syncToken: try #require(payment.syncToken), requestID: SandboxCompany.requestID(),
                access: company.access)
            #expect(deleted.id == payment.id)
            let reopened = try await company.client.invoice(id: try #require(invoice.id), access: company.access)
            #expect(reopened.balance == amount("80.00"))
            let records = try await company.inspector.records(realmId: company.realmID, entity: .payment)
            #expect(records.first { $0.id == payment.id }?.status == .deleted)
        }
    }

    @Test("an invoice with a payment applied cannot be deleted (6000)")
    func invoiceWithPaymentNotDeleted() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Paid Up")
            let item = try await company.newServiceItem("Bookkeeping")
            let invoice = try await company.newInvoice(for: customer, item: item, unitPrice: "80.00", total: "80.00")
            _ = try await company.client.createPayment(
                Payment(
                    customerRef: ReferenceType(value: try #require(customer.id)), totalAmt: amount("80.00"),
                    lines: [.invoice(try #require(invoice.id), amount: amount("80.00"))]),
                requestID: SandboxCompany.requestID(), access: company.access)
            let current = try await company.client.invoice(id: try #require(invoice.id), access: company.access)
            let error = await quickBooksFailure {
                try await company.client.deleteInvoice(
                    id: try #require(current.id), syncToken: try #require(current.syncToken), requestID: SandboxCompany.requestID(),
                    access: company.access)
            }
            #expect(error?.code == "6000")
            #expect(error?.problem.kind == .validation)
        }
    }
}

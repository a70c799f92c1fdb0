import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("Invoices: create, sparse update, void, delete")
struct InvoiceTests {
    @Test("an invoice with a quoted, non-ASCII DocNumber is created with its fields and found by number")
    func createAndFind() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Jane O'Neil")
            let item = try await company.newServiceItem("Bookkeeping")
            let docNumber = #"Ré-2025/'7' "Ü""#
            #expect(docNumber.count <= 21)
            let invoice = Invoice(
                customerRef: ReferenceType(value: try #require(customer.id)), docNumber: docNumber,
                txnDate: date("2025-03-01"), dueDate: date("2025-03-31"), currencyRef: ReferenceType(value: "USD"),
                lines: [
                    .salesItem(
                        try #require(item.reference), quantity: amount("2"), unitPrice: amount("225.00"), amount: amount("450.00"),
                        description: "March — bookkeeping")
                ],
                privateNote: "qbsync invoice inv_123")
            let created = try await company.client.createInvoice(invoice, requestID: SandboxCompany.requestID(), access: company.access)
            #expect(created.id != nil)
            #expect(created.syncToken == "0")
            #expect(created.docNumber == docNumber)
            #expect(created.customerRef?.value == customer.id)
            #expect(created.txnDate == date("2025-03-01"))
            #expect(created.dueDate == date("2025-03-31"))
            #expect(created.currencyRef?.value == "USD")
            #expect(created.totalAmt == amount("450.00"))
            #expect(created.balance == amount("450.00"))
            let line = try #require(created.lines?.first { $0.isSalesItem })
            #expect(line.description == "March — bookkeeping")
            #expect(line.salesItemLineDetail?.itemRef.value == item.id)
            #expect(line.salesItemLineDetail?.qty == amount("2"))
            #expect(created.metaData?.createTime != nil)

            let found = try await company.client.invoices(docNumber: docNumber, access: company.access)
            #expect(found.map(\.id) == [created.id])
            #expect(try await company.client.invoices(docNumber: "Ré-2025", access: company.access).isEmpty)
        }
    }

    @Test("createInvoice twice with the same requestid writes one invoice")
    func idempotentCreate() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Repeat Customer")
            let item = try await company.newServiceItem("Audit")
            let invoice = Invoice(
                customerRef: ReferenceType(value: try #require(customer.id)),
                lines: [
                    .salesItem(try #require(item.reference), quantity: amount("1"), unitPrice: amount("99.95"), amount: amount("99.95"))
                ])
            let requestID = SandboxCompany.requestID()
            let first = try await company.client.createInvoice(invoice, requestID: requestID, access: company.access)
            let second = try await company.client.createInvoice(invoice, requestID: requestID, access: company.access)
            #expect(first.id == second.id)
            #expect(first.docNumber == second.docNumber)
            #expect(try await company.inspector.records(realmId: company.realmID, entity: .invoice).count == 1)
        }
    }

    @Test("a duplicate DocNumber is refused as a validation problem of the account (6210 or 6140)")
    func duplicateDocNumber() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Numbered Ltd")
            let item = try await company.newServiceItem("Advice")
            _ = try await company.newInvoice(for: customer, item: item, docNumber: "INV-Ω'1", unitPrice: "10.00", total: "10.00")
            let error = await quickBooksFailure {
                try await company.newInvoice(for: customer, item: item, docNumber: "INV-Ω'1", unitPrice: "20.00", total: "20.00")
            }
            #expect(error?.isDuplicateDocumentNumber == true)
            #expect(error?.code == "6210")
            #expect(error?.problem.kind == .validation)
            #expect(error?.problem.disposition == .account)
            #expect(try await company.inspector.records(realmId: company.realmID, entity: .invoice).count == 1)
        }
    }

    @Test("the duplicate-number check accepts the code real QuickBooks is reported to send")
    func duplicateDocNumberCodes() {
        for code in ["6210", "6140"] {
            let error = QuickBooksError(
                httpStatus: 400, faultType: "ValidationFault",
                errors: [Fault.Error(message: "Duplicate Document Number Error", code: code, element: "DocNumber")],
                operation: "create Invoice")
            #expect(error.isDuplicateDocumentNumber)
            #expect(error.problem.kind == .validation)
        }
        let other = QuickBooksError(
            httpStatus: 400, faultType: "ValidationFault", errors: [Fault.Error(message: "x", code: "6240")], operation: "create Invoice")
        #expect(!other.isDuplicateDocumentNumber)
    }

    @Test("a sparse update replaces the lines, keeps the rest and moves the SyncToken")
    func sparseUpdate() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Changing Needs")
            let item = try await company.newServiceItem("Consulting")
            let created = try await company.newInvoice(for: customer, item: item, docNumber: "CH-1", unitPrice: "100.00", total: "100.00")
            let change = Invoice(
                id: created.id, syncToken: created.syncToken,
                lines: [
                    .salesItem(try #require(item.reference), quantity: amount("3"), unitPrice: amount("150.00"), amount: amount("450.00"))
                ])
            let updated = try await company.client.updateInvoice(change, requestID: SandboxCompany.requestID(), access: company.access)
            #expect(updated.id == created.id)
            #expect(updated.syncToken == "1")
            #expect(updated.totalAmt == amount("450.00"))
            #expect(updated.docNumber == "CH-1")
            #expect(updated.customerRef?.value == customer.id)
            #expect(updated.txnDate == created.txnDate)
            #expect(updated.lines?.filter(\.isSalesItem).count == 1)
        }
    }

    @Test("voiding an invoice keeps it with zero amounts")
    func void() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Voided Work")
            let item = try await company.newServiceItem("Review")
            let created = try await company.newInvoice(for: customer, item: item, unitPrice: "75.00", total: "75.00")
            let voided = try await company.client.voidInvoice(
                id: try #require(created.id), syncToken: try #require(created.syncToken), requestID: SandboxCompany.requestID(),
                access: company.access)
            #expect(voided.id == created.id)
            #expect(voided.totalAmt == .zero)
            #expect(voided.balance == .zero)
            let records = try await company.inspector.records(realmId: company.realmID, entity: .invoice)
            #expect(records.first { $0.id == created.id }?.status == .voided)
        }
    }

    @Test("deleting an invoice removes it; reading it then is 610")
    func delete() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Deleted Work")
            let item = try await company.newServiceItem("Review")
            let created = try await company.newInvoice(for: customer, item: item, unitPrice: "75.00", total: "75.00")
            let deleted = try await company.client.deleteInvoice(
                id: try #require(created.id), syncToken: try #require(created.syncToken), requestID: SandboxCompany.requestID(),
                access: company.access)
            #expect(deleted.id == created.id)
            #expect(deleted.status == "Deleted")
            let records = try await company.inspector.records(realmId: company.realmID, entity: .invoice)
            #expect(records.first { $0.id == created.id }?.status == .deleted)
            let error = await quickBooksFailure { try await company.client.invoice(id: try #require(created.id), access: company.access) }
            #expect(error?.isObjectNotFound == true)
        }
    }
}

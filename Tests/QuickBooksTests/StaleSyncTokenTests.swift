import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("Stale SyncToken (5010): re-read and retry once")
struct StaleSyncTokenTests {
    /// An invoice of 100.00 and a payment of 40.00 applied to it: QuickBooks moved the invoice's
    /// SyncToken on, so the copy returned by the create is stale.
    private func invoiceBumpedByPayment(_ company: SandboxCompany) async throws -> (stale: Invoice, item: Item) {
        let customer = try await company.newCustomer("Stale Token Co")
        let item = try await company.newServiceItem("Monthly Retainer")
        let invoice = try await company.newInvoice(for: customer, item: item, unitPrice: "100.00", total: "100.00")
        _ = try await company.client.createPayment(
            Payment(
                customerRef: ReferenceType(value: try #require(customer.id)), totalAmt: amount("40.00"),
                lines: [.invoice(try #require(invoice.id), amount: amount("40.00"))]),
            requestID: SandboxCompany.requestID(), access: company.access)
        return (invoice, item)
    }

    @Test("an update with the SyncToken from before a payment was applied is 5010")
    func staleUpdate() async throws {
        try await SandboxCompany.run { company in
            let (stale, _) = try await invoiceBumpedByPayment(company)
            let error = await quickBooksFailure {
                try await company.client.updateInvoice(
                    Invoice(id: stale.id, syncToken: stale.syncToken, privateNote: "changed"), requestID: SandboxCompany.requestID(),
                    access: company.access)
            }
            #expect(error?.isStaleObject == true)
            #expect(error?.code == "5010")
            #expect(error?.problem.kind == .validation)
        }
    }

    @Test("retryingStaleSyncToken re-reads the invoice and succeeds on the second attempt")
    func retryAfterStale() async throws {
        try await SandboxCompany.run { company in
            let (stale, item) = try await invoiceBumpedByPayment(company)
            let client = company.client
            let access = company.access
            let requestID = SandboxCompany.requestID()
            var attempts: [(syncToken: String?, requestID: String)] = []
            let updated = try await client.retryingStaleSyncToken(stale, requestID: requestID, access: access) {
                current, requestID throws(QuickBooksError) in
                attempts.append((current.syncToken, requestID))
                let change = Invoice(
                    id: current.id, syncToken: current.syncToken,
                    lines: [
                        .salesItem(
                            item.reference ?? ReferenceType(value: ""), quantity: amount("1"), unitPrice: amount("120.00"),
                            amount: amount("120.00"))
                    ])
                return try await client.updateInvoice(change, requestID: requestID, access: access)
            }
            #expect(attempts.count == 2)
            #expect(attempts.first?.syncToken == "0")
            #expect(attempts.last?.syncToken == "1")
            #expect(attempts.first?.requestID == requestID)
            #expect(attempts.last?.requestID != requestID)
            #expect(updated.syncToken == "2")
            #expect(updated.totalAmt == amount("120.00"))
            // The 40.00 already paid stays applied.
            #expect(updated.balance == amount("80.00"))
        }
    }

    @Test("a void with a stale SyncToken goes through after one re-read")
    func voidAfterStale() async throws {
        try await SandboxCompany.run { company in
            let (stale, _) = try await invoiceBumpedByPayment(company)
            let client = company.client
            let access = company.access
            let voided = try await client.retryingStaleSyncToken(stale, requestID: SandboxCompany.requestID(), access: access) {
                current, requestID throws(QuickBooksError) in
                try await client.voidInvoice(id: current.id ?? "", syncToken: current.syncToken ?? "", requestID: requestID, access: access)
            }
            #expect(voided.totalAmt == .zero)
        }
    }

    @Test("it retries only once: a second 5010 is thrown")
    func retriesOnce() async throws {
        try await SandboxCompany.run { company in
            let (stale, _) = try await invoiceBumpedByPayment(company)
            let client = company.client
            let access = company.access
            var attempts = 0
            let error = await quickBooksFailure {
                try await client.retryingStaleSyncToken(stale, requestID: SandboxCompany.requestID(), access: access) {
                    _, requestID throws(QuickBooksError) in
                    attempts += 1
                    // Always the stale copy: QuickBooks keeps saying 5010.
                    return try await client.updateInvoice(
                        Invoice(id: stale.id, syncToken: stale.syncToken, privateNote: "x"), requestID: requestID, access: access)
                }
            }
            #expect(error?.isStaleObject == true)
            #expect(attempts == 2)
        }
    }

    @Test("other failures are not retried")
    func otherFailuresNotRetried() async throws {
        try await SandboxCompany.run { company in
            let client = company.client
            let access = company.access
            var attempts = 0
            let error = await quickBooksFailure {
                try await client.retryingStaleSyncToken(
                    Invoice(id: "4242", syncToken: "0"), requestID: SandboxCompany.requestID(), access: access
                ) { current, requestID throws(QuickBooksError) in
                    attempts += 1
                    return try await client.voidInvoice(
                        id: current.id ?? "", syncToken: current.syncToken ?? "", requestID: requestID, access: access)
                }
            }
            #expect(error?.isObjectNotFound == true)
            #expect(attempts == 1)
        }
    }
}

import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("Customers: matching by name, idempotent create, reactivation")
struct CustomerTests {
    @Test("customers(named:) finds a name with an apostrophe and not its neighbours")
    func apostrophe() async throws {
        try await SandboxCompany.run { company in
            let jane = try await company.newCustomer("Jane O'Neil")
            _ = try await company.newCustomer("Jane O")
            let found = try await company.client.customers(named: "Jane O'Neil", access: company.access)
            #expect(found.map(\.id) == [jane.id])
            #expect(found.first?.displayName == "Jane O'Neil")
        }
    }

    @Test("customers(named:) escapes a backslash, also next to an apostrophe")
    func backslash() async throws {
        try await SandboxCompany.run { company in
            let name = #"Smith \ Sons \' Co"#
            let created = try await company.newCustomer(name)
            let found = try await company.client.customers(named: name, access: company.access)
            #expect(found.map(\.id) == [created.id])
            #expect(found.first?.displayName == name)
        }
    }

    @Test("an inactive customer is found by name, and reactivate makes it active")
    func inactiveCustomer() async throws {
        try await SandboxCompany.run { company in
            let created = try await company.newCustomer("Dormant Client Ltd")
            let deactivated = try await company.client.update(
                "Customer", Customer(id: created.id, syncToken: created.syncToken, displayName: created.displayName, active: false),
                sparse: true, requestID: SandboxCompany.requestID(), access: company.access)
            #expect(!deactivated.isActive)

            let found = try await company.client.customers(named: "Dormant Client Ltd", access: company.access)
            #expect(found.count == 1)
            #expect(found.first?.isActive == false)

            let reactivated = try await company.client.reactivate(
                try #require(found.first), requestID: SandboxCompany.requestID(), access: company.access)
            #expect(reactivated.isActive)
            let reread = try await company.client.customer(id: try #require(created.id), access: company.access)
            #expect(reread.isActive)
            let records = try await company.inspector.records(realmId: company.realmID, entity: .customer)
            #expect(records.first { $0.id == created.id }?.status == .active)
        }
    }

    @Test("createCustomer twice with the same requestid creates one customer and returns the same Id")
    func idempotentCreate() async throws {
        try await SandboxCompany.run { company in
            let requestID = SandboxCompany.requestID()
            let first = try await company.client.createCustomer(displayName: "Once Only LLC", requestID: requestID, access: company.access)
            let second = try await company.client.createCustomer(displayName: "Once Only LLC", requestID: requestID, access: company.access)
            #expect(first.id != nil)
            #expect(first.id == second.id)
            let records = try await company.inspector.records(realmId: company.realmID, entity: .customer)
            #expect(records.filter { $0.label == "Once Only LLC" }.count == 1)
            #expect(try company.inspector.counters(realmId: company.realmID).idempotentReplays == 1)
        }
    }

    @Test("a duplicate DisplayName with a new requestid is 6240, a validation problem of the account")
    func duplicateName() async throws {
        try await SandboxCompany.run { company in
            _ = try await company.newCustomer("Jane O'Neil")
            let error = await quickBooksFailure { try await company.newCustomer("Jane O'Neil") }
            #expect(error?.code == "6240")
            #expect(error?.isDuplicateName == true)
            #expect(error?.problem.kind == .validation)
            #expect(error?.problem.disposition == .account)
        }
    }

    @Test("reading a customer that does not exist is 610")
    func missingCustomer() async throws {
        try await SandboxCompany.run { company in
            let error = await quickBooksFailure { try await company.client.customer(id: "987654", access: company.access) }
            #expect(error?.code == "610")
            #expect(error?.isObjectNotFound == true)
            #expect(error?.problem.kind == .validation)
        }
    }
}

import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("Service items: find by name, create, reactivate")
struct ItemTests {
    @Test("an item named with quotes and non-ASCII letters is created and found by its exact name")
    func quotedNonASCIIName() async throws {
        try await SandboxCompany.run { company in
            let name = #"Conseil « fiscal » d'Zoë "VIP" \ Ørsted"#
            let created = try await company.newServiceItem(name)
            #expect(created.name == name)
            #expect(created.type == "Service")
            #expect(created.isActive)
            let found = try await company.client.items(named: name, access: company.access)
            #expect(found.map(\.id) == [created.id])
            #expect(found.first?.incomeAccountRef?.value == (try await company.servicesIncomeAccount()).value)
            #expect(try await company.client.items(named: "Conseil", access: company.access).isEmpty)
        }
    }

    @Test("a second item with the same name is 6240")
    func duplicateItemName() async throws {
        try await SandboxCompany.run { company in
            _ = try await company.newServiceItem("Payroll")
            let error = await quickBooksFailure { try await company.newServiceItem("Payroll") }
            #expect(error?.isDuplicateName == true)
            #expect(error?.problem.kind == .validation)
        }
    }

    @Test("items(named:) finds an inactive item")
    func inactiveItemFound() async throws {
        try await SandboxCompany.run { company in
            let created = try await company.newServiceItem("Old Service")
            _ = try await company.client.update(
                Item.entityName, Item(id: created.id, syncToken: created.syncToken, name: created.name, active: false),
                sparse: true, requestID: SandboxCompany.requestID(), access: company.access)
            let found = try await company.client.items(named: "Old Service", access: company.access)
            #expect(found.count == 1)
            #expect(found.first?.isActive == false)
        }
    }

    @Test("serviceItem(named:) creates a missing item once, then finds it")
    func findOrCreate() async throws {
        try await SandboxCompany.run { company in
            let income = try await company.servicesIncomeAccount()
            let requestID = SandboxCompany.requestID()
            let first = try await company.client.serviceItem(
                named: "Tax Return 2024", incomeAccount: income, requestID: requestID, access: company.access)
            let second = try await company.client.serviceItem(
                named: "Tax Return 2024", incomeAccount: income, requestID: SandboxCompany.requestID(), access: company.access)
            #expect(first.id != nil)
            #expect(first.id == second.id)
            let records = try await company.inspector.records(realmId: company.realmID, entity: .item)
            #expect(records.filter { $0.label == "Tax Return 2024" }.count == 1)
        }
    }

    @Test("serviceItem(named:) reactivates an inactive item instead of failing on its name")
    func findOrCreateReactivates() async throws {
        try await SandboxCompany.run { company in
            let income = try await company.servicesIncomeAccount()
            let created = try await company.newServiceItem("Seasonal Review")
            _ = try await company.client.update(
                Item.entityName, Item(id: created.id, syncToken: created.syncToken, name: created.name, active: false),
                sparse: true, requestID: SandboxCompany.requestID(), access: company.access)
            let item = try await company.client.serviceItem(
                named: "Seasonal Review", incomeAccount: income, requestID: SandboxCompany.requestID(), access: company.access)
            #expect(item.id == created.id)
            #expect(item.isActive)
            let records = try await company.inspector.records(realmId: company.realmID, entity: .item)
            #expect(records.first { $0.id == created.id }?.status == .active)
        }
    }

    @Test("an invoice line on an inactive item is 610")
    func inactiveItemOnLine() async throws {
        try await SandboxCompany.run { company in
            let customer = try await company.newCustomer("Uses Old Items")
            let item = try await company.newServiceItem("Retired Service")
            let inactive = try await company.client.update(
                Item.entityName, Item(id: item.id, syncToken: item.syncToken, name: item.name, active: false),
                sparse: true, requestID: SandboxCompany.requestID(), access: company.access)
            let error = await quickBooksFailure {
                try await company.newInvoice(for: customer, item: inactive, unitPrice: "10.00", total: "10.00")
            }
            #expect(error?.isObjectNotFound == true)
            #expect(error?.problem.kind == .validation)
        }
    }
}

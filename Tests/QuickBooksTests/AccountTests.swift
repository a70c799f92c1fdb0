import QuickBooks
import QuickBooksSandbox
import SyncCore
import Testing

@Suite("Accounts: Undeposited Funds, income and expense accounts")
struct AccountTests {
    @Test("accounts(subType:) finds Undeposited Funds")
    func undepositedFunds() async throws {
        try await SandboxCompany.run { company in
            let found = try await company.client.accounts(subType: "UndepositedFunds", access: company.access)
            #expect(found.count == 1)
            #expect(found.first?.name == "Undeposited Funds")
            #expect(found.first?.accountType == "Other Current Asset")
        }
    }

    @Test("accounts(named:) finds a name with an ampersand, accounts(type:) lists income accounts")
    func byNameAndType() async throws {
        try await SandboxCompany.run { company in
            let fees = try await company.client.accounts(named: "Bank Charges & Fees", access: company.access)
            #expect(fees.count == 1)
            #expect(fees.first?.accountSubType == "BankCharges")
            #expect(fees.first?.classification == "Expense")
            let income = try await company.client.accounts(type: "Income", access: company.access)
            #expect(income.contains { $0.name == "Services" })
            #expect(income.allSatisfy { $0.accountType == "Income" })
            #expect(try await company.client.accounts(named: "No Such Account", access: company.access).isEmpty)
            let read = try await company.client.account(id: try #require(fees.first?.id), access: company.access)
            #expect(read.name == "Bank Charges & Fees")
        }
    }
}

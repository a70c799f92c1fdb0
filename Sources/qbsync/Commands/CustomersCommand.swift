import ArgumentParser
import CommandLineSupport
import Foundation
import SyncWorker

struct CustomersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customers",
        abstract: "List the firm's QuickBooks customers, as the account's \"Sync Account to QuickBooks\" picker shows them.",
        discussion: "Active customers first; --inactive adds the inactive ones. Each shows the platform accounts already linked to it.")

    @OptionGroup var logging: LoggingOptions
    @Option(help: "The platform's firm id.") var firm: String
    @Option(help: "Part of the customer's name, any case.") var search = ""
    @Flag(help: "Include inactive customers (after the active ones).") var inactive = false
    @Option(help: "Customers per page (1-1000).") var limit = 50
    @Option(help: "The next page, as the previous one printed it.") var cursor: String?
    @Flag(help: "Print the page as JSON.") var json = false

    func run() async throws {
        let logger = logging.bootstrap()
        let configuration = try WorkerConfiguration.fromEnvironment()
        try configuration.validate()
        let request = CustomerPicker.Request(search: search, includeInactive: inactive, limit: limit, cursor: cursor)
        let page: CustomerPicker.Page
        do {
            page = try await CustomerPicker.withStandalone(configuration: configuration, logger: logger) { picker in
                try await picker.page(firmID: firm, request)
            }
        } catch let failure as CustomerPicker.Failure {
            throw ValidationError(failure.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(page), as: UTF8.self))
            return
        }
        print("ID\tNAME\tACTIVE\tLINKED ACCOUNTS")
        for customer in page.customers {
            print(
                "\(customer.qboID)\t\(customer.displayName)\t\(customer.active ? "yes" : "no")\t\(customer.linkedAccounts.joined(separator: ", "))"
            )
        }
        print("\(page.customers.count) customer(s)" + (page.nextCursor.map { "; next page: --cursor \($0)" } ?? ""))
    }
}

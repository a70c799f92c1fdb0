import QuickBooks
import SyncCore

/// Links an account to a QuickBooks customer in one of the three forms of "Sync Account to QuickBooks".
struct CustomerLinker: Sendable {
    let gateway: QuickBooksGateway
    /// Each firm's "Individual" customer type (nil when the company has none), looked up once.
    private let individualTypes = SingleFlight<String, ReferenceTypeBox>()

    init(gateway: QuickBooksGateway) {
        self.gateway = gateway
    }

    /// An optional reference as a value SingleFlight can remember ("none" is worth remembering too).
    struct ReferenceTypeBox: Sendable {
        var reference: ReferenceType?
    }

    /// What to link; `requestSeed` is the id of the event that asked, so a retry of the same
    /// request reuses the same QuickBooks requestids and cannot create a second customer.
    struct Job: Sendable, Hashable {
        var firmID: String
        var accountID: String
        var accountName: String
        var mode: LinkMode
        var requestSeed: String
    }

    /// Returns the linked customer's id. Throws ``QuickBooksProblem``.
    func link(_ job: Job) async throws -> String {
        switch job.mode {
        case .existing(let id):
            let customer = try await gateway.perform(firmID: job.firmID, "read customer") { client, access throws(QuickBooksError) in
                try await client.customer(id: id, access: access)
            }
            return try await activated(customer, job)
        case .create:
            return try await create(job)
        case .auto:
            let name = job.accountName
            let matches = try await gateway.perform(firmID: job.firmID, "query customer") { client, access throws(QuickBooksError) in
                try await client.customers(named: name, access: access)
            }
            // An exact DisplayName match wins, active first; an inactive one is brought back.
            if let match = matches.first(where: \.isActive) ?? matches.first {
                return try await activated(match, job)
            }
            return try await create(job)
        }
    }

    private func create(_ job: Job) async throws -> String {
        let requestID = RequestID.derive(
            firm: job.firmID, entity: "customer", id: job.accountID, operation: "create", revision: job.requestSeed)
        let name = job.accountName
        // The help article: a new customer gets the type "Individual" when the company has one.
        let individual = try await individualTypes.value(for: job.firmID) {
            ReferenceTypeBox(
                reference: try await gateway.perform(firmID: job.firmID, "find customer type") { client, access throws(QuickBooksError) in
                    try await client.customerType(named: "Individual", access: access)
                })
        }.reference
        let customer = try await gateway.perform(firmID: job.firmID, "create customer") { client, access throws(QuickBooksError) in
            try await client.createCustomer(displayName: name, customerType: individual, requestID: requestID, access: access)
        }
        guard let id = customer.id else {
            throw QuickBooksProblem(kind: .unavailable, code: "no_id", message: "QuickBooks created a customer without returning its Id")
        }
        return id
    }

    private func activated(_ customer: Customer, _ job: Job) async throws -> String {
        guard let id = customer.id else {
            throw QuickBooksProblem(kind: .unavailable, code: "no_id", message: "QuickBooks returned a customer without an Id")
        }
        guard !customer.isActive else { return id }
        let requestID = RequestID.derive(
            firm: job.firmID, entity: "customer", id: job.accountID, operation: "reactivate", revision: job.requestSeed)
        _ = try await gateway.perform(firmID: job.firmID, "reactivate customer") { client, access throws(QuickBooksError) in
            try await client.reactivate(customer, requestID: requestID, access: access)
        }
        return id
    }
}

import Postgres
import QuickBooks
import SyncCore

/// The QuickBooks objects a firm's documents refer to — service items by name, the income,
/// fee and bank accounts — looked up (or created) once per firm and kept in PostgreSQL, so
/// writing an invoice costs one QuickBooks request, not one per line.
///
/// Each is also remembered in memory, and looked up once even when many writes need it at the
/// same moment (single-flight): concurrent first uses of a new item used to race, each looking it
/// up (and some creating it) on its own.
struct QuickBooksReferences: Sendable {
    let database: PostgresClient
    let gateway: QuickBooksGateway
    private let memory = SingleFlight<Key, ReferenceType>()

    init(database: PostgresClient, gateway: QuickBooksGateway) {
        self.database = database
        self.gateway = gateway
    }

    private struct Key: Hashable, Sendable {
        var firmID: String
        var kind: String
        var name: String
    }

    enum AccountRole: String, Sendable {
        /// Where sales of new service items post (firm setting, else the Services income account).
        case income
        /// Where processing fees are booked (firm setting, else Bank Charges).
        case fee
        /// What refunds and fees are paid from: the first bank account.
        case bank
    }

    /// The item names qbsync uses for what is not a service of the firm's catalogue.
    static let promotionalCreditItem = "Promotional credit"
    static let refundItem = "Refund"

    /// The Service item named `name`, found by name (and reactivated) or created.
    func serviceItem(named rawName: String, firm: FirmRecord) async throws -> ReferenceType {
        let name = Self.itemName(rawName)
        return try await memory.value(for: Key(firmID: firm.firmID, kind: "item", name: name)) {
            try await lookUpServiceItem(named: name, firm: firm)
        }
    }

    private func lookUpServiceItem(named name: String, firm: FirmRecord) async throws -> ReferenceType {
        if let id = try await cached(firmID: firm.firmID, kind: "item", name: name) { return ReferenceType(value: id, name: name) }
        let requestID = RequestID.derive(firm: firm.firmID, entity: "item", id: name, operation: "create", revision: "")
        // Found by name first: the income account is only needed (and looked up) to create one.
        let found = try await gateway.perform(firmID: firm.firmID, "find item") { client, access throws(QuickBooksError) in
            try await client.items(named: name, access: access).first
        }
        let item: Item
        if let found {
            item = try await gateway.perform(firmID: firm.firmID, "find item") { client, access throws(QuickBooksError) in
                try await client.activated(found, requestID: requestID, access: access)
            }
        } else {
            let income = try await account(.income, firm: firm)
            item = try await gateway.perform(firmID: firm.firmID, "create item") { client, access throws(QuickBooksError) in
                try await client.createServiceItem(named: name, incomeAccount: income, requestID: requestID, access: access)
            }
        }
        guard let reference = item.reference else {
            throw QuickBooksProblem(kind: .unavailable, code: "no_id", message: "QuickBooks returned an item without an Id")
        }
        try await remember(firmID: firm.firmID, kind: "item", name: name, id: reference.value)
        return reference
    }

    func account(_ role: AccountRole, firm: FirmRecord) async throws -> ReferenceType {
        switch role {
        case .income: if let id = firm.incomeAccountID { return ReferenceType(value: id) }
        case .fee: if let id = firm.feeAccountID { return ReferenceType(value: id) }
        case .bank: break
        }
        return try await memory.value(for: Key(firmID: firm.firmID, kind: "account", name: role.rawValue)) {
            try await lookUpAccount(role, firm: firm)
        }
    }

    private func lookUpAccount(_ role: AccountRole, firm: FirmRecord) async throws -> ReferenceType {
        if let id = try await cached(firmID: firm.firmID, kind: "account", name: role.rawValue) { return ReferenceType(value: id) }
        // The preferred detail type first, then any account of the type.
        let (subType, type): (String?, String) = switch role {
        case .income: ("ServiceFeeIncome", "Income")
        case .fee: ("BankCharges", "Expense")
        case .bank: (nil, "Bank")
        }
        let found = try await gateway.perform(firmID: firm.firmID, "find account") { client, access throws(QuickBooksError) -> Account? in
            if let subType, let account = try await client.accounts(subType: subType, access: access).first { return account }
            return try await client.accounts(type: type, access: access).first
        }
        guard let reference = found?.reference else {
            throw QuickBooksProblem(
                kind: .validation, code: "no_account", message: "the QuickBooks company has no active \(type) account",
                detail: "QuickBooks has no active \(type) account to use. Add one in QuickBooks, or choose one in the firm's QuickBooks settings")
        }
        try await remember(firmID: firm.firmID, kind: "account", name: role.rawValue, id: reference.value)
        return reference
    }

    /// Forgets what was looked up for the firm (QuickBooks said something it refers to is gone).
    func forget(firmID: String) async throws {
        await memory.forget { $0.firmID == firmID }
        try await database.withConnection { connection in
            _ = try await connection.execute("delete from qbo_references where firm_id = $1", [.text(firmID)])
        }
    }

    /// QuickBooks item names: at most 100 characters, no colon (it separates sub-items).
    static func itemName(_ name: String) -> String {
        let cleaned = name.replacingOccurrences(of: ":", with: " -").replacingOccurrences(of: "\t", with: " ")
            .replacingOccurrences(of: "\n", with: " ")
        let trimmed = String(cleaned.trimmingWhitespace)
        return String((trimmed.isEmpty ? "Service" : trimmed).prefix(100))
    }

    private func cached(firmID: String, kind: String, name: String) async throws -> String? {
        try await database.withConnection { connection in
            try await connection.query("select qbo_id from qbo_references where firm_id = $1 and kind = $2 and name = $3",
                                       [.text(firmID), .text(kind), .text(name)]).first?.decode(String.self, "qbo_id")
        }
    }

    private func remember(firmID: String, kind: String, name: String, id: String) async throws {
        try await database.withConnection { connection in
            _ = try await connection.execute("""
                insert into qbo_references (firm_id, kind, name, qbo_id) values ($1, $2, $3, $4)
                on conflict (firm_id, kind, name) do update set qbo_id = excluded.qbo_id
                """, [.text(firmID), .text(kind), .text(name), .text(id)])
        }
    }
}

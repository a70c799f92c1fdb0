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
    /// Items looked up together (an invoice's lines), by the names asked.
    private let itemSets = SingleFlight<Key, [String: ReferenceType]>()

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
        guard let reference = try await serviceItems(named: [rawName], firm: firm)[name] else {
            throw QuickBooksProblem(kind: .unavailable, code: "no_id", message: "QuickBooks returned no item named \(name)")
        }
        return reference
    }

    /// The Service items an invoice's lines name, by their QuickBooks name (``itemName(_:)``):
    /// those not known yet are looked up together, in one request (with the income account
    /// when it is not known either), and the missing ones created together in one more. Callers
    /// asking for the same names while that runs wait for it.
    func serviceItems(named rawNames: [String], firm: FirmRecord) async throws -> [String: ReferenceType] {
        let names = Array(Set(rawNames.map(Self.itemName))).sorted()
        var found: [String: ReferenceType] = [:]
        for name in names {
            if let known = await memory.cached(Key(firmID: firm.firmID, kind: "item", name: name)) { found[name] = known }
        }
        let missing = names.filter { found[$0] == nil }
        guard !missing.isEmpty else { return found }
        for (name, id) in try await cached(firmID: firm.firmID, kind: "item", names: missing) {
            found[name] = ReferenceType(value: id, name: name)
            await memory.remember(ReferenceType(value: id, name: name), for: Key(firmID: firm.firmID, kind: "item", name: name))
        }
        let unknown = missing.filter { found[$0] == nil }
        guard !unknown.isEmpty else { return found }
        let looked = try await itemSets.value(for: Key(firmID: firm.firmID, kind: "items", name: unknown.joined(separator: "\u{1F}"))) {
            try await lookUpServiceItems(named: unknown, firm: firm)
        }
        for (name, reference) in looked {
            found[name] = reference
            await memory.remember(reference, for: Key(firmID: firm.firmID, kind: "item", name: name))
        }
        return found
    }

    private func lookUpServiceItems(named names: [String], firm: FirmRecord) async throws -> [String: ReferenceType] {
        let requestID = RequestID.derive(
            firm: firm.firmID, entity: "item", id: names.joined(separator: "\u{1F}"), operation: "create", revision: "")
        // The income account is only needed to create an item: asked in the same request when not known.
        var income = try await knownAccount(.income, firm: firm)
        let (items, account) = try await gateway.perform(firmID: firm.firmID, "find items") {
            [income] client, access throws(QuickBooksError) in
            try await client.items(named: names, withIncomeAccount: income == nil, access: access)
        }
        var result: [String: ReferenceType] = [:]
        for name in names {
            guard let item = items.first(where: { $0.name?.lowercased() == name.lowercased() }) else { continue }
            let active = try await gateway.perform(firmID: firm.firmID, "find items") { client, access throws(QuickBooksError) in
                try await client.activated(item, requestID: RequestID.stableUUID([requestID, name]), access: access)
            }
            result[name] = ReferenceType(value: active.id ?? "", name: name)
        }
        let missing = names.filter { result[$0] == nil }
        if !missing.isEmpty {
            if income == nil, let reference = account?.reference {
                try await remember(firmID: firm.firmID, kind: "account", name: AccountRole.income.rawValue, id: reference.value)
                income = reference
            }
            guard let income else { throw Self.noAccount("Income") }
            let created = try await gateway.perform(firmID: firm.firmID, "create items") { client, access throws(QuickBooksError) in
                try await client.createServiceItems(named: missing, incomeAccount: income, requestID: requestID, access: access)
            }
            for item in created {
                guard let id = item.id, let name = item.name else { continue }
                result[missing.first { $0.lowercased() == name.lowercased() } ?? name] = ReferenceType(value: id, name: name)
            }
        }
        for (name, reference) in result {
            guard !reference.value.isEmpty else {
                throw QuickBooksProblem(kind: .unavailable, code: "no_id", message: "QuickBooks returned the item \(name) without an Id")
            }
            try await remember(firmID: firm.firmID, kind: "item", name: name, id: reference.value)
        }
        return result
    }

    /// The account for `role` when the firm's settings or an earlier lookup know it, without asking QuickBooks.
    private func knownAccount(_ role: AccountRole, firm: FirmRecord) async throws -> ReferenceType? {
        if role == .income, let id = firm.incomeAccountID { return ReferenceType(value: id) }
        if let known = await memory.cached(Key(firmID: firm.firmID, kind: "account", name: role.rawValue)) { return known }
        return try await cached(firmID: firm.firmID, kind: "account", name: role.rawValue).map { ReferenceType(value: $0) }
    }

    static func noAccount(_ type: String) -> QuickBooksProblem {
        QuickBooksProblem(
            kind: .validation, code: "no_account", message: "the QuickBooks company has no active \(type) account",
            detail:
                "QuickBooks has no active \(type) account to use. Add one in QuickBooks, or choose one in the firm's QuickBooks settings")
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
        let (subType, type): (String?, String) =
            switch role {
            case .income: ("ServiceFeeIncome", "Income")
            case .fee: ("BankCharges", "Expense")
            case .bank: (nil, "Bank")
            }
        let found = try await gateway.perform(firmID: firm.firmID, "find account") { client, access throws(QuickBooksError) -> Account? in
            if let subType, let account = try await client.accounts(subType: subType, access: access).first { return account }
            return try await client.accounts(type: type, access: access).first
        }
        guard let reference = found?.reference else { throw Self.noAccount(type) }
        try await remember(firmID: firm.firmID, kind: "account", name: role.rawValue, id: reference.value)
        return reference
    }

    /// Forgets what was looked up for the firm (QuickBooks said something it refers to is gone).
    func forget(firmID: String) async throws {
        await memory.forget { $0.firmID == firmID }
        await itemSets.forget { $0.firmID == firmID }
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

    private func cached(firmID: String, kind: String, names: [String]) async throws -> [(name: String, id: String)] {
        try await database.withConnection { connection in
            try await connection.query(
                "select name, qbo_id from qbo_references where firm_id = $1 and kind = $2 and name = any($3)",
                [.text(firmID), .text(kind), .textArray(names)]
            ).map { (try $0.decode(String.self, "name"), try $0.decode(String.self, "qbo_id")) }
        }
    }

    private func cached(firmID: String, kind: String, name: String) async throws -> String? {
        try await database.withConnection { connection in
            try await connection.query(
                "select qbo_id from qbo_references where firm_id = $1 and kind = $2 and name = $3",
                [.text(firmID), .text(kind), .text(name)]
            ).first?.decode(String.self, "qbo_id")
        }
    }

    private func remember(firmID: String, kind: String, name: String, id: String) async throws {
        try await database.withConnection { connection in
            _ = try await connection.execute(
                """
                insert into qbo_references (firm_id, kind, name, qbo_id) values ($1, $2, $3, $4)
                on conflict (firm_id, kind, name) do update set qbo_id = excluded.qbo_id
                """, [.text(firmID), .text(kind), .text(name), .text(id)])
        }
    }
}

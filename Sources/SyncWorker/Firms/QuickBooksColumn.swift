import Foundation
import Postgres
import SyncCore

/// The QuickBooks column of a firm's account list, as `qbsync status` and the admin API show it.
public struct QuickBooksColumn: Sendable, Codable {
    public struct Row: Sendable, Codable, Hashable {
        public var accountID: String
        public var name: String
        public var status: SyncStatus
        public var detail: String?
        public var errorCode: String?
        public var qboCustomerID: String?

        enum CodingKeys: String, CodingKey {
            case accountID = "account_id", name, status, detail, errorCode = "error_code", qboCustomerID = "qbo_customer_id"
        }
    }

    public var firmID: String
    /// The firm's connection: nil when it never connected QuickBooks.
    public var connection: SyncStatus?
    public var connectionDetail: String?
    public var accounts: [Row]

    enum CodingKeys: String, CodingKey {
        case firmID = "firm_id", connection, connectionDetail = "connection_detail", accounts
    }

    public static func load(firmID: String, from database: PostgresClient) async throws -> QuickBooksColumn {
        try await database.withConnection { connection in
            let firm = try await FirmStore.load(firmID: firmID, on: connection)
            let accounts = try await AccountStore.load(firmID: firmID, on: connection)
            return QuickBooksColumn(
                firmID: firmID, connection: firm?.connection.status, connectionDetail: firm?.connection.detail,
                accounts: accounts.map { Row(accountID: $0.accountID, name: $0.state.name, status: $0.state.status,
                                             detail: $0.state.detail, errorCode: $0.state.errorCode, qboCustomerID: $0.state.qboCustomerID) })
        }
    }

    /// A plain-text table as the accounts list shows it.
    public func rendered() -> String {
        let label: [SyncStatus: String] = [.notSynced: "Not synced", .syncing: "Syncing", .synced: "Synced", .skipped: "Skipped", .failed: "Failed"]
        var lines = ["Firm \(firmID) — QuickBooks: \(connection.map { $0 == .synced ? "connected" : "disconnected" } ?? "not connected")"]
        if let connectionDetail { lines.append("  \(connectionDetail)") }
        let nameWidth = min(40, max(7, accounts.map(\.name.count).max() ?? 0))
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
        }
        lines.append("\(pad("ACCOUNT", nameWidth))  \(pad("QUICKBOOKS", 10))  \(pad("QBO ID", 8))  DETAIL")
        for row in accounts {
            lines.append("\(pad(row.name, nameWidth))  \(pad(label[row.status] ?? row.status.rawValue, 10))  \(pad(row.qboCustomerID ?? "-", 8))  \(row.detail ?? "")")
        }
        if accounts.isEmpty { lines.append("(no accounts yet)") }
        return lines.joined(separator: "\n")
    }
}

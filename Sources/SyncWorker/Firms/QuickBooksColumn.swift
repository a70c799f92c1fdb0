import Foundation
import Postgres
import SyncCore

/// The QuickBooks column of a firm's accounts, invoices and payments lists, as `qbsync status`
/// and the admin API show it.
public struct QuickBooksColumn: Sendable, Codable {
    public struct Row: Sendable, Codable, Hashable {
        public var accountID: String
        public var name: String
        public var status: SyncStatus
        public var detail: String?
        public var errorCode: String?
        public var qboCustomerID: String?

        enum CodingKeys: String, CodingKey {
            case accountID = "account_id"
            case name, status, detail
            case errorCode = "error_code"
            case qboCustomerID = "qbo_customer_id"
        }
    }

    /// An invoice or payment row.
    public struct DocumentRow: Sendable, Codable, Hashable {
        public var documentID: String
        public var accountID: String
        /// The invoice number; a payment's reference and id.
        public var label: String
        public var date: String?
        public var status: SyncStatus
        public var detail: String?
        public var errorCode: String?
        public var qboID: String?

        enum CodingKeys: String, CodingKey {
            case documentID = "id"
            case accountID = "account_id"
            case label, date, status, detail
            case errorCode = "error_code"
            case qboID = "qbo_id"
        }
    }

    public var firmID: String
    /// The firm's connection: nil when it never connected QuickBooks.
    public var connection: SyncStatus?
    public var connectionDetail: String?
    public var accounts: [Row]
    public var invoices: [DocumentRow]
    public var payments: [DocumentRow]

    enum CodingKeys: String, CodingKey {
        case firmID = "firm_id"
        case connection
        case connectionDetail = "connection_detail"
        case accounts, invoices, payments
    }

    public static func load(firmID: String, from database: PostgresClient) async throws -> QuickBooksColumn {
        try await database.withConnection { connection in
            let firm = try await FirmStore.load(firmID: firmID, on: connection)
            let accounts = try await AccountStore.load(firmID: firmID, on: connection)
            let documents = try await connection.query(
                """
                select kind, document_id, account_id, label, doc_date::text as doc_date, status, detail, error_code, qbo_id from documents
                where firm_id = $1 and status is not null order by doc_date, label, document_id
                """, [.text(firmID)])
            var invoices: [DocumentRow] = []
            var payments: [DocumentRow] = []
            for row in documents {
                let statusText = try row.decode(String.self, "status")
                guard let status = SyncStatus(rawValue: statusText) else { continue }
                let document = DocumentRow(
                    documentID: try row.decode(String.self, "document_id"), accountID: try row.decode(String.self, "account_id"),
                    label: try row.decode(String.self, "label"), date: try row.decode(String?.self, "doc_date"), status: status,
                    detail: try row.decode(String?.self, "detail"), errorCode: try row.decode(String?.self, "error_code"),
                    qboID: try row.decode(String?.self, "qbo_id"))
                if try row.decode(String.self, "kind") == DocumentKind.invoice.rawValue {
                    invoices.append(document)
                } else {
                    payments.append(document)
                }
            }
            return QuickBooksColumn(
                firmID: firmID, connection: firm?.connection.status, connectionDetail: firm?.connection.detail,
                accounts: accounts.map {
                    Row(
                        accountID: $0.accountID, name: $0.state.name, status: $0.state.status,
                        detail: $0.state.detail, errorCode: $0.state.errorCode, qboCustomerID: $0.state.qboCustomerID)
                },
                invoices: invoices, payments: payments)
        }
    }

    /// Plain-text tables as the accounts, invoices and payments lists show them.
    public func rendered() -> String {
        var lines = ["Firm \(firmID) — QuickBooks: \(connection.map { $0 == .synced ? "connected" : "disconnected" } ?? "not connected")"]
        if let connectionDetail { lines.append("  \(connectionDetail)") }
        let names = Dictionary(accounts.map { ($0.accountID, $0.name) }, uniquingKeysWith: { first, _ in first })
        lines.append("")
        lines += Self.table(
            ["ACCOUNT", "QUICKBOOKS", "QBO ID", "DETAIL"],
            accounts.map { [$0.name, Self.label($0.status), $0.qboCustomerID ?? "-", $0.detail ?? ""] },
            empty: "(no accounts yet)")
        for (title, rows) in [("INVOICE", invoices), ("PAYMENT", payments)] where !rows.isEmpty {
            lines.append("")
            lines += Self.table(
                [title, "ACCOUNT", "DATE", "QUICKBOOKS", "QBO ID", "DETAIL"],
                rows.map {
                    [$0.label, names[$0.accountID] ?? $0.accountID, $0.date ?? "", Self.label($0.status), $0.qboID ?? "-", $0.detail ?? ""]
                },
                empty: "")
        }
        return lines.joined(separator: "\n")
    }

    private static func label(_ status: SyncStatus) -> String {
        switch status {
        case .notSynced: "Not synced"
        case .syncing: "Syncing"
        case .synced: "Synced"
        case .skipped: "Skipped"
        case .failed: "Failed"
        }
    }

    /// Columns padded to their widest cell (at most 40 characters); the last column is free text.
    private static func table(_ header: [String], _ rows: [[String]], empty: String) -> [String] {
        let widths = header.indices.dropLast().map { column in
            min(40, ([header] + rows).map { $0[column].count }.max() ?? 0)
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (column, cell) in cells.enumerated() {
                guard column < widths.count else {
                    text += cell
                    break
                }
                let clipped = cell.count > widths[column] ? String(cell.prefix(widths[column])) : cell
                text += clipped + String(repeating: " ", count: widths[column] - clipped.count) + "  "
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var lines = [line(header)] + rows.map(line)
        if rows.isEmpty, !empty.isEmpty { lines.append(empty) }
        return lines
    }
}

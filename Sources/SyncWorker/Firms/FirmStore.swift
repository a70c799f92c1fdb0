import Foundation
import Postgres
import SyncCore

/// SQL for firm rows. Every function runs on the caller's connection and transaction.
enum FirmStore {
    static let columns = """
        firm_id, realm_id, policy, sync_start_date::text as sync_start_date, manual_payments_sync, income_account_id, fee_account_id,
        quickbooks_changes, connection_status, connection_detail, connection_error_code, status_sequence
        """

    static func load(firmID: String, forUpdate: Bool = false, on connection: PostgresConnection) async throws -> FirmRecord? {
        let (sql, parameters) = load(firmID: firmID, forUpdate: forUpdate)
        return try await connection.query(sql, parameters).first.map(decode)
    }

    /// The statement of ``load(firmID:forUpdate:on:)``, to send along with others; its row decodes with ``decode(_:)``.
    static func load(firmID: String, forUpdate: Bool = false) -> (String, [PostgresValue]) {
        ("select \(columns) from firms where firm_id = $1\(forUpdate ? " for update" : "")", [.text(firmID)])
    }

    /// These firms, by id (unknown ones are absent), in one statement.
    static func load(firmIDs: Set<String>, on connection: PostgresConnection) async throws -> [String: FirmRecord] {
        guard !firmIDs.isEmpty else { return [:] }
        let rows = try await connection.query("select \(columns) from firms where firm_id = any($1)", [.textArray(firmIDs.sorted())])
        var firms: [String: FirmRecord] = [:]
        for row in rows {
            let firm = try decode(row)
            firms[firm.firmID] = firm
        }
        return firms
    }

    /// Replaces the firm's sync settings, keeping its connection.
    static func updateSettings(_ settings: FirmSettings, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            update firms set policy = $2, sync_start_date = $3::date, manual_payments_sync = $4, income_account_id = $5, fee_account_id = $6,
                             quickbooks_changes = $7, updated_at = now()
            where firm_id = $1
            """,
            [
                .text(settings.firmID), .text(settings.policy.rawValue), settings.syncStartDate.map { .text($0.description) } ?? .null,
                .bool(settings.manualPaymentsSync), settings.incomeAccountID.map { .text($0) } ?? .null,
                settings.feeAccountID.map { .text($0) } ?? .null, .text(settings.quickBooksChanges.rawValue),
            ])
    }

    /// Whether the firm was ever connected.
    static func exists(firmID: String, in database: PostgresClient) async throws -> Bool {
        try await database.withConnection { connection in
            try await !connection.query("select 1 as found from firms where firm_id = $1", [.text(firmID)]).isEmpty
        }
    }

    /// Inserts or replaces a firm's connection with freshly obtained tokens. `connected_at` is the
    /// moment of this write (not its transaction's start): a call that read the connection before
    /// it began before it (``recordConnectionLost(firmID:_:causedBy:statusTopic:callStarted:on:)``).
    static func upsert(
        _ settings: FirmSettings, sealedRefreshToken: [UInt8], sealedAccessToken: [UInt8]?, accessTokenExpiresAt: Date?,
        on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            """
            insert into firms (firm_id, realm_id, refresh_token, access_token, access_token_expires_at, policy, sync_start_date,
                               manual_payments_sync, income_account_id, fee_account_id, quickbooks_changes, connected_at, updated_at)
            values ($1, $2, $3, $4, $5, $6, $7::date, $8, $9, $10, $11, clock_timestamp(), now())
            on conflict (firm_id) do update set
                realm_id = excluded.realm_id, refresh_token = excluded.refresh_token, access_token = excluded.access_token,
                access_token_expires_at = excluded.access_token_expires_at, policy = excluded.policy,
                sync_start_date = excluded.sync_start_date, manual_payments_sync = excluded.manual_payments_sync,
                income_account_id = excluded.income_account_id, fee_account_id = excluded.fee_account_id,
                quickbooks_changes = excluded.quickbooks_changes, connected_at = clock_timestamp(), updated_at = now()
            """,
            [
                .text(settings.firmID), .text(settings.realmID), .bytea(sealedRefreshToken), sealedAccessToken.map { .bytea($0) } ?? .null,
                accessTokenExpiresAt.map { .timestamptz($0) } ?? .null, .text(settings.policy.rawValue),
                settings.syncStartDate.map { .text($0.description) } ?? .null, .bool(settings.manualPaymentsSync),
                settings.incomeAccountID.map { .text($0) } ?? .null, settings.feeAccountID.map { .text($0) } ?? .null,
                .text(settings.quickBooksChanges.rawValue),
            ])
    }

    static func saveConnection(firmID: String, _ state: FirmConnectionState, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            update firms set connection_status = $2, connection_detail = $3, connection_error_code = $4, status_sequence = $5, updated_at = now()
            where firm_id = $1
            """,
            [
                .text(firmID), .text(state.status.rawValue), state.detail.map { .text($0) } ?? .null,
                state.errorCode.map { .text($0) } ?? .null, .int64(state.sequence),
            ])
    }

    static func decode(_ row: PostgresRow) throws -> FirmRecord {
        let policyText = try row.decode(String.self, "policy")
        let statusText = try row.decode(String.self, "connection_status")
        let ruleText = try row.decode(String.self, "quickbooks_changes")
        guard let policy = FirmPolicy(rawValue: policyText), let status = SyncStatus(rawValue: statusText),
            let rule = QuickBooksChangeRule(rawValue: ruleText)
        else {
            throw StoredDataError("firm row holds unknown policy '\(policyText)', status '\(statusText)' or rule '\(ruleText)'")
        }
        return FirmRecord(
            firmID: try row.decode(String.self, "firm_id"), realmID: try row.decode(String.self, "realm_id"), policy: policy,
            syncStartDate: try row.decode(String?.self, "sync_start_date").flatMap(CalendarDate.init),
            manualPaymentsSync: try row.decode(Bool.self, "manual_payments_sync"),
            incomeAccountID: try row.decode(String?.self, "income_account_id"),
            feeAccountID: try row.decode(String?.self, "fee_account_id"),
            quickBooksChanges: rule,
            connection: FirmConnectionState(
                status: status, detail: try row.decode(String?.self, "connection_detail"),
                errorCode: try row.decode(String?.self, "connection_error_code"),
                sequence: try row.decode(Int64.self, "status_sequence")))
    }

    /// What ``recordConnectionLost(firmID:_:causedBy:statusTopic:callStarted:on:)`` did.
    enum ConnectionLoss: Equatable {
        /// The firm is now marked disconnected, and its status published.
        case recorded
        /// It was marked already (or is unknown).
        case known
        /// The firm connected again after the call began: the call used the connection it had
        /// before, and its failure says nothing of the connection now.
        case reconnectedSince
    }

    /// Marks the firm disconnected (a revoked or expired connection) and publishes that once, as
    /// the firm's status — unless it connected again after `callStarted`, when the call that
    /// failed began.
    static func recordConnectionLost(
        firmID: String, _ problem: QuickBooksProblem, causedBy: String, statusTopic: String, callStarted: Date,
        on connection: PostgresConnection
    ) async throws -> ConnectionLoss {
        guard var firm = try await load(firmID: firmID, forUpdate: true, on: connection) else { return .known }
        if firm.connection.isConnected,
            try await connection.query(
                "select connected_at > $2 as since from firms where firm_id = $1", [.text(firmID), .timestamptz(callStarted)]
            ).first?.decode(Bool.self, "since") == true
        {
            return .reconnectedSince
        }
        guard let update = firm.connection.apply(.connectionLost(code: problem.code, detail: FailureDetail.firmConnectionLost(problem)))
        else { return .known }
        try await saveConnection(firmID: firmID, firm.connection, on: connection)
        try await Outbox.enqueue(
            StatusChange(
                firmID: firmID, entity: .firm, entityID: firmID, accountID: nil, status: update.status,
                previousStatus: update.previousStatus,
                detail: update.detail, errorCode: update.errorCode, qboID: firm.realmID, sequence: update.sequence, causedBy: causedBy),
            topic: statusTopic, on: connection)
        return .recorded
    }
}

import Foundation
import Postgres
import SyncCore

/// SQL for documents, the QuickBooks objects they became, and refunds. Every function runs on
/// the caller's connection, inside the caller's transaction.
enum DocumentStore {
    static let columns = """
        firm_id, kind, document_id, account_id, revision, lifecycle, content, doc_date::text as doc_date, label, last_event_id, change_seq,
        pending, awaiting, awaiting_labels, awaiting_since, failed_revision, failure_code, failure_detail, parked_detail,
        status, detail, error_code, qbo_id, sequence, manual_choice, generation, trace_parent, trace_state
        """

    /// Locks the document for this transaction and returns it, or nil when it is unknown.
    static func lock(firmID: String, kind: DocumentKind, documentID: String, on connection: PostgresConnection) async throws
        -> StoredDocument?
    {
        if let known = LockedDocuments.current?.document(.init(firmID: firmID, kind: kind, documentID: documentID)) { return known }
        return try await load(firmID: firmID, kind: kind, documentID: documentID, forUpdate: true, on: connection)
    }

    /// The document as stored (locked for the transaction with `forUpdate`), or nil when it is unknown.
    /// With `known` (the same document as read before), the stored event is decoded only if it
    /// changed since (decoding it is a tenth of the pusher's CPU).
    static func load(
        firmID: String, kind: DocumentKind, documentID: String, forUpdate: Bool, known: StoredDocument? = nil,
        on connection: PostgresConnection
    ) async throws -> StoredDocument? {
        let (sql, parameters) = load(firmID: firmID, kind: kind, documentID: documentID, forUpdate: forUpdate)
        return try await connection.query(sql, parameters).first.map { try decode($0, known: known) }
    }

    /// The statement of ``load(firmID:kind:documentID:forUpdate:known:on:)``, to send along with
    /// others; its row decodes with ``decode(_:known:)``.
    static func load(firmID: String, kind: DocumentKind, documentID: String, forUpdate: Bool) -> (String, [PostgresValue]) {
        (
            "select \(columns) from documents where firm_id = $1 and kind = $2 and document_id = $3\(forUpdate ? " for update" : "")",
            [.text(firmID), .text(kind.rawValue), .text(documentID)]
        )
    }

    /// The account's first document with work to do, in write order, locked, with its QuickBooks
    /// objects, in one round trip: the objects are read beside the head by a statement that finds
    /// the head again, and on their own should it have found another document (one that became
    /// the head in between).
    static func pendingHeadWithComponents(
        firmID: String, accountID: String, handOff: PayloadHandOff? = nil, on connection: PostgresConnection
    ) async throws -> (StoredDocument, [AppliedComponent])? {
        try await pendingHeadsWithComponents(of: [(firmID, accountID)], handOff: handOff, on: connection)[0]
    }

    /// ``pendingHeadWithComponents(firmID:accountID:on:)`` for several accounts, in two statements
    /// and one round trip, their heads locked in the order given. A head's payload comes from
    /// `handOff` when it holds the stored bytes' (the consumer decoded them), else from decoding them.
    static func pendingHeadsWithComponents(
        of accounts: [(firmID: String, accountID: String)], handOff: PayloadHandOff? = nil, on connection: PostgresConnection
    ) async throws -> [(StoredDocument, [AppliedComponent])?] {
        guard !accounts.isEmpty else { return [] }
        let parameters: [PostgresValue] = [.textArray(accounts.map(\.firmID)), .textArray(accounts.map(\.accountID))]
        let given = "unnest($1::text[], $2::text[]) with ordinality as a(firm_id, account_id, position)"
        let pending = "from documents where firm_id = a.firm_id and account_id = a.account_id and pending order by change_seq limit 1"
        let (heads, parts) = try await connection.query(
            ("select h.* from \(given) cross join lateral (select \(columns) \(pending) for update) h order by a.position", parameters),
            (
                """
                with head as (select h.* from \(given) cross join lateral (select firm_id, account_id, kind, document_id \(pending)) h)
                select head.firm_id as head_firm, head.account_id as head_account, head.kind as head_kind, head.document_id as head_id,
                       c.role, c.qbo_type, c.qbo_id, c.sync_token, c.applied_revision, c.attempt_revision, c.attempt_generation, c.state
                from head left join document_components c
                    on c.firm_id = head.firm_id and c.kind = head.kind and c.document_id = head.document_id
                """, parameters
            ))
        var found: [[String]: StoredDocument] = [:]
        for row in heads {
            let document = try decode(row, handOff: handOff)
            found[[document.firmID, document.accountID]] = document
        }
        // The objects, by account, of the document the second statement found as its head.
        var objects: [[String]: (head: [String], rows: [PostgresRow])] = [:]
        for row in parts {
            let account = [try row.decode(String.self, "head_firm"), try row.decode(String.self, "head_account")]
            let head = [try row.decode(String.self, "head_kind"), try row.decode(String.self, "head_id")]
            objects[account, default: (head, [])].rows.append(row)
        }
        var result: [(StoredDocument, [AppliedComponent])?] = []
        for (firmID, accountID) in accounts {
            guard let document = found[[firmID, accountID]] else {
                result.append(nil)
                continue
            }
            if let parts = objects[[firmID, accountID]], parts.head == [document.kind.rawValue, document.documentID] {
                result.append((document, try decodeComponents(try parts.rows.filter { try $0.decode(String?.self, "role") != nil })))
            } else {
                // Another document became the head between the two statements.
                result.append((document, try await components(of: document, on: connection)))
            }
        }
        return result
    }

    /// The account's documents whose column depends on the account: those with work to do, and
    /// (when `includingFailed`) those QuickBooks refused. Locked, in write order.
    static func dependingOnAccount(firmID: String, accountID: String, includingFailed: Bool, on connection: PostgresConnection) async throws
        -> [StoredDocument]
    {
        try await connection.query(
            """
            select \(columns) from documents
            where firm_id = $1 and account_id = $2 and (pending or ($3 and status = 'failed')) order by change_seq for update
            """, [.text(firmID), .text(accountID), .bool(includingFailed)]
        ).map(decode)
    }

    /// The firm's documents a settings change may let through or hold back: not refused and not
    /// (yet) synced. Locked, oldest first by date.
    static func heldByFirm(firmID: String, on connection: PostgresConnection) async throws -> [StoredDocument] {
        try await connection.query(
            """
            select \(columns) from documents
            where firm_id = $1 and status in ('not_synced', 'skipped', 'syncing') order by doc_date nulls last, change_seq for update
            """, [.text(firmID)]
        ).map(decode)
    }

    /// Payments (of any firm) that have waited for their invoices since before `since` and do not
    /// say so yet; locked, skipping those another worker holds.
    static func awaitedTooLong(since: Date, limit: Int, on connection: PostgresConnection) async throws -> [StoredDocument] {
        try await connection.query(
            """
            select \(columns) from documents
            where kind = 'payment' and cardinality(awaiting) > 0 and awaiting_since < $1 and error_code is distinct from $2
            order by awaiting_since limit $3 for update skip locked
            """, [.timestamptz(since), .text(FailureDetail.invoiceMissingCode), .int(limit)]
        ).map(decode)
    }

    /// The account's deleted invoices whose deletion QuickBooks refused, locked.
    static func refusedDeletions(firmID: String, accountID: String, on connection: PostgresConnection) async throws -> [StoredDocument] {
        try await connection.query(
            """
            select \(columns) from documents
            where firm_id = $1 and account_id = $2 and kind = 'invoice' and lifecycle = 'deleted' and failed_revision = revision
            for update
            """, [.text(firmID), .text(accountID)]
        ).map(decode)
    }

    /// Saves the document. It goes out with the transaction's next statement, in one statement
    /// with the documents saved just before it (``Row``).
    static func save(_ document: StoredDocument, on connection: PostgresConnection) async throws {
        LockedDocuments.current?.forget(document)
        try await connection.executeDeferred(row: Row(document))
    }

    /// A document's save, written together with the saves deferred beside it.
    struct Row: PostgresBatchableWrite {
        var document: StoredDocument

        init(_ document: StoredDocument) { self.document = document }

        /// A document saved twice keeps its last save, in that save's place: the same as saving
        /// one after another, also for the write order (`change_seq`), which is drawn in order.
        static func statement(for rows: [Row]) -> (String, [PostgresValue]) {
            var seen: Set<[String]> = []
            var documents: [StoredDocument] = []
            for row in rows.reversed() {
                let document = row.document
                guard seen.insert([document.firmID, document.kind.rawValue, document.documentID]).inserted else { continue }
                documents.append(document)
            }
            documents.reverse()
            func column(_ type: PostgresDataType, _ value: (StoredDocument) -> PostgresValue) -> PostgresValue {
                .array(documents.map(value), of: type)
            }
            func text(_ value: (StoredDocument) -> String?) -> PostgresValue {
                column(.text) { value($0).map { .text($0) } ?? .null }
            }
            func int64(_ value: (StoredDocument) -> Int64?) -> PostgresValue {
                column(.int8) { value($0).map { .int64($0) } ?? .null }
            }
            return (
                """
                insert into documents (firm_id, kind, document_id, account_id, revision, lifecycle, content, doc_date, label, change_seq,
                                       pending, awaiting, awaiting_labels, failed_revision, failure_code, failure_detail, parked_detail,
                                       status, detail, error_code, qbo_id, sequence, last_event_id, awaiting_since, manual_choice,
                                       generation, trace_parent, trace_state, updated_at)
                select firm_id, kind, document_id, account_id, revision, lifecycle, content, doc_date::date, label,
                       coalesce(change_seq, nextval('document_changes')), pending,
                       awaiting::text[], awaiting_labels::text[], failed_revision, failure_code,
                       failure_detail, parked_detail, status, detail, error_code, qbo_id, sequence, last_event_id, awaiting_since,
                       manual_choice, generation, trace_parent, trace_state, now()
                from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bytea[], $8::text[], $9::text[],
                            $10::bigint[], $11::boolean[], $12::text[], $13::text[], $14::bigint[], $15::text[], $16::text[], $17::text[],
                            $18::text[], $19::text[], $20::text[], $21::text[], $22::bigint[], $23::text[], $24::timestamptz[],
                            $25::text[], $26::bigint[], $27::text[], $28::text[])
                    with ordinality as d(firm_id, kind, document_id, account_id, revision, lifecycle, content, doc_date, label, change_seq,
                                         pending, awaiting, awaiting_labels, failed_revision, failure_code, failure_detail, parked_detail,
                                         status, detail, error_code, qbo_id, sequence, last_event_id, awaiting_since, manual_choice,
                                         generation, trace_parent, trace_state, position)
                order by position
                on conflict (firm_id, kind, document_id) do update set
                    account_id = excluded.account_id, revision = excluded.revision, lifecycle = excluded.lifecycle,
                    content = excluded.content, doc_date = excluded.doc_date, label = excluded.label, change_seq = excluded.change_seq,
                    pending = excluded.pending, awaiting = excluded.awaiting, awaiting_labels = excluded.awaiting_labels,
                    failed_revision = excluded.failed_revision, failure_code = excluded.failure_code,
                    failure_detail = excluded.failure_detail, parked_detail = excluded.parked_detail, status = excluded.status,
                    detail = excluded.detail, error_code = excluded.error_code, qbo_id = excluded.qbo_id, sequence = excluded.sequence,
                    last_event_id = excluded.last_event_id, awaiting_since = excluded.awaiting_since,
                    manual_choice = excluded.manual_choice, generation = excluded.generation, trace_parent = excluded.trace_parent,
                    trace_state = excluded.trace_state, updated_at = now()
                """,
                [
                    text(\.firmID), text(\.kind.rawValue), text(\.documentID), text(\.accountID), int64(\.revision),
                    text(\.lifecycle.rawValue), column(.bytea) { $0.content.map { .bytea($0) } ?? .null }, text { $0.date?.description },
                    text(\.label), int64(\.changeSeq), column(.bool) { .bool($0.pending) },
                    text { arrayLiteral($0.awaiting) }, text { arrayLiteral($0.awaitingLabels) },
                    int64(\.failedRevision), text(\.failureCode), text(\.failureDetail), text(\.parkedDetail),
                    text { $0.status.status?.rawValue }, text(\.status.detail), text(\.status.errorCode), text(\.status.qboID),
                    int64(\.status.sequence), text(\.lastEventID),
                    column(.timestamptz) { $0.awaitingSince.map { .timestamptz($0) } ?? .null },
                    text { $0.manualChoice?.rawValue }, int64(\.generation), text(\.trace.traceParent), text(\.trace.traceState),
                ]
            )
        }
    }

    /// A `text[]` in PostgreSQL's input form (`{"a","b"}`), for a list inside an array parameter.
    static func arrayLiteral(_ values: [String]) -> String {
        let elements = values.map { value in
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "{" + elements.joined(separator: ",") + "}"
    }

    // MARK: - QuickBooks objects

    static func components(of document: StoredDocument, on connection: PostgresConnection) async throws -> [AppliedComponent] {
        let (sql, parameters) = components(of: document)
        return try decodeComponents(try await connection.query(sql, parameters))
    }

    /// The statement of ``components(of:on:)``, to send along with others; its rows decode with ``decodeComponents(_:)``.
    static func components(of document: StoredDocument) -> (String, [PostgresValue]) {
        (
            """
            select role, qbo_type, qbo_id, sync_token, applied_revision, attempt_revision, attempt_generation, state from document_components
            where firm_id = $1 and kind = $2 and document_id = $3
            """, [.text(document.firmID), .text(document.kind.rawValue), .text(document.documentID)]
        )
    }

    static func decodeComponents(_ rows: [PostgresRow]) throws -> [AppliedComponent] {
        try rows.map { row in
            let roleText = try row.decode(String.self, "role")
            let typeText = try row.decode(String.self, "qbo_type")
            let stateText = try row.decode(String.self, "state")
            guard let role = ComponentRole(roleText), let type = QuickBooksObjectType(rawValue: typeText),
                let state = AppliedComponent.State(rawValue: stateText)
            else {
                throw StoredDataError("document_components holds an unknown role '\(roleText)', type '\(typeText)' or state '\(stateText)'")
            }
            return AppliedComponent(
                role: role, type: type, qboID: try row.decode(String?.self, "qbo_id"),
                syncToken: try row.decode(String?.self, "sync_token"),
                appliedRevision: try row.decode(Int64?.self, "applied_revision"),
                attemptRevision: try row.decode(Int64?.self, "attempt_revision"),
                attemptGeneration: try row.decode(Int64.self, "attempt_generation"), state: state)
        }
    }

    /// Records what QuickBooks holds of one of the document's objects. It goes out with the
    /// transaction's next statement, in one statement with the objects saved just before it
    /// (``ComponentRow``).
    static func saveComponent(_ component: AppliedComponent, of document: StoredDocument, on connection: PostgresConnection) async throws {
        try await connection.executeDeferred(
            row: ComponentRow(firmID: document.firmID, kind: document.kind, documentID: document.documentID, component: component))
    }

    /// One object's save, written together with the saves deferred beside it.
    struct ComponentRow: PostgresBatchableWrite {
        var firmID: String
        var kind: DocumentKind
        var documentID: String
        var component: AppliedComponent

        /// An object saved twice keeps its last save: the same as saving one after another.
        static func statement(for rows: [ComponentRow]) -> (String, [PostgresValue]) {
            var seen: Set<[String]> = []
            var saves: [ComponentRow] = []
            for row in rows.reversed() {
                guard seen.insert([row.firmID, row.kind.rawValue, row.documentID, row.component.role.description]).inserted else {
                    continue
                }
                saves.append(row)
            }
            saves.reverse()
            func text(_ value: (ComponentRow) -> String?) -> PostgresValue {
                .array(saves.map { value($0).map { .text($0) } ?? .null }, of: .text)
            }
            func int64(_ value: (ComponentRow) -> Int64?) -> PostgresValue {
                .array(saves.map { value($0).map { .int64($0) } ?? .null }, of: .int8)
            }
            return (
                """
                insert into document_components (firm_id, kind, document_id, role, qbo_type, qbo_id, sync_token, applied_revision,
                                                 attempt_revision, attempt_generation, state)
                select firm_id, kind, document_id, role, qbo_type, qbo_id, sync_token, applied_revision, attempt_revision,
                       attempt_generation, state
                from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[],
                            $9::bigint[], $10::bigint[], $11::text[])
                    with ordinality as c(firm_id, kind, document_id, role, qbo_type, qbo_id, sync_token, applied_revision,
                                         attempt_revision, attempt_generation, state, position)
                order by position
                on conflict (firm_id, kind, document_id, role) do update set
                    qbo_type = excluded.qbo_type, qbo_id = excluded.qbo_id, sync_token = excluded.sync_token,
                    applied_revision = excluded.applied_revision, attempt_revision = excluded.attempt_revision,
                    attempt_generation = excluded.attempt_generation, state = excluded.state, updated_at = now()
                """,
                [
                    text(\.firmID), text(\.kind.rawValue), text(\.documentID), text(\.component.role.description),
                    text(\.component.type.rawValue), text(\.component.qboID), text(\.component.syncToken),
                    int64(\.component.appliedRevision), int64(\.component.attemptRevision), int64(\.component.attemptGeneration),
                    text(\.component.state.rawValue),
                ]
            )
        }
    }

    /// The QuickBooks Ids of these invoices' Invoice objects, for those that have one.
    static func invoiceQuickBooksIDs(firmID: String, invoiceIDs: [String], on connection: PostgresConnection) async throws -> [String:
        String]
    {
        guard !invoiceIDs.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            select document_id, qbo_id from document_components
            where firm_id = $1 and kind = 'invoice' and role = 'main' and document_id = any($2) and qbo_id is not null and state = 'live'
            """, [.text(firmID), .textArray(invoiceIDs)])
        var ids: [String: String] = [:]
        for row in rows { ids[try row.decode(String.self, "document_id")] = try row.decode(String.self, "qbo_id") }
        return ids
    }

    /// These invoices as stored (unknown ones are absent).
    static func invoices(firmID: String, ids: [String], on connection: PostgresConnection) async throws -> [String: StoredDocument] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query(
            "select \(columns) from documents where firm_id = $1 and kind = 'invoice' and document_id = any($2)",
            [.text(firmID), .textArray(ids)])
        var found: [String: StoredDocument] = [:]
        for row in rows {
            let document = try decode(row)
            found[document.documentID] = document
        }
        return found
    }

    // MARK: - Refunds

    static func refunds(of document: StoredDocument, on connection: PostgresConnection) async throws -> [StoredRefund] {
        guard document.kind == .payment else { return [] }
        let rows = try await connection.query(
            """
            select refund_id, amount::text as amount, refund_date::text as refund_date, revision from payment_refunds
            where firm_id = $1 and payment_id = $2 order by refund_id
            """, [.text(document.firmID), .text(document.documentID)])
        return try rows.map { row in
            let amountText = try row.decode(String.self, "amount")
            let dateText = try row.decode(String.self, "refund_date")
            guard let amount = FixedDecimal(amountText), let date = CalendarDate(dateText) else {
                throw StoredDataError("payment_refunds holds an unreadable amount '\(amountText)' or date '\(dateText)'")
            }
            return StoredRefund(
                refundID: try row.decode(String.self, "refund_id"), amount: amount, date: date,
                revision: try row.decode(Int64.self, "revision"))
        }
    }

    /// Records a refund; returns false when the same or a newer revision of it was recorded before.
    static func saveRefund(_ refund: StoredRefund, firmID: String, paymentID: String, on connection: PostgresConnection) async throws
        -> Bool
    {
        let changed = try await connection.execute(
            """
            insert into payment_refunds (firm_id, payment_id, refund_id, amount, refund_date, revision)
            values ($1, $2, $3, $4, $5::date, $6)
            on conflict (firm_id, payment_id, refund_id) do update set
                amount = excluded.amount, refund_date = excluded.refund_date, revision = excluded.revision
            where payment_refunds.revision < excluded.revision
            """,
            [
                .text(firmID), .text(paymentID), .text(refund.refundID), .numeric(refund.amount.description),
                .text(refund.date.description),
                .int64(refund.revision),
            ])
        return changed > 0
    }

    // MARK: - Decoding

    static func decode(_ row: PostgresRow) throws -> StoredDocument {
        try decode(row, known: nil)
    }

    static func decode(_ row: PostgresRow, handOff: PayloadHandOff?) throws -> StoredDocument {
        try decode(row, known: nil, handOff: handOff)
    }

    /// - Parameters:
    ///   - known: the same document as read before; when the stored event is still the same
    ///     bytes, its decoded payload is taken over instead of decoding them again.
    ///   - handOff: payloads the consumer decoded, taken over the same way.
    static func decode(_ row: PostgresRow, known: StoredDocument?, handOff: PayloadHandOff? = nil) throws -> StoredDocument {
        let kindText = try row.decode(String.self, "kind")
        let lifecycleText = try row.decode(String.self, "lifecycle")
        let statusText = try row.decode(String?.self, "status")
        guard let kind = DocumentKind(rawValue: kindText), let lifecycle = DocumentLifecycle(rawValue: lifecycleText) else {
            throw StoredDataError("documents holds an unknown kind '\(kindText)' or lifecycle '\(lifecycleText)'")
        }
        var document = StoredDocument(
            firmID: try row.decode(String.self, "firm_id"), kind: kind, documentID: try row.decode(String.self, "document_id"),
            accountID: try row.decode(String.self, "account_id"), label: try row.decode(String.self, "label"),
            lastEventID: try row.decode(String.self, "last_event_id"))
        document.revision = try row.decode(Int64.self, "revision")
        document.lifecycle = lifecycle
        document.content = try row.decode([UInt8]?.self, "content")
        // Validated when it arrived; should a later rule refuse it, the writer says it cannot build
        // the object, and why.
        if let content = document.content, let known, known.content == content, known.payload != nil || known.unreadableContent != nil {
            document.payload = known.payload
            document.unreadableContent = known.unreadableContent
        } else if let content = document.content, let handOff,
            let payload = handOff.take(.init(firmID: document.firmID, kind: kind, documentID: document.documentID), content: content)
        {
            document.payload = payload
        } else if let content = document.content {
            do { document.payload = try IngressEvent.decodeStored(content, limits: .unlimitedStored).payload } catch {
                document.unreadableContent = "\(error)"
            }
        }
        document.date = try row.decode(String?.self, "doc_date").flatMap(CalendarDate.init)
        document.changeSeq = try row.decode(Int64.self, "change_seq")
        document.pending = try row.decode(Bool.self, "pending")
        document.awaiting = try row.decode([String].self, "awaiting")
        document.awaitingLabels = try row.decode([String].self, "awaiting_labels")
        document.awaitingSince = try row.decode(Date?.self, "awaiting_since")
        document.failedRevision = try row.decode(Int64?.self, "failed_revision")
        document.failureCode = try row.decode(String?.self, "failure_code")
        document.failureDetail = try row.decode(String?.self, "failure_detail")
        document.parkedDetail = try row.decode(String?.self, "parked_detail")
        document.status = DocumentStatus(
            status: statusText.flatMap(SyncStatus.init(rawValue:)), detail: try row.decode(String?.self, "detail"),
            errorCode: try row.decode(String?.self, "error_code"), qboID: try row.decode(String?.self, "qbo_id"),
            sequence: try row.decode(Int64.self, "sequence"))
        let choice = try row.decode(String?.self, "manual_choice")
        document.manualChoice = try choice.map { text in
            guard let choice = ManualChoice(rawValue: text) else {
                throw StoredDataError("documents holds an unknown manual choice '\(text)'")
            }
            return choice
        }
        document.generation = try row.decode(Int64.self, "generation")
        document.trace = TraceHeaders(
            traceParent: try row.decode(String?.self, "trace_parent"), traceState: try row.decode(String?.self, "trace_state"))
        return document
    }
}

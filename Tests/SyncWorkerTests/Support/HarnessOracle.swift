import Foundation
import Postgres
import QuickBooksSandbox
import SyncCore
import Testing

/// The fault harness's checks of invoices and payments: every QuickBooks object present exactly
/// once with the right content, and every document's column equal to what was published.
enum HarnessOracle {
    /// For accounts that ended synced: each invoice and payment is in QuickBooks once, with the
    /// newest revision's content, its fee and refunds too; for every account: no object twice.
    /// Returns how many QuickBooks objects were checked.
    static func verifyDocuments(
        env: TestEnvironment, plan: Workload, realms: [String: String], accountStatus: [String: String], seed: UInt64
    ) async throws -> Int {
        var checked = 0
        for (firm, realm) in realms.sorted(by: { $0.key < $1.key }) {
            var live: [QuickBooksEntityType: [SandboxObject]] = [:]
            for type in [QuickBooksEntityType.invoice, .payment, .creditMemo, .purchase, .refundReceipt] {
                let objects = try await env.objects(realm: realm, type).filter { $0.status != .deleted }
                live[type] = objects
                let notes = objects.compactMap { $0.string("PrivateNote") }
                #expect(Set(notes).count == notes.count, "\(firm): no \(type.rawValue) written twice (seed \(seed))")
            }
            func objects(_ type: QuickBooksEntityType, note: String) -> [SandboxObject] {
                (live[type] ?? []).filter { $0.string("PrivateNote") == note }
            }
            for invoice in plan.invoices.values
            where invoice.firm == firm && accountStatus["\(firm):account:\(invoice.account)"] == "synced" {
                let found = objects(.invoice, note: "Synced by qbsync from invoice \(invoice.id)")
                // An invoice voided before it reached QuickBooks is never sent: it had no effect.
                #expect(found.count == 1 || (invoice.voided && found.isEmpty), "invoice \(invoice.id) in QuickBooks once (seed \(seed))")
                guard let object = found.first else { continue }
                checked += 1
                #expect(object.string("DocNumber") == invoice.number)
                if invoice.voided {
                    #expect(object.status == .voided, "invoice \(invoice.id) voided (seed \(seed))")
                } else {
                    #expect(
                        object.number("TotalAmt") == Double(invoice.total.description),
                        "invoice \(invoice.id) holds its newest revision (seed \(seed))")
                    #expect(object.salesLines.count == invoice.lines)
                }
            }
            for payment in plan.payments.values
            where payment.firm == firm && accountStatus["\(firm):account:\(payment.account)"] == "synced" {
                let note = "Synced by qbsync from payment \(payment.id)"
                let main = objects(payment.promotional ? .creditMemo : .payment, note: note)
                let fees = objects(.purchase, note: note)
                for (refund, amount) in payment.refunds {
                    let receipts = objects(.refundReceipt, note: "\(note), refund \(refund)")
                    #expect(
                        receipts.count == 1 && receipts.first?.number("TotalAmt") == Double(amount.description),
                        "refund \(refund) once (seed \(seed))")
                    checked += receipts.count
                }
                if payment.deleted {
                    #expect(main.isEmpty && fees.isEmpty, "payment \(payment.id) deleted with its fee (seed \(seed))")
                    continue
                }
                #expect(
                    main.count == 1 && main.first?.number("TotalAmt") == Double(payment.amount.description),
                    "payment \(payment.id) once, for its amount (seed \(seed))")
                #expect(fees.count == (payment.fee > .zero ? 1 : 0), "payment \(payment.id)'s fee once (seed \(seed))")
                if payment.fee > .zero { #expect(fees.first?.number("TotalAmt") == Double(payment.fee.description)) }
                let invoiceID = objects(.invoice, note: "Synced by qbsync from invoice \(payment.invoice)").first?.id
                let applying = payment.promotional ? objects(.payment, note: note) : main
                #expect(
                    applying.count == 1 && applying.first?.string("Line", 0, "LinkedTxn", 0, "TxnId") == invoiceID,
                    "payment \(payment.id) applied to invoice \(payment.invoice) (seed \(seed))")
                checked += main.count + fees.count + (payment.promotional ? applying.count : 0)
            }
        }
        return checked
    }

    /// Every document of a synced account is synced, and the newest status published for every
    /// document equals the database, with no gap in its sequence.
    static func verifyDocumentColumns(env: TestEnvironment, accountStatus: [String: String], seed: UInt64) async throws -> Int {
        let rows = try await env.database.withConnection { connection in
            try await connection.query(
                "select firm_id, kind, document_id, account_id, status, detail, sequence from documents where status is not null")
        }
        var newest: [String: Int64] = [:]
        for row in rows {
            newest[
                "\(try row.decode(String.self, "firm_id")):\(try row.decode(String.self, "kind")):\(try row.decode(String.self, "document_id"))"
            ] =
                try row.decode(Int64.self, "sequence")
        }
        let expected = newest
        try await env.status.wait(timeout: .seconds(30), for: "the document statuses to catch up") { events in
            let seen = Dictionary(
                events.filter { $0.entity == "invoice" || $0.entity == "payment" }.map { ($0.key, $0.sequence) }, uniquingKeysWith: max)
            return expected.allSatisfy { seen[$0.key] == $0.value }
        }
        let published = Dictionary(grouping: await env.status.events.filter { $0.entity == "invoice" || $0.entity == "payment" }, by: \.key)
        for row in rows {
            let firm = try row.decode(String.self, "firm_id")
            let kind = try row.decode(String.self, "kind")
            let key = "\(firm):\(kind):\(try row.decode(String.self, "document_id"))"
            let status = try row.decode(String.self, "status")
            let sequence = try row.decode(Int64.self, "sequence")
            let detail = try row.decode(String?.self, "detail") ?? ""
            if accountStatus["\(firm):account:\(try row.decode(String.self, "account_id"))"] == "synced",
                !detail.contains("before it reached QuickBooks")
            {
                #expect(status == "synced", "\(key) is synced with its account, not \(status): \(detail) (seed \(seed))")
            }
            let events = published[key] ?? []
            #expect(
                Set(events.map(\.sequence)) == Set(1...max(sequence, 1)), "\(key): sequences 1…\(sequence) each published (seed \(seed))")
            #expect(
                events.last(where: { $0.sequence == sequence })?.status == status,
                "\(key): last published status equals the database (seed \(seed))")
        }
        return rows.count
    }
}

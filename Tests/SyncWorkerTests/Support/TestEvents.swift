import Foundation
import SyncCore

/// Builds ingress messages exactly as the platform's producers send them (CloudEvents JSON).
enum TestEvents {
    struct Message: Sendable {
        var topic: String
        var key: String
        var value: [UInt8]
        var id: String
    }

    static func envelope(type: String, topic: String, firm: String, data: [String: Any], id: String = UUID().uuidString.lowercased())
        -> Message
    {
        let object: [String: Any] = [
            "specversion": "1.0", "id": id, "source": "/tests", "type": type, "time": "2026-11-21T10:00:00Z",
            "datacontenttype": "application/json", "data": data,
        ]
        let bytes = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Message(topic: topic, key: firm, value: Array(bytes), id: id)
    }

    static func accountUpserted(firm: String, account: String, name: String) -> Message {
        envelope(
            type: "account.upserted", topic: "accounts.lifecycle", firm: firm,
            data: ["firm_id": firm, "account_id": account, "account_name": name])
    }

    static func syncRequested(
        firm: String, account: String, name: String, role: String = "owner", mode: String = "auto", customerID: String? = nil,
        id: String = UUID().uuidString.lowercased()
    ) -> Message {
        var link: [String: Any] = ["mode": mode]
        if let customerID { link["qbo_customer_id"] = customerID }
        return envelope(
            type: "account.sync_requested", topic: "accounts.quickbooks-sync", firm: firm,
            data: [
                "firm_id": firm, "account_id": account, "account_name": name,
                "actor": ["user_id": "user-\(role)", "role": role], "link": link,
            ], id: id)
    }

    static func unsyncRequested(firm: String, account: String, role: String = "owner") -> Message {
        envelope(
            type: "account.unsync_requested", topic: "accounts.quickbooks-sync", firm: firm,
            data: ["firm_id": firm, "account_id": account, "actor": ["user_id": "user-\(role)", "role": role]])
    }

    static func invoiceUpserted(firm: String, account: String, name: String, invoice: String = UUID().uuidString, revision: Int = 1)
        -> Message
    {
        envelope(
            type: "invoice.upserted", topic: "billing.invoices", firm: firm,
            data: [
                "firm_id": firm, "account_id": account, "account_name": name, "invoice_id": invoice, "number": "INV-\(invoice.prefix(8))",
                "issue_date": "2026-11-01", "due_date": "2026-12-01", "currency": "USD",
                "lines": [
                    [
                        "service_id": "svc-1", "service_name": "Bookkeeping", "description": "November", "quantity": 2, "rate": "225.00",
                        "amount": "450.00",
                    ]
                ],
                "total": "450.00", "revision": revision,
            ])
    }

    static func paymentUpserted(firm: String, account: String, name: String, payment: String = UUID().uuidString) -> Message {
        envelope(
            type: "payment.upserted", topic: "billing.payments", firm: firm,
            data: [
                "firm_id": firm, "account_id": account, "account_name": name, "payment_id": payment, "date": "2026-11-02",
                "amount": "100.00", "currency": "USD", "method": "card", "processing_fee": "2.90", "applied_to": [], "revision": 1,
            ])
    }
}

/// Invoice and payment events with every field under the test's control.
extension TestEvents {
    struct Line {
        var service: String
        var description: String? = nil
        var quantity: String
        var rate: String
        var amount: String
    }

    static func invoice(
        firm: String, account: String, name: String, invoice: String, number: String, issueDate: String = "2026-11-01",
        dueDate: String? = "2026-12-01", currency: String = "USD", lines: [Line], revision: Int = 1,
        id: String = UUID().uuidString.lowercased()
    ) -> Message {
        var data: [String: Any] = [
            "firm_id": firm, "account_id": account, "account_name": name, "invoice_id": invoice, "number": number,
            "issue_date": issueDate, "currency": currency, "revision": revision,
            "lines": lines.map { line -> [String: Any] in
                var object: [String: Any] = [
                    "service_id": "svc-\(line.service.count)", "service_name": line.service,
                    "quantity": line.quantity, "rate": line.rate, "amount": line.amount,
                ]
                if let description = line.description { object["description"] = description }
                return object
            },
        ]
        if let dueDate { data["due_date"] = dueDate }
        let total = lines.compactMap { FixedDecimal($0.amount) }.reduce(FixedDecimal.zero, +)
        data["total"] = total.description
        return envelope(type: "invoice.upserted", topic: "billing.invoices", firm: firm, data: data, id: id)
    }

    static func invoiceRemoved(_ type: String, firm: String, account: String, invoice: String, revision: Int) -> Message {
        envelope(
            type: type, topic: "billing.invoices", firm: firm,
            data: ["firm_id": firm, "account_id": account, "invoice_id": invoice, "revision": revision])
    }

    static func payment(
        firm: String, account: String, name: String, payment: String, date: String = "2026-11-05", amount: String,
        method: String = "card", reference: String? = nil, fee: String? = nil, appliedTo: [(invoice: String, amount: String)] = [],
        sync: Bool? = nil, revision: Int = 1, id: String = UUID().uuidString.lowercased()
    ) -> Message {
        var data: [String: Any] = [
            "firm_id": firm, "account_id": account, "account_name": name, "payment_id": payment, "date": date, "amount": amount,
            "currency": "USD", "method": method, "revision": revision,
            "applied_to": appliedTo.map { ["invoice_id": $0.invoice, "amount": $0.amount] },
        ]
        if let reference { data["reference"] = reference }
        if let fee { data["processing_fee"] = fee }
        if let sync { data["sync"] = sync }
        return envelope(type: "payment.upserted", topic: "billing.payments", firm: firm, data: data, id: id)
    }

    static func paymentDeleted(firm: String, account: String, payment: String, revision: Int) -> Message {
        envelope(
            type: "payment.deleted", topic: "billing.payments", firm: firm,
            data: ["firm_id": firm, "account_id": account, "payment_id": payment, "revision": revision])
    }

    static func refund(
        firm: String, account: String, payment: String, refund: String, amount: String, date: String = "2026-11-20", revision: Int
    ) -> Message {
        envelope(
            type: "payment.refunded", topic: "billing.payments", firm: firm,
            data: [
                "firm_id": firm, "account_id": account, "payment_id": payment, "refund_id": refund, "amount": amount, "date": date,
                "revision": revision,
            ])
    }
}

/// "Sync Invoice/Payment to QuickBooks" and "Unsync Payment" from a document's column.
extension TestEvents {
    static func documentToggle(
        _ type: String, firm: String, account: String, document: String, role: String = "owner",
        id: String = UUID().uuidString.lowercased()
    ) -> Message {
        let isInvoice = type.hasPrefix("invoice.")
        return envelope(
            type: type, topic: isInvoice ? "billing.invoices" : "billing.payments", firm: firm,
            data: [
                "firm_id": firm, "account_id": account, isInvoice ? "invoice_id" : "payment_id": document,
                "actor": ["user_id": "user-\(role)", "role": role],
            ], id: id)
    }
}

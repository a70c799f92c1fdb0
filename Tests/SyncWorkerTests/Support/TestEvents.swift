import Foundation

/// Builds ingress messages exactly as the platform's producers send them (CloudEvents JSON).
enum TestEvents {
    struct Message: Sendable {
        var topic: String
        var key: String
        var value: [UInt8]
        var id: String
    }

    static func envelope(type: String, topic: String, firm: String, data: [String: Any], id: String = UUID().uuidString.lowercased()) -> Message {
        let object: [String: Any] = [
            "specversion": "1.0", "id": id, "source": "/tests", "type": type, "time": "2026-11-21T10:00:00Z",
            "datacontenttype": "application/json", "data": data,
        ]
        let bytes = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Message(topic: topic, key: firm, value: Array(bytes), id: id)
    }

    static func accountUpserted(firm: String, account: String, name: String) -> Message {
        envelope(type: "account.upserted", topic: "accounts.lifecycle", firm: firm,
                 data: ["firm_id": firm, "account_id": account, "account_name": name])
    }

    static func syncRequested(firm: String, account: String, name: String, role: String = "owner", mode: String = "auto", customerID: String? = nil, id: String = UUID().uuidString.lowercased()) -> Message {
        var link: [String: Any] = ["mode": mode]
        if let customerID { link["qbo_customer_id"] = customerID }
        return envelope(type: "account.sync_requested", topic: "accounts.quickbooks-sync", firm: firm,
                        data: ["firm_id": firm, "account_id": account, "account_name": name,
                               "actor": ["user_id": "user-\(role)", "role": role], "link": link], id: id)
    }

    static func unsyncRequested(firm: String, account: String, role: String = "owner") -> Message {
        envelope(type: "account.unsync_requested", topic: "accounts.quickbooks-sync", firm: firm,
                 data: ["firm_id": firm, "account_id": account, "actor": ["user_id": "user-\(role)", "role": role]])
    }

    static func invoiceUpserted(firm: String, account: String, name: String, invoice: String = UUID().uuidString, revision: Int = 1) -> Message {
        envelope(type: "invoice.upserted", topic: "billing.invoices", firm: firm, data: [
            "firm_id": firm, "account_id": account, "account_name": name, "invoice_id": invoice, "number": "INV-\(invoice.prefix(8))",
            "issue_date": "2026-11-01", "due_date": "2026-12-01", "currency": "USD",
            "lines": [["service_id": "svc-1", "service_name": "Bookkeeping", "description": "November", "quantity": 2, "rate": "225.00", "amount": "450.00"]],
            "total": "450.00", "revision": revision,
        ])
    }

    static func paymentUpserted(firm: String, account: String, name: String, payment: String = UUID().uuidString) -> Message {
        envelope(type: "payment.upserted", topic: "billing.payments", firm: firm, data: [
            "firm_id": firm, "account_id": account, "account_name": name, "payment_id": payment, "date": "2026-11-02",
            "amount": "100.00", "currency": "USD", "method": "card", "processing_fee": "2.90", "applied_to": [], "revision": 1,
        ])
    }
}

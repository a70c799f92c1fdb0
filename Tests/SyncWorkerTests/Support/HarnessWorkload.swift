import Foundation
import SyncCore

/// The fault harness's traffic, and what the end state must be.
///
/// Per account: its upsert, one to three invoices (some revised, some voided), sometimes a payment
/// of the first invoice (card with a fee, or promotional credit; sometimes refunded, sometimes
/// deleted), owner, admin and staff toggles, and now and then a redelivered copy.
struct Workload {
    struct Message {
        var firm: String
        var topic: String
        var key: String
        var value: [UInt8]
    }

    struct Invoice {
        var firm: String, account: String, id: String, number: String
        var total: FixedDecimal
        var lines: Int
        var voided = false
    }

    struct Payment {
        var firm: String, account: String, id: String
        var amount: FixedDecimal
        var promotional: Bool
        var invoice: String
        var applied: FixedDecimal
        var fee: FixedDecimal
        var refunds: [String: FixedDecimal] = [:]
        var deleted = false
    }

    var messages: [Message] = []
    var validIDs: Set<String> = []
    var badValues: Set<[UInt8]> = []
    var badCount: Int { badValues.count }
    /// Final status per `firm:account:id`: skipped when the last owner toggle was an unsync, else synced.
    var expectedStatus: [String: String] = [:]
    /// What was sent per account, for failure reports: "type id".
    var trace: [String: [String]] = [:]
    /// The newest state of every invoice and payment, by document id.
    var invoices: [String: Invoice] = [:]
    var payments: [String: Payment] = [:]

    static let rates = ["100.00", "45.50", "12.25", "225.00"]

    init(firms: [String], accountsPerFirm: Int, random: inout SplitMix64) {
        for (firmIndex, firm) in firms.enumerated() {
            for index in 1...accountsPerFirm {
                let account = "acct-\(index)"
                let name = ["O'Brien", "Zoë", "Smith \"Jr\"", "Back\\slash", "Łódź", "Plain"][index % 6] + " \(firm) #\(index)"
                var lastToggle = "sync"
                add(firm, TestEvents.accountUpserted(firm: firm, account: account, name: name))
                let invoiceIDs = (1...Int.random(in: 1...3, using: &random)).map { "inv-\(firmIndex + 1)-\(index)-\($0)" }
                for (k, id) in invoiceIDs.enumerated() {
                    addInvoice(
                        firm: firm, account: account, name: name, id: id, number: "N\(firmIndex + 1)-\(index)-\(k + 1)", revision: 1,
                        random: &random)
                }
                if Int.random(in: 0..<2, using: &random) == 0, let first = invoiceIDs.first, let number = invoices[first]?.number {
                    addInvoice(firm: firm, account: account, name: name, id: first, number: number, revision: 2, random: &random)
                }
                if Int.random(in: 0..<2, using: &random) == 0, let first = invoiceIDs.first {
                    addPayment(
                        firm: firm, account: account, name: name, id: "pay-\(firmIndex + 1)-\(index)", invoice: first, random: &random)
                }
                if invoiceIDs.count > 1, Int.random(in: 0..<5, using: &random) == 0 {
                    add(
                        firm, TestEvents.invoiceRemoved("invoice.voided", firm: firm, account: account, invoice: invoiceIDs[1], revision: 2)
                    )
                    invoices[invoiceIDs[1]]?.voided = true
                }
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0:
                        add(firm, TestEvents.unsyncRequested(firm: firm, account: account, role: "owner"))
                        lastToggle = "unsync"
                    case 1:
                        add(firm, TestEvents.syncRequested(firm: firm, account: account, name: name, role: "admin", mode: "auto"))
                        lastToggle = "sync"
                    default: add(firm, TestEvents.unsyncRequested(firm: firm, account: account, role: "staff"))
                    }
                }
                // A redelivered copy of an earlier event: must change nothing.
                if Int.random(in: 0..<4, using: &random) == 0, let copy = messages.last(where: { $0.firm == firm }) {
                    messages.append(copy)
                    trace["\(firm):account:\(account)", default: []].append("(the last one again)")
                }
                expectedStatus["\(firm):account:\(account)"] = lastToggle == "unsync" ? "skipped" : "synced"
            }
            let bad = Array("{\"specversion\":\"1.0\",\"broken\":\(firm.count)".utf8) + Array(firm.utf8)
            messages.append(Message(firm: firm, topic: "billing.invoices", key: firm, value: bad))
            badValues.insert(bad)
        }
    }

    private mutating func addInvoice(
        firm: String, account: String, name: String, id: String, number: String, revision: Int, random: inout SplitMix64
    ) {
        let lines = (0..<Int.random(in: 1...3, using: &random)).map { _ in
            let quantity = Int.random(in: 1...4, using: &random)
            let rate = Self.rates[Int.random(in: 0..<Self.rates.count, using: &random)]
            let amount = FixedDecimal(micros: (FixedDecimal(rate)?.micros ?? 0) * Int64(quantity))
            return TestEvents.Line(
                service: ["Bookkeeping", "Payroll", "Tax prep: \"federal\"", "Advisory — Łódź"][quantity - 1],
                quantity: String(quantity), rate: rate, amount: amount.description)
        }
        add(
            firm,
            TestEvents.invoice(firm: firm, account: account, name: name, invoice: id, number: number, lines: lines, revision: revision))
        let total = lines.compactMap { FixedDecimal($0.amount) }.reduce(FixedDecimal.zero, +)
        invoices[id] = Invoice(firm: firm, account: account, id: id, number: number, total: total, lines: lines.count)
    }

    private mutating func addPayment(firm: String, account: String, name: String, id: String, invoice: String, random: inout SplitMix64) {
        // Less than any invoice's smallest total (12.25), so a later revision never drops below it.
        let applied = FixedDecimal("10.00") ?? .zero
        let promotional = Int.random(in: 0..<5, using: &random) == 0
        let amount = applied + FixedDecimal(micros: Int64(Int.random(in: 0...2, using: &random)) * 5_000_000)
        let fee = !promotional && Int.random(in: 0..<2, using: &random) == 0 ? (FixedDecimal("1.23") ?? .zero) : .zero
        add(
            firm,
            TestEvents.payment(
                firm: firm, account: account, name: name, payment: id, amount: amount.description,
                method: promotional ? "promotional_credit" : "card", reference: "ch_\(id)'x",
                fee: fee > .zero ? fee.description : nil, appliedTo: [(invoice, applied.description)]))
        var payment = Payment(
            firm: firm, account: account, id: id, amount: amount, promotional: promotional, invoice: invoice, applied: applied, fee: fee)
        if !promotional, Int.random(in: 0..<4, using: &random) == 0 {
            add(firm, TestEvents.refund(firm: firm, account: account, payment: id, refund: "re-\(id)", amount: "5.00", revision: 2))
            payment.refunds["re-\(id)"] = FixedDecimal("5.00")
        }
        if Int.random(in: 0..<5, using: &random) == 0 {
            add(firm, TestEvents.paymentDeleted(firm: firm, account: account, payment: id, revision: 3))
            payment.deleted = true
        }
        payments[id] = payment
    }

    private mutating func add(_ firm: String, _ message: TestEvents.Message) {
        messages.append(Message(firm: firm, topic: message.topic, key: message.key, value: message.value))
        validIDs.insert(message.id)
        if let json = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any],
            let data = json["data"] as? [String: Any], let account = data["account_id"] as? String
        {
            let role = (data["actor"] as? [String: Any])?["role"] as? String
            trace["\(firm):account:\(account)", default: []].append("\(json["type"] ?? "?")\(role.map { "(\($0))" } ?? "") \(message.id)")
        }
    }
}

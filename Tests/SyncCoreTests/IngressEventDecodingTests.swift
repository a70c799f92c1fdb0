import SyncCore
import Testing

private func envelope(type: String, data: String, id: String = "0b6f9c1e-1c1a-4f7e-9d39-2a4c1b0e9d11") -> [UInt8] {
    Array(
        """
        {"specversion":"1.0","id":"\(id)","source":"billing","type":"\(type)","time":"2026-11-21T10:00:00Z","datacontenttype":"application/json","data":\(data)}
        """.utf8)
}

private let invoiceData = """
    {"firm_id":"f1","account_id":"a1","account_name":"Jane O'Neil","invoice_id":"i1","number":"INV-1","issue_date":"2026-11-01","due_date":"2026-12-01","currency":"USD","lines":[{"service_id":"s1","service_name":"Bookkeeping","description":"Nov","quantity":2,"rate":"225.00","amount":"450.00"}],"total":"450.00","revision":3}
    """

private func paymentData(amount: String = "100.00", applied: String = "[]") -> String {
    #"{"firm_id":"f1","account_id":"a1","account_name":"A","payment_id":"p1","date":"2026-11-02","amount":"\#(amount)","currency":"USD","method":"card","applied_to":\#(applied),"revision":1}"#
}

/// Decodes as the worker does; the fixture is recorded as a contract sample (ContractSamples).
private func decodeRecorded(value: [UInt8], key: [UInt8]) throws(EventRejection) -> IngressEvent {
    ContractSamples.ingress(key: key, value: value)
    return try IngressEvent.decode(value: value, key: key)
}

private func rejection(_ value: [UInt8]?, key: String? = "f1", recorded: Bool = true) -> EventRejection? {
    if recorded { ContractSamples.ingress(key: key.map { Array($0.utf8) }, value: value) }
    do {
        _ = try IngressEvent.decode(value: value, key: key.map { Array($0.utf8) })
        return nil
    } catch {
        return error
    }
}

@Suite("Ingress events")
struct IngressEventDecodingTests {
    @Test("invoice and payment sync toggles decode with their actor; one without an actor is refused")
    func documentToggles() throws {
        let invoice = try decodeRecorded(
            value: envelope(
                type: "invoice.sync_requested",
                data: #"{"firm_id":"f1","account_id":"a1","invoice_id":"i1","actor":{"user_id":"u1","role":"owner"}}"#),
            key: Array("f1".utf8))
        #expect(
            invoice.payload
                == .invoiceSyncRequested(
                    DocumentToggleRequested(firmID: "f1", accountID: "a1", documentID: "i1", actor: Actor(userID: "u1", role: "owner"))))
        let unsync = try decodeRecorded(
            value: envelope(
                type: "payment.unsync_requested",
                data: #"{"firm_id":"f1","account_id":"a1","payment_id":"p1","actor":{"user_id":"u2","role":"admin"}}"#),
            key: Array("f1".utf8))
        #expect(
            unsync.payload
                == .paymentUnsyncRequested(
                    DocumentToggleRequested(firmID: "f1", accountID: "a1", documentID: "p1", actor: Actor(userID: "u2", role: "admin"))))
        let sync = try decodeRecorded(
            value: envelope(
                type: "payment.sync_requested",
                data: #"{"firm_id":"f1","account_id":"a1","payment_id":"p1","actor":{"user_id":"u2","role":"admin"}}"#),
            key: Array("f1".utf8))
        #expect(sync.accountID == "a1")
        #expect(
            rejection(envelope(type: "payment.sync_requested", data: #"{"firm_id":"f1","account_id":"a1","payment_id":"p1"}"#))?.reason
                == .missingField)
        #expect(
            rejection(
                envelope(
                    type: "invoice.sync_requested", data: #"{"firm_id":"f1","account_id":"a1","actor":{"user_id":"u1","role":"owner"}}"#))?
                .reason == .missingField)
    }

    @Test("an invoice event decodes with exact money and dates")
    func invoice() throws {
        let event = try decodeRecorded(value: envelope(type: "invoice.upserted", data: invoiceData), key: Array("f1".utf8))
        guard case .invoiceUpserted(let invoice) = event.payload else {
            Issue.record("wrong payload \(event.payload)")
            return
        }
        #expect(invoice.accountName == "Jane O'Neil")
        #expect(invoice.total == FixedDecimal("450")!)
        #expect(invoice.lines.first?.quantity == FixedDecimal("2"))
        #expect(invoice.issueDate.description == "2026-11-01")
        #expect(invoice.revision == 3)
        #expect(event.firmID == "f1" && event.accountID == "a1")
    }

    @Test("a sync request decodes its actor and link mode")
    func syncRequest() throws {
        let data =
            #"{"firm_id":"f1","account_id":"a1","account_name":"Acme","actor":{"user_id":"u1","role":"owner"},"link":{"mode":"existing","qbo_customer_id":"58"}}"#
        let event = try decodeRecorded(value: envelope(type: "account.sync_requested", data: data), key: Array("f1".utf8))
        #expect(
            event.payload
                == .accountSyncRequested(
                    AccountSyncRequested(
                        firmID: "f1", accountID: "a1", accountName: "Acme", actor: Actor(userID: "u1", role: "owner"),
                        link: .existing(customerID: "58"))))
    }

    @Test("names keep quotes, backslashes, emoji and non-ASCII letters verbatim")
    func unusualNames() throws {
        let data = #"{"firm_id":"f1","account_id":"a1","account_name":"Zoë \"Ziggy\" O'Brien \\ 🍕 Łódź"}"#
        let event = try decodeRecorded(value: envelope(type: "account.upserted", data: data), key: Array("f1".utf8))
        #expect(event.accountName == "Zoë \"Ziggy\" O'Brien \\ 🍕 Łódź")
    }

    @Test(
        "bad messages are rejected with a reason and a message naming the field",
        arguments: [
            (Array("not json".utf8), EventRejection.Reason.notJSON, "JSON"),
            ([0xFF, 0xFE, 0x7B], .notJSON, "UTF-8"),
            ([], .notJSON, "no value"),
            (Array(#"{"id":"x","source":"s","type":"account.upserted","data":{}}"#.utf8), .invalidEnvelope, "specversion"),
            (Array(#"[1,2]"#.utf8), .invalidEnvelope, "JSON object"),
            (envelope(type: "invoice.exploded", data: "{}"), .unknownType, "invoice.exploded"),
            (envelope(type: "account.upserted", data: #"{"firm_id":"f1","account_id":"a1"}"#), .missingField, "data.account_name"),
            (
                envelope(type: "account.upserted", data: #"{"firm_id":"f1","account_id":"a1","account_name":"  "}"#), .invalidField,
                "data.account_name"
            ),
            (
                envelope(
                    type: "invoice.upserted", data: invoiceData.replacingOccurrences(of: #""total":"450.00""#, with: #""total":450.00"#)),
                .invalidField, "decimal string"
            ),
            (
                envelope(type: "invoice.upserted", data: invoiceData.replacingOccurrences(of: "2026-11-01", with: "2026-02-30")),
                .invalidField, "data.issue_date"
            ),
            (
                envelope(
                    type: "invoice.upserted", data: invoiceData.replacingOccurrences(of: #""amount":"450.00""#, with: #""amount":"4.5.0""#)),
                .invalidField, "data.lines[0].amount"
            ),
            (
                envelope(type: "invoice.upserted", data: invoiceData.replacingOccurrences(of: #""revision":3"#, with: #""revision":-1"#)),
                .invalidField, "data.revision"
            ),
            (envelope(type: "invoice.upserted", data: invoiceData.replacingOccurrences(of: "USD", with: "usd")), .invalidField, "ISO 4217"),
            (
                envelope(
                    type: "payment.upserted",
                    data:
                        #"{"firm_id":"f1","account_id":"a1","account_name":"A","payment_id":"p1","date":"2026-11-02","amount":"10.00","currency":"USD","method":"bitcoin","revision":1}"#
                ), .invalidField, "data.method"
            ),
            (
                envelope(
                    type: "account.sync_requested",
                    data:
                        #"{"firm_id":"f1","account_id":"a1","account_name":"A","actor":{"user_id":"u","role":"owner"},"link":{"mode":"existing"}}"#
                ), .missingField, "qbo_customer_id"
            ),
            (envelope(type: "account.upserted", data: #"{"firm_id":"f2","account_id":"a1","account_name":"A"}"#), .keyMismatch, "f2"),
            (
                envelope(type: "account.upserted", data: #"{"firm_id":"f1","account_id":"a\u0000b","account_name":"A"}"#), .invalidField,
                "control"
            ),
            (
                envelope(
                    type: "invoice.upserted", data: invoiceData.replacingOccurrences(of: #""total":"450.00""#, with: #""total":"500.00""#)),
                .invalidField, "add up to 450.00"
            ),
            (
                envelope(type: "invoice.upserted", data: invoiceData.replacingOccurrences(of: "2026-12-01", with: "2026-10-01")),
                .invalidField, "data.due_date"
            ),
            (
                envelope(
                    type: "payment.upserted",
                    data: paymentData(applied: #"[{"invoice_id":"i1","amount":"60.00"},{"invoice_id":"i2","amount":"50.00"}]"#)),
                .invalidField, "more than the payment's amount"
            ),
            (
                envelope(type: "payment.upserted", data: paymentData(applied: #"[{"invoice_id":"i1","amount":"0.00"}]"#)), .invalidField,
                "applied_to[0].amount"
            ),
            (
                envelope(
                    type: "payment.upserted",
                    data: paymentData(applied: #"[{"invoice_id":"i1","amount":"5.00"},{"invoice_id":"i1","amount":"5.00"}]"#)),
                .invalidField, "same invoice"
            ),
            (envelope(type: "payment.upserted", data: paymentData(amount: "-10.00")), .invalidField, "negative"),
            (
                envelope(
                    type: "payment.refunded",
                    data:
                        #"{"firm_id":"f1","account_id":"a1","payment_id":"p1","refund_id":"r1","amount":"0","date":"2026-11-03","revision":2}"#
                ), .invalidField, "above zero"
            ),
            // Money with more decimals than its currency has would reach QuickBooks rounded.
            (envelope(type: "payment.upserted", data: paymentData(amount: "0.001")), .invalidField, "USD amounts have at most 2 decimals"),
            (envelope(type: "payment.upserted", data: paymentData(amount: "99.999")), .invalidField, "data.amount is 99.999"),
            (
                envelope(
                    type: "invoice.upserted",
                    data: invoiceData.replacingOccurrences(of: #""amount":"450.00""#, with: #""amount":"449.995""#).replacingOccurrences(
                        of: #""total":"450.00""#, with: #""total":"449.995""#)), .invalidField, "data.lines[0].amount is 449.995"
            ),
            (
                envelope(
                    type: "invoice.upserted",
                    data: invoiceData.replacingOccurrences(of: "USD", with: "JPY").replacingOccurrences(of: "450.00", with: "450.50")),
                .invalidField, "JPY amounts have at most 0 decimals"
            ),
            (
                envelope(
                    type: "payment.refunded",
                    data:
                        #"{"firm_id":"f1","account_id":"a1","payment_id":"p1","refund_id":"r1","amount":"1.0001","date":"2026-11-03","revision":2}"#
                ), .invalidField, "more decimals than any currency"
            ),
            // A key twice in one object: the event would mean two things.
            (
                envelope(
                    type: "payment.upserted",
                    data: paymentData().replacingOccurrences(of: #""amount":"100.00""#, with: #""amount":"1.00","amount":"900.00""#)),
                .invalidEnvelope, "'data.amount' appears twice"
            ),
            (
                envelope(type: "account.upserted", data: #"{"firm_id":"f1","account_id":"a1","account_name":"A","\u0061ccount_id":"a2"}"#),
                .invalidEnvelope, "'data.account_id' appears twice"
            ),
        ] as [([UInt8], EventRejection.Reason, String)])
    func rejected(value: [UInt8], reason: EventRejection.Reason, mentions: String) {
        let rejection = rejection(value)
        #expect(rejection?.reason == reason)
        #expect(rejection?.message.contains(mentions) == true, "\(String(describing: rejection))")
    }

    @Test("a payment decodes what it pays, its fee and its sync flag; a refund its amount and date")
    func paymentAndRefund() throws {
        let data =
            #"{"firm_id":"f1","account_id":"a1","account_name":"A","payment_id":"p1","date":"2026-11-02","amount":"100.00","currency":"USD","method":"promotional_credit","reference":"ch_1","processing_fee":"2.90","applied_to":[{"invoice_id":"i1","amount":"60.00"}],"sync":false,"revision":4}"#
        let event = try decodeRecorded(value: envelope(type: "payment.upserted", data: data), key: Array("f1".utf8))
        guard case .paymentUpserted(let payment) = event.payload else {
            Issue.record("wrong payload \(event.payload)")
            return
        }
        #expect(payment.method == .promotionalCredit)
        #expect(payment.processingFee == FixedDecimal("2.90"))
        #expect(payment.appliedTo == [PaymentUpserted.Application(invoiceID: "i1", amount: FixedDecimal("60")!)])
        #expect(payment.sync == false)
        let refund = try decodeRecorded(
            value: envelope(
                type: "payment.refunded",
                data:
                    #"{"firm_id":"f1","account_id":"a1","payment_id":"p1","refund_id":"r1","amount":"25.00","date":"2026-11-03","revision":5}"#
            ), key: Array("f1".utf8))
        #expect(
            refund.payload
                == .paymentRefunded(
                    PaymentRefunded(
                        firmID: "f1", accountID: "a1", paymentID: "p1", refundID: "r1", amount: FixedDecimal("25")!,
                        date: CalendarDate("2026-11-03")!, revision: 5)))
    }

    @Test("ids, names and free text at their limits are accepted; one character more is refused")
    func fieldLimits() throws {
        let id = String(repeating: "i", count: 128)
        let name = String(repeating: "ä", count: 500)
        let text = String(repeating: "r", count: 4000)
        _ = try decodeRecorded(
            value: envelope(type: "account.upserted", data: #"{"firm_id":"f1","account_id":"\#(id)","account_name":"\#(name)"}"#),
            key: Array("f1".utf8))
        #expect(
            rejection(envelope(type: "account.upserted", data: #"{"firm_id":"f1","account_id":"\#(id)i","account_name":"A"}"#))?.message
                .contains("longer than 128") == true)
        #expect(
            rejection(envelope(type: "account.upserted", data: #"{"firm_id":"f1","account_id":"a1","account_name":"\#(name)ä"}"#))?.message
                .contains("longer than 500") == true)
        let referenced = { (reference: String) in
            paymentData().replacingOccurrences(of: #""method":"card""#, with: #""method":"card","reference":"\#(reference)""#)
        }
        _ = try decodeRecorded(value: envelope(type: "payment.upserted", data: referenced(text)), key: Array("f1".utf8))
        #expect(rejection(envelope(type: "payment.upserted", data: referenced(text + "r")))?.message.contains("longer than 4000") == true)
    }

    @Test("a message without a Kafka key is refused as key_mismatch: it landed on an arbitrary partition")
    func missingKey() {
        let rejection = rejection(envelope(type: "invoice.upserted", data: invoiceData), key: nil)
        #expect(rejection?.reason == .keyMismatch)
        #expect(rejection?.message.contains("no Kafka key") == true)
    }

    @Test("amounts that fit their currency are accepted, in every currency's own minor unit")
    func exactMoney() throws {
        for (currency, amount) in [("USD", "99.99"), ("JPY", "1500"), ("KWD", "12.345"), ("EUR", "0.10")] {
            let data = paymentData(amount: amount).replacingOccurrences(of: "USD", with: currency)
            let event = try decodeRecorded(value: envelope(type: "payment.upserted", data: data), key: Array("f1".utf8))
            guard case .paymentUpserted(let payment) = event.payload else {
                Issue.record("wrong payload")
                continue
            }
            #expect(payment.amount == FixedDecimal(amount))
        }
        // The same key in different objects is no duplicate.
        let lines = invoiceData.replacingOccurrences(
            of: "}],", with: #"},{"service_id":"s2","service_name":"Tax","quantity":"1","rate":"0.00","amount":"0.00"}],"#)
        _ = try decodeRecorded(value: envelope(type: "invoice.upserted", data: lines), key: Array("f1".utf8))
    }

    @Test("the duplicate-key scan gives up quietly on anything that is not JSON")
    func duplicateScanSurvivesGarbage() {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]\":,\\ab1".utf8)
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0..<40, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            _ = rejection(bytes, recorded: false)
        }
    }

    @Test("an oversized message is rejected before it is parsed")
    func tooLarge() {
        var limits = EventLimits()
        limits.maxMessageBytes = 64
        let value = envelope(type: "invoice.upserted", data: invoiceData)
        #expect(throws: EventRejection(.tooLarge, "the message is \(value.count) bytes; the limit is 64")) {
            try IngressEvent.decode(value: value, key: Array("f1".utf8), limits: limits)
        }
    }

    @Test("an invoice with more lines than the limit is rejected")
    func tooManyLines() {
        var limits = EventLimits()
        limits.maxLines = 1
        let twoLines = invoiceData.replacingOccurrences(
            of: "}],", with: #"},{"service_id":"s2","service_name":"Tax","quantity":"1","rate":"1.00","amount":"1.00"}],"#)
        #expect(throws: EventRejection.self) {
            try IngressEvent.decode(value: envelope(type: "invoice.upserted", data: twoLines), key: Array("f1".utf8), limits: limits)
        }
    }
}

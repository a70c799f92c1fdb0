import Foundation

extension IngressEvent {
    /// Decodes and validates one Kafka message value.
    ///
    /// - Parameters:
    ///   - value: the message value (a structured-mode CloudEvents 1.0 JSON envelope).
    ///   - key: the Kafka key; it must equal `data.firm_id`, since per-firm ordering and realm
    ///     ownership rely on it (a message without a key lands on an arbitrary partition).
    /// - Throws: ``EventRejection`` saying exactly what is wrong; such messages are dead-lettered.
    public static func decode(value: [UInt8]?, key: [UInt8]?, limits: EventLimits = .default) throws(EventRejection) -> IngressEvent {
        let event = try decodeEnvelope(value, limits: limits)
        if let value, let duplicate = DuplicateKeyScan.firstDuplicate(in: value) {
            throw EventRejection(
                .invalidEnvelope, "the key '\(duplicate.prefix(200))' appears twice in one JSON object; an event must say one thing")
        }
        guard let key else {
            throw EventRejection(.keyMismatch, "the message has no Kafka key; it must be the firm_id '\(event.firmID)'")
        }
        guard let keyText = String(validating: key, as: UTF8.self), keyText == event.firmID else {
            throw EventRejection(
                .keyMismatch,
                "the Kafka key must be the firm_id '\(event.firmID)'; got '\(String(decoding: key.prefix(64), as: UTF8.self))'")
        }
        return event
    }

    /// Decodes a message value that was accepted at intake and stored (its key was checked then).
    public static func decodeStored(_ value: [UInt8], limits: EventLimits) throws(EventRejection) -> IngressEvent {
        try decodeEnvelope(value, limits: limits)
    }

    private static func decodeEnvelope(_ value: [UInt8]?, limits: EventLimits) throws(EventRejection) -> IngressEvent {
        guard let value, !value.isEmpty else {
            throw EventRejection(.notJSON, "the message has no value")
        }
        guard value.count <= limits.maxMessageBytes else {
            throw EventRejection(.tooLarge, "the message is \(value.count) bytes; the limit is \(limits.maxMessageBytes)")
        }
        let decoder = JSONDecoder()
        decoder.userInfo[limitsKey] = limits
        let event: IngressEvent
        do {
            event = try decoder.decode(Envelope.self, from: Data(value)).event
        } catch let rejection as EventRejection {
            throw rejection
        } catch {
            throw EventRejection(.notJSON, "the message value is not valid UTF-8 JSON")
        }
        return event
    }

    static let limitsKey = CodingUserInfoKey(rawValue: "qbsync.eventLimits")!
}

/// The CloudEvents envelope; `data` is read according to `type`.
private struct Envelope: Decodable {
    let event: IngressEvent

    init(from decoder: any Decoder) throws {
        let limits = decoder.userInfo[IngressEvent.limitsKey] as? EventLimits ?? .default
        let envelope = try FieldReader(decoder: decoder, path: "", limits: limits)
        func required(_ key: String) throws -> String {
            do { return try envelope.string(key, maxLength: limits.maxIDLength) } catch let rejection as EventRejection {
                throw EventRejection(.invalidEnvelope, rejection.message)
            }
        }
        let specVersion = try required("specversion")
        guard specVersion == "1.0" else {
            throw EventRejection(.invalidEnvelope, "specversion must be \"1.0\", got '\(specVersion)'")
        }
        let id = try required("id")
        let source = try envelope.string("source", maxLength: limits.maxTextLength)
        let type = try required("type")
        let time = try envelope.optionalString("time", maxLength: 64)
        let subject = try envelope.optionalString("subject", maxLength: limits.maxTextLength)
        if let contentType = try envelope.optionalString("datacontenttype", maxLength: 128),
            !contentType.hasPrefix("application/json")
        {
            throw EventRejection(.invalidEnvelope, "datacontenttype must be application/json, got '\(contentType)'")
        }
        guard IngressEvent.knownTypes.contains(type) else {
            throw EventRejection(
                .unknownType, "unknown event type '\(type)'; known types: \(IngressEvent.knownTypes.joined(separator: ", "))")
        }
        let data = try envelope.object("data")
        var decoded = IngressEvent(
            id: id, source: source, type: type, time: time, subject: subject, payload: try Self.payload(type: type, data))
        // The CloudEvents distributed-tracing extension. Tracing never refuses an event: a value
        // that is not a plausible W3C header is ignored (the tracer ignores a malformed one too).
        decoded.traceParent = (try? envelope.optionalString("traceparent", maxLength: 128)).flatMap { $0 }
        decoded.traceState = (try? envelope.optionalString("tracestate", maxLength: 512)).flatMap { $0 }
        event = decoded
    }

    private static func payload(type: String, _ d: FieldReader) throws -> IngressEvent.Payload {
        switch type {
        case "account.upserted":
            return .accountUpserted(
                AccountUpserted(firmID: try d.id("firm_id"), accountID: try d.id("account_id"), accountName: try d.name("account_name")))
        case "account.sync_requested":
            let link = try d.object("link")
            let modeName = try link.string("mode", maxLength: 16)
            let customerID = try link.optionalString("qbo_customer_id", maxLength: d.limits.maxIDLength)
            guard let mode = LinkMode(name: modeName, customerID: customerID) else {
                throw modeName == "existing"
                    ? EventRejection(.missingField, "data.link.qbo_customer_id is required when mode is \"existing\"")
                    : EventRejection(.invalidField, "data.link.mode must be auto, existing or create, got '\(modeName)'")
            }
            return .accountSyncRequested(
                AccountSyncRequested(
                    firmID: try d.id("firm_id"), accountID: try d.id("account_id"), accountName: try d.name("account_name"),
                    actor: try actor(d), link: mode))
        case "account.unsync_requested":
            return .accountUnsyncRequested(
                AccountUnsyncRequested(firmID: try d.id("firm_id"), accountID: try d.id("account_id"), actor: try actor(d)))
        case "invoice.upserted":
            let lines = try d.objects("lines", allowEmpty: false).map { line in
                InvoiceUpserted.Line(
                    serviceID: try line.id("service_id"), serviceName: try line.name("service_name"),
                    description: try line.text("description"), quantity: try line.decimal("quantity"),
                    rate: try line.money("rate"), amount: try line.money("amount"))
            }
            let invoice = InvoiceUpserted(
                firmID: try d.id("firm_id"), accountID: try d.id("account_id"), accountName: try d.name("account_name"),
                invoiceID: try d.id("invoice_id"), number: try d.string("number", maxLength: d.limits.maxIDLength),
                issueDate: try d.date("issue_date"), dueDate: try d.optionalDate("due_date"), currency: try d.currency("currency"),
                lines: lines, total: try d.money("total"), revision: try d.revision())
            for (index, line) in lines.enumerated() {
                try d.check(line.amount, fits: invoice.currency, field: "lines[\(index)].amount")
            }
            try d.check(invoice.total, fits: invoice.currency, field: "total")
            let sum = lines.reduce(FixedDecimal.zero) { $0 + $1.amount }
            guard sum == invoice.total else {
                throw EventRejection(.invalidField, "data.total is \(invoice.total) but the line amounts add up to \(sum)")
            }
            guard !invoice.total.isNegative else {
                throw EventRejection(.invalidField, "data.total must not be negative, got \(invoice.total)")
            }
            if let due = invoice.dueDate, due < invoice.issueDate {
                throw EventRejection(.invalidField, "data.due_date \(due) is before data.issue_date \(invoice.issueDate)")
            }
            return .invoiceUpserted(invoice)
        case "invoice.voided", "invoice.deleted":
            let removed = InvoiceRemoved(
                firmID: try d.id("firm_id"), accountID: try d.id("account_id"), invoiceID: try d.id("invoice_id"),
                revision: try d.revision())
            return type == "invoice.voided" ? .invoiceVoided(removed) : .invoiceDeleted(removed)
        case "payment.upserted":
            let methodName = try d.string("method", maxLength: 32)
            guard let method = PaymentMethod(rawValue: methodName) else {
                throw EventRejection(
                    .invalidField,
                    "data.method must be one of \(PaymentMethod.allCases.map(\.rawValue).joined(separator: ", ")), got '\(methodName)'")
            }
            let applied = try d.objects("applied_to", allowEmpty: true).map { entry in
                PaymentUpserted.Application(invoiceID: try entry.id("invoice_id"), amount: try entry.money("amount"))
            }
            let payment = PaymentUpserted(
                firmID: try d.id("firm_id"), accountID: try d.id("account_id"), accountName: try d.name("account_name"),
                paymentID: try d.id("payment_id"), date: try d.date("date"), amount: try d.money("amount"),
                currency: try d.currency("currency"), method: method, reference: try d.text("reference"),
                processingFee: try d.optionalMoney("processing_fee") ?? .zero, appliedTo: applied,
                sync: try d.optionalBool("sync"), revision: try d.revision())
            try d.check(payment.amount, fits: payment.currency, field: "amount")
            try d.check(payment.processingFee, fits: payment.currency, field: "processing_fee")
            for (index, application) in applied.enumerated() {
                try d.check(application.amount, fits: payment.currency, field: "applied_to[\(index)].amount")
            }
            guard !payment.amount.isNegative, !payment.processingFee.isNegative else {
                throw EventRejection(.invalidField, "data.amount and data.processing_fee must not be negative")
            }
            if let index = applied.firstIndex(where: { $0.amount <= .zero }) {
                throw EventRejection(.invalidField, "data.applied_to[\(index)].amount must be above zero")
            }
            let appliedSum = applied.reduce(FixedDecimal.zero) { $0 + $1.amount }
            guard appliedSum <= payment.amount else {
                throw EventRejection(
                    .invalidField, "data.applied_to adds up to \(appliedSum), more than the payment's amount \(payment.amount)")
            }
            guard Set(applied.map(\.invoiceID)).count == applied.count else {
                throw EventRejection(.invalidField, "data.applied_to names the same invoice more than once")
            }
            return .paymentUpserted(payment)
        case "payment.deleted":
            return .paymentDeleted(
                PaymentDeleted(
                    firmID: try d.id("firm_id"), accountID: try d.id("account_id"), paymentID: try d.id("payment_id"),
                    revision: try d.revision()))
        case "payment.refunded":
            let refund = PaymentRefunded(
                firmID: try d.id("firm_id"), accountID: try d.id("account_id"), paymentID: try d.id("payment_id"),
                refundID: try d.id("refund_id"), amount: try d.money("amount"), date: try d.date("date"), revision: try d.revision())
            // A refund names no currency of its own: it is held to the most decimals any currency
            // has here, and to its payment's currency when the refund is written.
            guard refund.amount.fits(decimals: CurrencyMinorUnits.most) else {
                throw EventRejection(.invalidField, "data.amount \(refund.amount) has more decimals than any currency allows")
            }
            guard refund.amount > .zero else {
                throw EventRejection(.invalidField, "data.amount of a refund must be above zero, got \(refund.amount)")
            }
            return .paymentRefunded(refund)
        case "invoice.sync_requested":
            return .invoiceSyncRequested(
                DocumentToggleRequested(
                    firmID: try d.id("firm_id"), accountID: try d.id("account_id"), documentID: try d.id("invoice_id"), actor: try actor(d))
            )
        case "payment.sync_requested", "payment.unsync_requested":
            let toggle = DocumentToggleRequested(
                firmID: try d.id("firm_id"), accountID: try d.id("account_id"), documentID: try d.id("payment_id"), actor: try actor(d))
            return type == "payment.sync_requested" ? .paymentSyncRequested(toggle) : .paymentUnsyncRequested(toggle)
        default:
            throw EventRejection(.unknownType, "unknown event type '\(type)'")
        }
    }

    private static func actor(_ d: FieldReader) throws -> Actor {
        let actor = try d.object("actor")
        return Actor(userID: try actor.id("user_id"), role: try actor.string("role", maxLength: 64))
    }
}

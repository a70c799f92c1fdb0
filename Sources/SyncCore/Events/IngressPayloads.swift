/// `account.upserted`: a new account or a rename.
public struct AccountUpserted: Sendable, Hashable {
    public var firmID: String
    public var accountID: String
    public var accountName: String
    public init(firmID: String, accountID: String, accountName: String) {
        self.firmID = firmID
        self.accountID = accountID
        self.accountName = accountName
    }
}

/// `account.sync_requested`: "Sync Account to QuickBooks".
public struct AccountSyncRequested: Sendable, Hashable {
    public var firmID: String
    public var accountID: String
    public var accountName: String
    public var actor: Actor
    public var link: LinkMode
    public init(firmID: String, accountID: String, accountName: String, actor: Actor, link: LinkMode) {
        self.firmID = firmID
        self.accountID = accountID
        self.accountName = accountName
        self.actor = actor
        self.link = link
    }
}

/// `account.unsync_requested`: "Do not sync this account / Unsync".
public struct AccountUnsyncRequested: Sendable, Hashable {
    public var firmID: String
    public var accountID: String
    public var actor: Actor
    public init(firmID: String, accountID: String, actor: Actor) {
        self.firmID = firmID
        self.accountID = accountID
        self.actor = actor
    }
}

/// `invoice.upserted`.
public struct InvoiceUpserted: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        public var serviceID: String
        public var serviceName: String
        public var description: String?
        public var quantity: FixedDecimal
        public var rate: FixedDecimal
        public var amount: FixedDecimal

        public init(
            serviceID: String, serviceName: String, description: String?, quantity: FixedDecimal, rate: FixedDecimal, amount: FixedDecimal
        ) {
            self.serviceID = serviceID
            self.serviceName = serviceName
            self.description = description
            self.quantity = quantity
            self.rate = rate
            self.amount = amount
        }
    }

    public var firmID: String
    public var accountID: String
    public var accountName: String
    public var invoiceID: String
    public var number: String
    public var issueDate: CalendarDate
    public var dueDate: CalendarDate?
    public var currency: String
    public var lines: [Line]
    public var total: FixedDecimal
    public var revision: Int64

    public init(
        firmID: String, accountID: String, accountName: String, invoiceID: String, number: String, issueDate: CalendarDate,
        dueDate: CalendarDate?, currency: String, lines: [Line], total: FixedDecimal, revision: Int64
    ) {
        self.firmID = firmID
        self.accountID = accountID
        self.accountName = accountName
        self.invoiceID = invoiceID
        self.number = number
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.currency = currency
        self.lines = lines
        self.total = total
        self.revision = revision
    }
}

/// `invoice.voided` and `invoice.deleted`.
public struct InvoiceRemoved: Sendable, Hashable {
    public var firmID: String
    public var accountID: String
    public var invoiceID: String
    public var revision: Int64
    public init(firmID: String, accountID: String, invoiceID: String, revision: Int64) {
        self.firmID = firmID
        self.accountID = accountID
        self.invoiceID = invoiceID
        self.revision = revision
    }
}

/// How a payment was made; promotional credit becomes a CreditMemo in QuickBooks.
public enum PaymentMethod: String, Sendable, Hashable, CaseIterable {
    case card, cash, check, ach
    case promotionalCredit = "promotional_credit"
}

/// `payment.upserted`.
public struct PaymentUpserted: Sendable, Hashable {
    public struct Application: Sendable, Hashable {
        public var invoiceID: String
        public var amount: FixedDecimal

        public init(invoiceID: String, amount: FixedDecimal) {
            self.invoiceID = invoiceID
            self.amount = amount
        }
    }

    public var firmID: String
    public var accountID: String
    public var accountName: String
    public var paymentID: String
    public var date: CalendarDate
    public var amount: FixedDecimal
    public var currency: String
    public var method: PaymentMethod
    public var reference: String?
    public var processingFee: FixedDecimal
    public var appliedTo: [Application]
    /// The per-payment checkbox; nil means "use the firm's default for manual payments".
    public var sync: Bool?
    public var revision: Int64

    public init(
        firmID: String, accountID: String, accountName: String, paymentID: String, date: CalendarDate, amount: FixedDecimal,
        currency: String, method: PaymentMethod, reference: String?, processingFee: FixedDecimal, appliedTo: [Application], sync: Bool?,
        revision: Int64
    ) {
        self.firmID = firmID
        self.accountID = accountID
        self.accountName = accountName
        self.paymentID = paymentID
        self.date = date
        self.amount = amount
        self.currency = currency
        self.method = method
        self.reference = reference
        self.processingFee = processingFee
        self.appliedTo = appliedTo
        self.sync = sync
        self.revision = revision
    }
}

/// `payment.deleted`.
public struct PaymentDeleted: Sendable, Hashable {
    public var firmID: String
    public var accountID: String
    public var paymentID: String
    public var revision: Int64
    public init(firmID: String, accountID: String, paymentID: String, revision: Int64) {
        self.firmID = firmID
        self.accountID = accountID
        self.paymentID = paymentID
        self.revision = revision
    }
}

/// `payment.refunded`.
public struct PaymentRefunded: Sendable, Hashable {
    public var firmID: String
    public var accountID: String
    public var paymentID: String
    public var refundID: String
    public var amount: FixedDecimal
    public var date: CalendarDate
    public var revision: Int64
    public init(
        firmID: String, accountID: String, paymentID: String, refundID: String, amount: FixedDecimal, date: CalendarDate, revision: Int64
    ) {
        self.firmID = firmID
        self.accountID = accountID
        self.paymentID = paymentID
        self.refundID = refundID
        self.amount = amount
        self.date = date
        self.revision = revision
    }
}

/// `invoice.sync_requested`, `payment.sync_requested`, `payment.unsync_requested` (v1.1): one
/// invoice or payment synced or unsynced by hand from its QuickBooks column.
public struct DocumentToggleRequested: Sendable, Hashable {
    public var firmID: String
    public var accountID: String
    /// The platform's invoice or payment id.
    public var documentID: String
    public var actor: Actor
    public init(firmID: String, accountID: String, documentID: String, actor: Actor) {
        self.firmID = firmID
        self.accountID = accountID
        self.documentID = documentID
        self.actor = actor
    }
}

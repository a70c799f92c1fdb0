/// One validated ingress message: the CloudEvents envelope and its typed `data`.
public struct IngressEvent: Sendable, Hashable {
    public enum Payload: Sendable, Hashable {
        case accountUpserted(AccountUpserted)
        case accountSyncRequested(AccountSyncRequested)
        case accountUnsyncRequested(AccountUnsyncRequested)
        case invoiceUpserted(InvoiceUpserted)
        case invoiceVoided(InvoiceRemoved)
        case invoiceDeleted(InvoiceRemoved)
        case paymentUpserted(PaymentUpserted)
        case paymentDeleted(PaymentDeleted)
        case paymentRefunded(PaymentRefunded)
        case invoiceSyncRequested(DocumentToggleRequested)
        case paymentSyncRequested(DocumentToggleRequested)
        case paymentUnsyncRequested(DocumentToggleRequested)
    }

    /// The CloudEvents `id`: the same id delivered twice is applied once.
    public var id: String
    public var source: String
    public var type: String
    public var time: String?
    public var subject: String?
    public var payload: Payload
    /// The W3C trace context of the CloudEvents distributed-tracing extension, when present.
    public var traceParent: String?
    public var traceState: String?

    /// The event types this worker understands, by CloudEvents `type`.
    public static let knownTypes: [String] = [
        "account.upserted", "account.sync_requested", "account.unsync_requested",
        "invoice.upserted", "invoice.voided", "invoice.deleted",
        "payment.upserted", "payment.deleted", "payment.refunded",
        "invoice.sync_requested", "payment.sync_requested", "payment.unsync_requested",
    ]

    public var firmID: String {
        switch payload {
        case .accountUpserted(let e): e.firmID
        case .accountSyncRequested(let e): e.firmID
        case .accountUnsyncRequested(let e): e.firmID
        case .invoiceUpserted(let e): e.firmID
        case .invoiceVoided(let e), .invoiceDeleted(let e): e.firmID
        case .paymentUpserted(let e): e.firmID
        case .paymentDeleted(let e): e.firmID
        case .paymentRefunded(let e): e.firmID
        case .invoiceSyncRequested(let e), .paymentSyncRequested(let e), .paymentUnsyncRequested(let e): e.firmID
        }
    }

    public var accountID: String {
        switch payload {
        case .accountUpserted(let e): e.accountID
        case .accountSyncRequested(let e): e.accountID
        case .accountUnsyncRequested(let e): e.accountID
        case .invoiceUpserted(let e): e.accountID
        case .invoiceVoided(let e), .invoiceDeleted(let e): e.accountID
        case .paymentUpserted(let e): e.accountID
        case .paymentDeleted(let e): e.accountID
        case .paymentRefunded(let e): e.accountID
        case .invoiceSyncRequested(let e), .paymentSyncRequested(let e), .paymentUnsyncRequested(let e): e.accountID
        }
    }

    /// The account name when the event carries one.
    public var accountName: String? {
        switch payload {
        case .accountUpserted(let e): e.accountName
        case .accountSyncRequested(let e): e.accountName
        case .invoiceUpserted(let e): e.accountName
        case .paymentUpserted(let e): e.accountName
        default: nil
        }
    }
}

/// The sentences an accountant reads when hovering a Failed status.
///
/// Each says what went wrong in QuickBooks terms the firm knows, and what to do about it.
public enum FailureDetail {
    public static func linkFailed(_ problem: QuickBooksProblem, accountName: String, mode: LinkMode) -> String {
        switch (problem.code, mode) {
        case ("6240", .create):
            return "A customer named '\(accountName)' already exists in QuickBooks. Choose it from the list or create a new one."
        case ("6240", _):
            return
                "The name '\(accountName)' is already used by a vendor or employee in QuickBooks, and names must be unique. Rename one of them, or choose a customer from the list."
        case ("610", .existing(let id)):
            return
                "The QuickBooks customer you chose (ID \(id)) no longer exists. Choose another customer from the list or create a new one."
        case ("610", _):
            return "QuickBooks could not find a record this account refers to. Sync the account again to choose a customer."
        case ("2010", _), ("6000", _):
            return
                "QuickBooks rejected the customer for '\(accountName)': \(problem.detail ?? problem.message). Correct the account details and sync it again."
        default:
            return
                "QuickBooks refused to link '\(accountName)' (error \(problem.code): \(problem.detail ?? problem.message)). Sync the account again, or contact support if this persists."
        }
    }

    public static func firmConnectionLost(_ problem: QuickBooksProblem) -> String {
        switch problem.kind {
        case .authorization where problem.code == "6190":
            return "The firm's QuickBooks subscription is not active. Renew it in QuickBooks; syncing resumes once it is."
        case .authentication where problem.code == QuickBooksProblem.tokenKeyCode:
            return
                "This worker cannot read the firm's QuickBooks tokens: the token key differs from the one that sealed them. An operator must start the workers with the original key, or an owner or admin must reconnect QuickBooks."
        case .authorization:
            return
                "The QuickBooks user who connected this firm no longer has permission. Reconnect QuickBooks as a QuickBooks admin; waiting work resumes then."
        default:
            return
                "The connection to QuickBooks was revoked or has expired. An owner or admin must reconnect QuickBooks; waiting work resumes then."
        }
    }

    public static func waitingForQuickBooks(_ problem: QuickBooksProblem) -> String {
        problem.kind == .throttled
            ? "QuickBooks asked us to slow down; this account will sync shortly."
            : "QuickBooks is temporarily unavailable; this account will sync when it answers again."
    }

    public static let waitingForConnection = "Waiting for the firm to reconnect QuickBooks."

    public static let disconnected = "QuickBooks was disconnected for this firm. Connect it again to sync; what waited is sent then."
}

/// The sentences shown for invoices and payments.
extension FailureDetail {
    public static func removedBeforeSync(_ lifecycle: DocumentLifecycle) -> String {
        lifecycle == .voided
            ? "Voided before it reached QuickBooks; nothing was sent." : "Deleted before it reached QuickBooks; nothing was sent."
    }

    public static func beforeSyncStart(date: CalendarDate, start: CalendarDate) -> String {
        "Dated \(date), before the firm's QuickBooks sync start date (\(start)), so it is not sent to QuickBooks."
    }

    public static let paymentNotToSync = "This payment is set not to sync with QuickBooks."

    public static let unsyncedByHand =
        "Unsynced by hand: removed from QuickBooks with its refunds and fee. Sync the payment to write it again."

    public static func syncAccountFirst(_ account: String, kind: DocumentKind) -> String {
        "Sync the client account '\(account)' to QuickBooks first: \(kind == .invoice ? "an invoice" : "a payment") is written only for a synced account."
    }

    public static func accountSkipped(_ account: String, kind: DocumentKind) -> String {
        "QuickBooks sync is turned off for the account '\(account)'. Sync the account from its Info tab to send this \(kind.rawValue) and the others held back."
    }

    public static func accountFailed(_ account: String, kind: DocumentKind) -> String {
        "The account '\(account)' has a QuickBooks sync issue. Fix it from the account's Info tab; this \(kind.rawValue) is sent once the account syncs."
    }

    public static func awaitingInvoices(_ labels: [String]) -> String {
        let list = labels.count == 1 ? "invoice \(labels[0])" : "invoices " + labels.joined(separator: ", ")
        return "Waiting for \(list) to reach QuickBooks; the payment is applied to \(labels.count == 1 ? "it" : "them") then."
    }

    /// The error code of a payment whose invoices did not arrive in time.
    public static let invoiceMissingCode = "invoice_missing"

    public static func invoicesNeverArrived(_ labels: [String], after waited: Duration) -> String {
        let hours = Double(waited.components.seconds) / 3600
        let span =
            hours >= 1 ? "\(Int(hours.rounded())) hour\(Int(hours.rounded()) == 1 ? "" : "s")" : "\(waited.components.seconds) seconds"
        let list = labels.count == 1 ? "invoice \(labels[0]) it pays has" : "invoices \(labels.joined(separator: ", ")) it pays have"
        return
            "The \(list) not reached QuickBooks in \(span). Sync the invoice\(labels.count == 1 ? "" : "s") (or correct the payment); the payment is applied as soon as \(labels.count == 1 ? "it is" : "they are") there."
    }

    /// QuickBooks refused to write a document.
    public static func documentRefused(_ problem: QuickBooksProblem, kind: DocumentKind, label: String, operation: String) -> String {
        let said = problem.detail ?? problem.message
        switch problem.code {
        case "6210", "6140":
            return
                "QuickBooks already has an invoice numbered '\(label)'. Renumber this invoice, or remove the other one in QuickBooks; it is sent again with its next change."
        case "6000" where operation == "delete":
            return
                "QuickBooks won't delete \(kind.rawValue) \(label) while payments are applied to it (\(said)). Delete or unapply those payments first; the deletion is retried then."
        case "610":
            return
                "QuickBooks could not find something \(kind.rawValue) \(label) refers to (\(said)). It may have been deleted or made inactive in QuickBooks; restore it, or save the \(kind.rawValue) again."
        case "6070":
            return
                "QuickBooks refused the lines of \(kind.rawValue) \(label): quantity × rate must equal the amount (\(said)). Correct the lines and save it again."
        default:
            return
                "QuickBooks refused \(kind.rawValue) \(label) (error \(problem.code): \(said)). Correct it and save it again, or contact support if this persists."
        }
    }

    public static func documentNumberTooLong(_ number: String) -> String {
        "The invoice number '\(number)' is longer than the 21 characters QuickBooks allows. Shorten it; the invoice is sent with its next change."
    }

    public static func documentRetriesSpent(_ problem: QuickBooksProblem, kind: DocumentKind, attempts: Int) -> String {
        "QuickBooks did not accept this \(kind.rawValue) after \(attempts) attempts (\(problem.code): \(problem.message)). It is sent again with its next change, or when the account is synced again."
    }

    public static func waitingForQuickBooks(_ problem: QuickBooksProblem, kind: DocumentKind) -> String {
        problem.kind == .throttled
            ? "QuickBooks asked us to slow down; this \(kind.rawValue) will sync shortly."
            : "QuickBooks is temporarily unavailable; this \(kind.rawValue) will sync when it answers again."
    }
}

/// The sentences an accountant reads when hovering a Failed status.
///
/// Each says what went wrong in QuickBooks terms the firm knows, and what to do about it.
public enum FailureDetail {
    public static func linkFailed(_ problem: QuickBooksProblem, accountName: String, mode: LinkMode) -> String {
        switch (problem.code, mode) {
        case ("6240", .create):
            return "A customer named '\(accountName)' already exists in QuickBooks. Choose it from the list or create a new one."
        case ("6240", _):
            return "The name '\(accountName)' is already used by a vendor or employee in QuickBooks, and names must be unique. Rename one of them, or choose a customer from the list."
        case ("610", .existing(let id)):
            return "The QuickBooks customer you chose (ID \(id)) no longer exists. Choose another customer from the list or create a new one."
        case ("610", _):
            return "QuickBooks could not find a record this account refers to. Sync the account again to choose a customer."
        case ("2010", _), ("6000", _):
            return "QuickBooks rejected the customer for '\(accountName)': \(problem.detail ?? problem.message). Correct the account details and sync it again."
        default:
            return "QuickBooks refused to link '\(accountName)' (error \(problem.code): \(problem.detail ?? problem.message)). Sync the account again, or contact support if this persists."
        }
    }

    public static func firmConnectionLost(_ problem: QuickBooksProblem) -> String {
        switch problem.kind {
        case .authorization where problem.code == "6190":
            return "The firm's QuickBooks subscription is not active. Renew it in QuickBooks; syncing resumes once it is."
        case .authorization:
            return "The QuickBooks user who connected this firm no longer has permission. Reconnect QuickBooks as a QuickBooks admin; waiting work resumes then."
        default:
            return "The connection to QuickBooks was revoked or has expired. An owner or admin must reconnect QuickBooks; waiting work resumes then."
        }
    }

    public static func waitingForQuickBooks(_ problem: QuickBooksProblem) -> String {
        problem.kind == .throttled
            ? "QuickBooks asked us to slow down; this account will sync shortly."
            : "QuickBooks is temporarily unavailable; this account will sync when it answers again."
    }

    public static let waitingForConnection = "Waiting for the firm to reconnect QuickBooks."
}

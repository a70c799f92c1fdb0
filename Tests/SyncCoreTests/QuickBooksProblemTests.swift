import SyncCore
import Testing

@Suite("What a QuickBooks problem means for the account")
struct QuickBooksProblemTests {
    @Test(
        "throttling, outages and system faults are retried",
        arguments: [
            QuickBooksProblem(kind: .throttled, code: "003001", message: "ThrottleExceeded"),
            QuickBooksProblem(kind: .unavailable, code: "10000", message: "An application error has occurred"),
            QuickBooksProblem(kind: .unavailable, code: "timeout", message: "no answer"),
        ])
    func transient(problem: QuickBooksProblem) {
        #expect(problem.disposition == .retryLater)
        #expect(!FailureDetail.waitingForQuickBooks(problem).isEmpty)
    }

    @Test(
        "revoked tokens, lost permissions and an invalid subscription concern the whole firm",
        arguments: [
            QuickBooksProblem(kind: .authentication, code: "invalid_grant", message: "invalid_grant"),
            QuickBooksProblem(kind: .authentication, code: "3200", message: "AuthenticationFailed"),
            QuickBooksProblem(kind: .authorization, code: "3100", message: "AuthorizationFailed"),
            QuickBooksProblem(kind: .validation, code: "6190", message: "Invalid Company Status"),
        ])
    func firmLevel(problem: QuickBooksProblem) {
        #expect(problem.disposition == .firmConnection)
        #expect(FailureDetail.firmConnectionLost(problem).contains("QuickBooks"))
    }

    @Test("a duplicate name when creating names the conflict and what to do")
    func duplicateName() {
        let problem = QuickBooksProblem(kind: .validation, code: "6240", message: "Duplicate Name Exists Error")
        #expect(problem.disposition == .account)
        let detail = FailureDetail.linkFailed(problem, accountName: "Jane O'Neil", mode: .create)
        #expect(detail == "A customer named 'Jane O'Neil' already exists in QuickBooks. Choose it from the list or create a new one.")
        #expect(FailureDetail.linkFailed(problem, accountName: "Jane O'Neil", mode: .auto).contains("vendor or employee"))
    }

    @Test("a chosen customer that no longer exists says so with its id")
    func missingCustomer() {
        let problem = QuickBooksProblem(kind: .validation, code: "610", message: "Object Not Found")
        #expect(FailureDetail.linkFailed(problem, accountName: "A", mode: .existing(customerID: "58")).contains("ID 58"))
    }
}

import Testing

@testable import SyncCore

private let owner = Actor(userID: "u-owner", role: "owner")
private let admin = Actor(userID: "u-admin", role: "admin")
private let staff = Actor(userID: "u-staff", role: "staff")

private func account(_ status: SyncStatus, customer: String? = nil, sequence: Int64 = 3) -> AccountSyncState {
    AccountSyncState(
        name: "Jane O'Neil", status: status, qboCustomerID: customer,
        detail: status == .failed ? "boom" : nil, errorCode: status == .failed ? "6240" : nil,
        sequence: sequence, hasActivity: true, pendingLink: status == .syncing ? .auto : nil)
}

private func run(_ state: AccountSyncState?, _ input: AccountSyncInput, policy: FirmPolicy = .accountsWithActivity)
    -> AccountSyncMachine.Transition
{
    AccountSyncMachine.transition(from: state, on: input, policy: policy)
}

private func published(_ t: AccountSyncMachine.Transition) -> [AccountStatusUpdate] {
    t.actions.compactMap { if case .publish(let u) = $0 { u } else { nil } }
}

private func links(_ t: AccountSyncMachine.Transition) -> [LinkMode] {
    t.actions.compactMap { if case .link(let m) = $0 { m } else { nil } }
}

@Suite("Account sync rules")
struct AccountSyncMachineTests {
    @Test("a new account without activity is known but not synced under the default policy")
    func newAccountDefaultPolicy() {
        let t = run(nil, .learned(name: "Acme"))
        #expect(t.state?.status == .notSynced)
        #expect(links(t).isEmpty)
        #expect(
            published(t) == [
                AccountStatusUpdate(status: .notSynced, previousStatus: nil, detail: nil, errorCode: nil, qboID: nil, sequence: 1)
            ])
    }

    @Test("under all_accounts every account the worker learns about is synced")
    func newAccountAllAccounts() {
        let t = run(nil, .learned(name: "Acme"), policy: .allAccounts)
        #expect(t.state?.status == .syncing)
        #expect(links(t) == [.auto])
        #expect(published(t).map(\.status) == [.syncing])
    }

    @Test("the first invoice or payment syncs the account automatically", arguments: FirmPolicy.allCases)
    func firstActivitySyncs(policy: FirmPolicy) {
        let fresh = run(nil, .activity(name: "Acme"), policy: policy)
        #expect(fresh.state?.status == .syncing)
        #expect(fresh.state?.hasActivity == true)
        #expect(links(fresh) == [.auto])

        let known = run(account(.notSynced), .activity(name: nil), policy: policy)
        #expect(known.state?.status == .syncing)
        #expect(links(known) == [.auto])
    }

    @Test("activity does not override a person's choice or an open failure", arguments: [SyncStatus.skipped, .failed, .synced, .syncing])
    func activityLeavesOthers(status: SyncStatus) {
        let before = account(status, customer: status == .synced ? "58" : nil)
        let t = run(before, .activity(name: nil))
        #expect(t.state?.status == status)
        #expect(links(t).isEmpty)
        #expect(published(t).isEmpty)
    }

    @Test("before the firm connects QuickBooks, accounts are tracked but nothing links by itself", arguments: FirmPolicy.allCases)
    func notConnectedYet(policy: FirmPolicy) {
        let learned = AccountSyncMachine.transition(from: nil, on: .learned(name: "A"), policy: policy, automaticLinking: false)
        #expect(learned.state?.status == .notSynced)
        let active = AccountSyncMachine.transition(from: learned.state, on: .activity(name: nil), policy: policy, automaticLinking: false)
        #expect(active.state?.status == .notSynced)
        #expect(active.state?.hasActivity == true)
        #expect(links(active).isEmpty)
        let asked = AccountSyncMachine.transition(
            from: active.state, on: .syncRequested(by: owner, mode: .auto), policy: policy, automaticLinking: false)
        #expect(links(asked) == [.auto], "an explicit request still starts the link; it waits for the connection")
    }

    @Test("activity for an unknown account without a name creates nothing")
    func activityWithoutName() {
        let t = run(nil, .activity(name: nil))
        #expect(t.state == nil)
        #expect(t.actions.isEmpty)
    }

    @Test("owners and admins can sync from every status", arguments: [owner, admin], SyncStatus.allCases)
    func ownersAndAdminsSync(actor: Actor, status: SyncStatus) {
        let t = run(account(status), .syncRequested(by: actor, mode: .create))
        #expect(t.state?.status == .syncing)
        #expect(t.state?.pendingLink == .create)
        #expect(links(t) == [.create])
        #expect(t.state?.detail == nil)
    }

    @Test("a sync or unsync by a staff member changes nothing and is audited", arguments: SyncStatus.allCases)
    func staffChangesNothing(status: SyncStatus) {
        let before = account(status)
        for input in [AccountSyncInput.syncRequested(by: staff, mode: .auto), .unsyncRequested(by: staff)] {
            let t = run(before, input)
            #expect(t.state == before)
            #expect(t.actions.count == 1)
            guard case .rejectToggle(let rejected) = t.actions.first else {
                Issue.record("expected a rejected toggle, got \(t.actions)")
                continue
            }
            #expect(rejected.actor == staff)
            #expect(rejected.reason.contains("owner or admin"))
        }
    }

    @Test("roles are matched without regard to case, and unknown roles are refused")
    func roleMatching() {
        #expect(Actor(userID: "u", role: "Owner").mayToggleSync)
        #expect(Actor(userID: "u", role: "ADMIN").mayToggleSync)
        #expect(!Actor(userID: "u", role: "accountant").mayToggleSync)
        #expect(!Actor(userID: "u", role: "").mayToggleSync)
    }

    @Test(
        "unsync sets skipped from every other status and keeps the QuickBooks customer",
        arguments: [SyncStatus.notSynced, .syncing, .synced, .failed])
    func unsyncSkips(status: SyncStatus) {
        let t = run(account(status, customer: "58"), .unsyncRequested(by: admin))
        #expect(t.state?.status == .skipped)
        #expect(t.state?.qboCustomerID == "58")
        #expect(t.state?.pendingLink == nil)
        #expect(t.state?.detail == nil)
        #expect(
            published(t) == [
                AccountStatusUpdate(status: .skipped, previousStatus: status, detail: nil, errorCode: nil, qboID: "58", sequence: 4)
            ])
    }

    @Test("a document carries the account's current name")
    func documentRenames() {
        let t = run(account(.skipped), .activity(name: "Jane O'Neil-Smith"))
        #expect(t.state?.name == "Jane O'Neil-Smith")
        #expect(t.state?.status == .skipped)
    }

    @Test("unsync of a skipped account publishes nothing")
    func unsyncTwice() {
        let t = run(account(.skipped), .unsyncRequested(by: owner))
        #expect(t.actions.isEmpty)
    }

    @Test("a linked customer makes the account synced with its QuickBooks id")
    func linkedMakesSynced() {
        let t = run(account(.syncing), .linked(customerID: "58"))
        #expect(t.state?.status == .synced)
        #expect(t.state?.qboCustomerID == "58")
        #expect(t.state?.pendingLink == nil)
        #expect(published(t).first?.qboID == "58")
        #expect(published(t).first?.previousStatus == .syncing)
    }

    @Test("failed always carries the human detail and the QuickBooks code")
    func failureCarriesDetail() {
        let t = run(account(.syncing), .linkFailed(code: "6240", detail: "A customer named 'Jane O'Neil' already exists"))
        #expect(t.state?.status == .failed)
        let update = published(t).first
        #expect(update?.detail == "A customer named 'Jane O'Neil' already exists")
        #expect(update?.errorCode == "6240")
    }

    @Test(
        "results arriving for an account that is no longer syncing are ignored",
        arguments: [SyncStatus.notSynced, .synced, .skipped, .failed])
    func staleResults(status: SyncStatus) {
        let before = account(status)
        for input in [AccountSyncInput.linked(customerID: "99"), .linkFailed(code: "6240", detail: "x"), .linkDeferred(detail: "wait")] {
            let t = run(before, input)
            #expect(t.state == before)
            #expect(t.actions.isEmpty)
        }
    }

    @Test("a deferred link keeps the account syncing and says why")
    func deferred() {
        let t = run(account(.syncing), .linkDeferred(detail: "QuickBooks is temporarily unavailable"))
        #expect(t.state?.status == .syncing)
        #expect(t.state?.pendingLink == .auto)
        #expect(published(t).first?.detail == "QuickBooks is temporarily unavailable")
        let again = run(t.state, .linkDeferred(detail: "QuickBooks is temporarily unavailable"))
        #expect(again.actions.isEmpty, "the same wait again is not a change")
    }

    @Test("syncing an account already linked the way it asks changes nothing")
    func alreadySatisfied() {
        let synced = account(.synced, customer: "58")
        #expect(run(synced, .syncRequested(by: owner, mode: .auto)).actions.isEmpty)
        #expect(run(synced, .syncRequested(by: owner, mode: .existing(customerID: "58"))).actions.isEmpty)
        #expect(links(run(synced, .syncRequested(by: owner, mode: .existing(customerID: "77")))) == [.existing(customerID: "77")])
        #expect(links(run(synced, .syncRequested(by: owner, mode: .create))) == [.create])
    }

    @Test("a rename changes the name but not the column", arguments: SyncStatus.allCases)
    func rename(status: SyncStatus) {
        let t = run(account(status), .learned(name: "Jane O'Neil-Smith"))
        #expect(t.state?.name == "Jane O'Neil-Smith")
        #expect(t.state?.status == status)
        #expect(published(t).isEmpty)
    }

    @Test("every published change increases the sequence by one and names the previous status")
    func sequences() {
        var state: AccountSyncState? = nil
        var seen: [Int64] = []
        let inputs: [AccountSyncInput] = [
            .learned(name: "A"), .activity(name: nil), .linked(customerID: "1"), .unsyncRequested(by: owner),
            .syncRequested(by: owner, mode: .create), .linkFailed(code: "6240", detail: "d"), .syncRequested(by: admin, mode: .auto),
        ]
        var previous: SyncStatus? = nil
        for input in inputs {
            let t = run(state, input)
            for update in published(t) {
                seen.append(update.sequence)
                #expect(update.previousStatus == previous)
                previous = update.status
            }
            state = t.state
        }
        #expect(seen == Array(1...Int64(seen.count)))
        #expect(seen.count == inputs.count)
    }

    @Test("exhaustively: no input from any status leads outside the rules", arguments: SyncStatus.allCases)
    func exhaustive(status: SyncStatus) {
        let inputs: [AccountSyncInput] = [
            .learned(name: "N"), .activity(name: "N"), .activity(name: nil),
            .syncRequested(by: owner, mode: .auto), .syncRequested(by: admin, mode: .existing(customerID: "7")),
            .syncRequested(by: owner, mode: .create), .syncRequested(by: staff, mode: .auto),
            .unsyncRequested(by: owner), .unsyncRequested(by: staff),
            .linked(customerID: "9"), .linkFailed(code: "6000", detail: "d"), .linkDeferred(detail: "w"),
        ]
        for policy in FirmPolicy.allCases {
            for input in inputs {
                let before = account(status, customer: status == .synced ? "58" : nil)
                let t = run(before, input, policy: policy)
                guard let after = t.state else {
                    Issue.record("state vanished")
                    continue
                }
                // syncing always has a pending link, nothing else has one
                #expect((after.status == .syncing) == (after.pendingLink != nil))
                // a link action is always accompanied by the syncing status
                if !links(t).isEmpty { #expect(after.status == .syncing) }
                // failed always carries a detail and a code
                if after.status == .failed { #expect(after.detail != nil && after.errorCode != nil) }
                // synced always carries the QuickBooks customer
                if after.status == .synced { #expect(after.qboCustomerID != nil) }
                // a publish happens exactly when the visible state changed
                #expect(published(t).isEmpty == (before.visible == after.visible))
                // only owners and admins change anything through toggles
                switch input {
                case .syncRequested(let actor, _), .unsyncRequested(let actor):
                    if !actor.mayToggleSync { #expect(after == before) }
                default: break
                }
            }
        }
    }
}

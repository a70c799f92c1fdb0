/// The account sync rules of the help article as a pure state machine.
///
/// `transition` never performs I/O: it returns the next state and the actions the caller
/// must run (link in QuickBooks, publish a status change, audit a rejected toggle).
public enum AccountSyncMachine {
    public struct Transition: Sendable, Hashable {
        /// nil only when the input concerned an unknown account and created nothing.
        public var state: AccountSyncState?
        public var actions: [AccountSyncAction]
    }

    /// - Parameters:
    ///   - policy: the firm's policy for automatic syncing.
    ///   - automaticLinking: false while the firm has not connected QuickBooks: accounts are still
    ///     tracked (and sync once it connects), but nothing starts a link on its own.
    public static func transition(
        from current: AccountSyncState?, on input: AccountSyncInput, policy: FirmPolicy, automaticLinking: Bool = true
    ) -> Transition {
        var next = current
        var actions: [AccountSyncAction] = []

        switch input {
        case .learned(let name):
            var state = current ?? AccountSyncState(name: name)
            state.name = name
            if automaticLinking, policy == .allAccounts, state.status == .notSynced {
                beginLink(&state, mode: .auto, actions: &actions)
            }
            next = state

        case .activity(let name):
            guard var state = current ?? name.map({ AccountSyncState(name: $0) }) else { break }
            if let name { state.name = name }  // documents carry the account's current name
            state.hasActivity = true
            // Both policies sync an account once it has activity; skipped and failed wait for a person.
            if automaticLinking, state.status == .notSynced {
                beginLink(&state, mode: .auto, actions: &actions)
            }
            next = state

        case .syncRequested(let actor, let mode):
            guard actor.mayToggleSync else {
                actions.append(.rejectToggle(RejectedToggle(action: .sync, actor: actor, reason: rejectionReason(actor))))
                return Transition(state: current, actions: actions)
            }
            guard var state = current else { break }  // the caller creates the account first
            if state.status == .synced, isAlreadySatisfied(state, by: mode) { break }
            beginLink(&state, mode: mode, actions: &actions)
            next = state

        case .unsyncRequested(let actor):
            guard actor.mayToggleSync else {
                actions.append(.rejectToggle(RejectedToggle(action: .unsync, actor: actor, reason: rejectionReason(actor))))
                return Transition(state: current, actions: actions)
            }
            guard var state = current, state.status != .skipped else { break }
            // Nothing already in QuickBooks is deleted: the customer link is kept for a later re-sync.
            state.status = .skipped
            state.pendingLink = nil
            state.detail = nil
            state.errorCode = nil
            next = state

        case .linked(let customerID):
            guard var state = current, state.status == .syncing else { break }
            state.status = .synced
            state.qboCustomerID = customerID
            state.pendingLink = nil
            state.detail = nil
            state.errorCode = nil
            next = state

        case .linkFailed(let code, let detail):
            guard var state = current, state.status == .syncing else { break }
            state.status = .failed
            state.pendingLink = nil
            state.detail = detail
            state.errorCode = code
            next = state

        case .linkDeferred(let detail):
            guard var state = current, state.status == .syncing else { break }
            state.detail = detail
            next = state

        case .customerChangedInQuickBooks(let code, let detail):
            // Only a synced account's customer matters; syncing again links it afresh.
            guard var state = current, state.status == .synced else { break }
            state.status = .failed
            state.detail = detail
            state.errorCode = code
            next = state
        }

        if var state = next, current?.visible != state.visible {
            state.sequence = (current?.sequence ?? 0) + 1
            actions.append(
                .publish(
                    AccountStatusUpdate(
                        status: state.status, previousStatus: current?.status, detail: state.detail,
                        errorCode: state.errorCode, qboID: state.qboCustomerID, sequence: state.sequence)))
            next = state
        }
        return Transition(state: next, actions: actions)
    }

    private static func beginLink(_ state: inout AccountSyncState, mode: LinkMode, actions: inout [AccountSyncAction]) {
        state.status = .syncing
        state.pendingLink = mode
        state.detail = nil
        state.errorCode = nil
        actions.append(.link(mode))
    }

    /// A synced account asked to sync again in a way it already satisfies changes nothing.
    private static func isAlreadySatisfied(_ state: AccountSyncState, by mode: LinkMode) -> Bool {
        switch mode {
        case .auto: state.qboCustomerID != nil
        case .existing(let id): state.qboCustomerID == id
        case .create: false
        }
    }

    private static func rejectionReason(_ actor: Actor) -> String {
        "Only a firm owner or admin can sync or unsync an account; the request came from a user with role '\(actor.role)'."
    }
}

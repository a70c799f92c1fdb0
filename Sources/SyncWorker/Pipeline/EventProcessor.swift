import Foundation
import Logging
import Postgres
import Retry
import SyncCore

/// Applies one ingress event: decide in a transaction, talk to QuickBooks outside any
/// transaction, record the result in a second transaction.
///
/// The event id enters the processed-event ledger in the same transaction as its final effect,
/// so a redelivered event is a no-op; the account's pending link (mode and requesting event)
/// is stored before QuickBooks is called, so a crash in between is finished by whoever holds
/// the account next, with the same QuickBooks requestid.
///
/// Invoices and payments are only recorded here (with their column, in the same transaction);
/// the ``DocumentPusher`` writes them to QuickBooks, so a slow QuickBooks never holds up reading.
final class EventProcessor: Sendable {
    let database: PostgresClient
    let linker: CustomerLinker
    let configuration: WorkerConfiguration
    let workerID: String
    let metrics: WorkerMetrics
    let logger: Logger
    let outboxSignal: WakeSignal
    /// Woken after a commit that made an account's document queue due.
    let pusherSignal: WakeSignal
    let documents: DocumentIngest
    /// Committed upserts' payloads go to the pusher through it.
    let payloads: PayloadHandOff
    let tracing: PipelineTracing
    /// The accounts this worker is linking right now.
    let linksRunning = RunningLinks()

    init(_ context: WorkerContext, linker: CustomerLinker, documents: DocumentIngest, pusherSignal: WakeSignal) {
        self.database = context.database
        self.linker = linker
        self.documents = documents
        self.configuration = context.configuration
        self.workerID = context.workerID
        self.metrics = context.metrics
        self.logger = context.logger
        self.outboxSignal = context.outboxSignal
        self.pusherSignal = pusherSignal
        self.payloads = context.payloads
        self.tracing = context.tracing
    }

    enum Outcome: Sendable, Equatable {
        case applied
        case duplicate
        case rejectedToggle
        /// Another worker took the account over while this one waited for QuickBooks.
        case superseded
    }

    private enum Plan: Sendable {
        case done(Outcome)
        case waitForLease(until: Date)
        case link(CustomerLinker.Job, attempts: Int)
    }

    func process(_ event: IngressEvent, origin: MessageOrigin, value: [UInt8]) async throws -> Outcome {
        while true {
            let (plan, queueDue, waitingFirm) = try await decide(event, origin: origin, value: value)
            if let waitingFirm { await resumeLinksIfReconnected([waitingFirm]) }
            // After the commit: a pusher woken inside the transaction would not see the queue; the
            // payload goes first, so the pusher it wakes finds it.
            if case .done(.applied) = plan { payloads.put(event, value: value) }
            if queueDue { pusherSignal.nudge() }
            switch plan {
            case .done(let outcome):
                outboxSignal.nudge()
                return outcome
            case .waitForLease(let until):
                // Another worker is mid-call for this account; its lease bounds the wait.
                try await Task.sleep(for: .milliseconds(max(10, Int(until.timeIntervalSinceNow * 1000) + 10)))
            case .link(let job, let attempts):
                outboxSignal.nudge()
                let outcome = try await linkAndRecord(job, attemptsSoFar: attempts, ledger: .event(event, origin))
                outboxSignal.nudge()
                pusherSignal.nudge()  // a linked account's documents may go now
                return outcome
            }
        }
    }

    /// Finishes a link that was parked or abandoned (called by the ``RetrySweeper``).
    ///
    /// A link this worker is still running is left to run: its lease lapsed only because a
    /// renewal came late (a loaded machine), and starting it again would send its requests twice.
    func resume(_ account: StoredAccount) async throws {
        guard let mode = account.state.pendingLink else { return }
        guard await !linksRunning.contains(firmID: account.firmID, accountID: account.accountID) else {
            logger.info(
                "an account's lease lapsed while this worker still links it; the running link goes on",
                metadata: ["firm_id": "\(account.firmID)", "account_id": "\(account.accountID)"])
            return
        }
        let job = CustomerLinker.Job(
            firmID: account.firmID, accountID: account.accountID, accountName: account.state.name,
            mode: mode, requestSeed: account.pendingEventID ?? "\(account.firmID)/\(account.accountID)")
        _ = try await linkAndRecord(
            job, attemptsSoFar: account.attempts, ledger: account.pendingEventID.map { .pendingEvent(id: $0) } ?? .none)
        outboxSignal.nudge()
        pusherSignal.nudge()
    }

    // MARK: - Phase 1: decide

    /// - Returns: what is left to do, whether a document queue became due, and the firm whose
    ///   connection the account's link was left waiting for, if it was.
    private func decide(_ event: IngressEvent, origin: MessageOrigin, value: [UInt8]) async throws -> (Plan, Bool, String?) {
        try await database.withTransaction { connection in
            if try await AccountStore.isProcessed(eventID: event.id, on: connection) {
                return (.done(.duplicate), false, nil)
            }
            let firm = try await FirmStore.load(firmID: event.firmID, on: connection)
            let existing = try await AccountStore.lock(firmID: event.firmID, accountID: event.accountID, on: connection)
            try await DocumentQueueStore.lock([.init(firmID: event.firmID, accountID: event.accountID)], on: connection)
            let (plan, due, account) = try await decide(event, origin: origin, value: value, firm: firm, account: existing, on: connection)
            if case .done = plan { try await AccountStore.markProcessed(event, origin: origin, workerID: workerID, on: connection) }
            return (plan, due, Self.waitsForConnection(account, firm: firm) ? event.firmID : nil)
        }
    }

    /// Whether this account's link was left waiting for its firm's connection.
    private static func waitsForConnection(_ account: StoredAccount?, firm: FirmRecord?) -> Bool {
        guard let account, account.state.status == .syncing, account.state.pendingLink != nil, firm?.connection.isConnected != true
        else { return false }
        return account.leaseOwner == nil && account.nextAttemptAt == nil
    }

    /// After a commit that left links waiting for these firms' connections: a firm that
    /// reconnected meanwhile could not see them (they were not committed yet), so they go now.
    private func resumeLinksIfReconnected(_ firmIDs: Set<String>) async {
        guard !firmIDs.isEmpty else { return }
        do {
            let resumed = try await database.withConnection { connection in
                try await AccountStore.resumeLinks(ofConnectedFirms: Array(firmIDs), on: connection)
            }
            if resumed > 0 {
                logger.info(
                    "a firm reconnected while links were parked for it; they go now",
                    metadata: ["firm_ids": "\(firmIDs.sorted())", "accounts": "\(resumed)"])
            }
        } catch {
            // What was parked is committed; the firm's next reconnect resumes it.
            logger.warning(
                "could not check whether a firm reconnected while links were parked for it",
                metadata: ["firm_ids": "\(firmIDs.sorted())", "error": "\(error)"])
        }
    }

    /// The decision inside the caller's transaction, for an event not in the ledger, whose account
    /// (`existing`, nil when unknown) the caller has locked. Returns the account as the event
    /// left it. A plan that is `done` is the caller's to enter in the ledger.
    private func decide(
        _ event: IngressEvent, origin: MessageOrigin, value: [UInt8], firm: FirmRecord?, account existing: StoredAccount?,
        on connection: PostgresConnection
    ) async throws -> (Plan, Bool, StoredAccount?) {
        if let existing, existing.isLeased(byOtherThan: workerID, at: Date()), let until = existing.leaseExpiresAt {
            return (.waitForLease(until: until), false, existing)
        }
        var account = existing
        var plan = Plan.done(.applied)
        if let input = Self.input(for: event) {
            (account, plan) = try await apply(input, of: event, to: existing, firm: firm, on: connection)
        }
        var queueDue = false
        if event.payload.isDocument {
            let ingested = try await documents.apply(
                event, value: value, origin: origin, firm: firm, account: account?.state, on: connection)
            queueDue = ingested.queueDue
            if let refused = ingested.refused, let (kind, toggle, _) = event.payload.documentToggle {
                try await audit(refused, of: event, entity: kind.entity, entityID: toggle.documentID, on: connection)
                plan = .done(.rejectedToggle)
            }
        }
        return (plan, queueDue, account)
    }

    // MARK: - Many events in one transaction

    /// One message of a batch.
    struct BatchItem: Sendable {
        var event: IngressEvent
        var origin: MessageOrigin
        var value: [UInt8]
        /// Items with the same lane (account) are applied in the order given.
        var lane: String
        /// The span the event's work runs in, continuing its producer's trace.
        var trace: EventTrace
    }

    /// What a batch did to each item, by index.
    struct BatchOutcome: Sendable {
        var outcomes: [Int: Outcome] = [:]
        /// Items left for one at a time, in their lanes' order: behind a link, or another worker holds their account.
        var deferred: [Int] = []
    }

    /// Applies `items` in one transaction: one ledger read for all of them, each firm read once,
    /// the lanes taken in key order (so two batches lock accounts in the same order) and each
    /// lane's items in the order given. Links found due run after the commit, concurrently, each
    /// recorded in its own transaction. A lane stops at a link, or where another worker holds its
    /// account: its remaining items come back as ``BatchOutcome/deferred``, for
    /// ``process(_:origin:value:)`` once the links are done.
    ///
    /// Throws when the transaction fails; then nothing of the batch is applied.
    func process(batch items: [BatchItem]) async throws -> BatchOutcome {
        let order = items.indices.sorted { (items[$0].lane, $0) < (items[$1].lane, $1) }
        var links: [(index: Int, job: CustomerLinker.Job, trace: TraceHeaders)] = []
        var queueDue = false
        var waitingFirms: Set<String> = []
        var result = BatchOutcome()
        try await database.withTransaction { connection in
            links = []
            queueDue = false
            waitingFirms = []
            result = BatchOutcome()
            let processed = try await AccountStore.processed(eventIDs: Array(Set(items.map(\.event.id))), on: connection)
            // Every account the batch applies to, locked in key order in two statements.
            var accountKeys: [AccountStore.Key] = []
            for index in order where !processed.contains(items[index].event.id) {
                let key = AccountStore.Key(firmID: items[index].event.firmID, accountID: items[index].event.accountID)
                if accountKeys.last != key { accountKeys.append(key) }
            }
            var accounts = try await AccountStore.lock(accountKeys, on: connection)
            // Their document queues next, before any document (the pusher's order: an account's
            // documents are locked by its invoice and payment events, and by its sync or unsync).
            try await DocumentQueueStore.lock(accountKeys, on: connection)
            // The firms and the documents the batch reads, each read once, the documents locked.
            let pending = order.map { items[$0].event }.filter { !processed.contains($0.id) }
            let firms = try await FirmStore.load(firmIDs: Set(pending.map(\.firmID)), on: connection)
            let documents = Set(pending.compactMap { $0.payload.document(firmID: $0.firmID) })
            var applied: [(IngressEvent, MessageOrigin)] = []
            var seen: Set<String> = []
            var blocked: Set<String> = []
            try await DocumentStore.withLocked(documents, on: connection) {
                for index in order {
                    let item = items[index]
                    if blocked.contains(item.lane) {
                        result.deferred.append(index)
                        continue
                    }
                    if processed.contains(item.event.id) || seen.contains(item.event.id) {
                        result.outcomes[index] = .duplicate
                        continue
                    }
                    let firm = firms[item.event.firmID]
                    let key = AccountStore.Key(firmID: item.event.firmID, accountID: item.event.accountID)
                    let (plan, due, account, headers) = try await item.trace.run(tracing) { span in
                        let (plan, due, account) = try await self.decide(
                            item.event, origin: item.origin, value: item.value, firm: firm,
                            account: accounts[key], on: connection)
                        if case .done(let outcome) = plan {
                            span.attributes["qbsync.outcome"] = ConsumerService.metricOutcome(outcome).rawValue
                        }
                        return (plan, due, account, PipelineTracing.current)
                    }
                    accounts[key] = account
                    queueDue = queueDue || due
                    if Self.waitsForConnection(account, firm: firm) { waitingFirms.insert(item.event.firmID) }
                    switch plan {
                    case .done(let outcome):
                        seen.insert(item.event.id)
                        applied.append((item.event, item.origin))
                        result.outcomes[index] = outcome
                    case .waitForLease:
                        blocked.insert(item.lane)
                        result.deferred.append(index)
                    case .link(let job, _):
                        // The lane waits for its link, as it would one event at a time: a later
                        // sync request of the account must not link it a second time meanwhile.
                        seen.insert(item.event.id)
                        blocked.insert(item.lane)
                        links.append((index, job, headers))
                    }
                }
            }
            try await AccountStore.markProcessed(applied, workerID: workerID, on: connection)
        }
        // After the commit: a pusher woken inside the transaction would not see the queue; the
        // payloads go first, so the pusher it wakes finds them.
        for (index, outcome) in result.outcomes where outcome == .applied { payloads.put(items[index].event, value: items[index].value) }
        await resumeLinksIfReconnected(waitingFirms)
        if queueDue { pusherSignal.nudge() }
        outboxSignal.nudge()
        guard !links.isEmpty else { return result }
        let linked = try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
            for (index, job, trace) in links {
                let item = items[index]
                group.addTask {
                    // The link goes on in the event's trace, after the batch's commit.
                    let outcome = try await self.tracing.span("qbsync.link", parent: trace) { _ in
                        try await self.linkAndRecord(job, attemptsSoFar: 0, ledger: .event(item.event, item.origin))
                    }
                    return (index, outcome)
                }
            }
            var outcomes: [(Int, Outcome)] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        for (index, outcome) in linked { result.outcomes[index] = outcome }
        outboxSignal.nudge()
        pusherSignal.nudge()  // a linked account's documents may go now
        return result
    }

    /// Runs the account rules for `input` and saves the account; returns it and what is left to
    /// do (a link in QuickBooks, or nothing).
    private func apply(
        _ input: AccountSyncInput, of event: IngressEvent, to existing: StoredAccount?, firm: FirmRecord?, on connection: PostgresConnection
    ) async throws -> (StoredAccount?, Plan) {
        var current = existing?.state
        switch input {
        case .syncRequested(let actor, _) where current == nil && actor.mayToggleSync:
            current = AccountSyncState(name: event.accountName ?? event.accountID)
        case .unsyncRequested(let actor) where current == nil && actor.mayToggleSync:
            // The owner's choice is kept even before the account itself arrives; its id stands
            // in for the name until an account or document event brings one.
            current = AccountSyncState(name: event.accountID)
        default:
            break
        }
        if let name = event.accountName, case .syncRequested = input { current?.name = name }

        let transition = AccountSyncMachine.transition(
            from: current, on: input, policy: firm?.policy ?? .accountsWithActivity, automaticLinking: firm != nil)
        var outcome = Outcome.applied
        var linkMode: LinkMode?
        var updates: [AccountStatusUpdate] = []
        for action in transition.actions {
            switch action {
            case .publish(let update):
                updates.append(update)
            case .rejectToggle(let rejected):
                try await audit(rejected, of: event, entity: .account, entityID: event.accountID, on: connection)
                outcome = .rejectedToggle
            case .link(let mode):
                linkMode = mode
            }
        }
        guard var state = transition.state else { return (existing, .done(outcome)) }
        var account = existing ?? StoredAccount(firmID: event.firmID, accountID: event.accountID, state: state)
        account.state = state
        var plan = Plan.done(outcome)
        if let linkMode {
            account.pendingEventID = event.id
            account.attempts = 0
            if let firm, firm.connection.isConnected {
                let leaseEnd = Date().addingTimeInterval(configuration.leaseDuration.timeInterval)
                account.leaseOwner = workerID
                account.leaseExpiresAt = leaseEnd
                account.nextAttemptAt = leaseEnd  // if this worker dies, the sweeper finishes the link then
                plan = .link(
                    CustomerLinker.Job(
                        firmID: event.firmID, accountID: event.accountID, accountName: state.name,
                        mode: linkMode, requestSeed: event.id), attempts: 0)
            } else {
                // Nothing to call yet: the link waits, visibly, until the firm (re)connects.
                let waiting = AccountSyncMachine.transition(
                    from: state, on: .linkDeferred(detail: FailureDetail.waitingForConnection), policy: .accountsWithActivity)
                for case .publish(let update) in waiting.actions { updates.append(update) }
                state = waiting.state ?? state
                account.state = state
                account.nextAttemptAt = nil
                account.leaseOwner = nil
                account.leaseExpiresAt = nil
            }
        }
        if account != existing { try await AccountStore.save(account, on: connection) }
        try await publish(updates, account: account, firm: firm, causedBy: event.id, on: connection)
        return (account, plan)
    }

    /// Keeps a refused sync or unsync in the audit table, counts and logs it.
    private func audit(
        _ rejected: RejectedToggle, of event: IngressEvent, entity: EntityKind, entityID: String, on connection: PostgresConnection
    ) async throws {
        try await AccountStore.audit(rejected, event: event, entity: entity, entityID: entityID, on: connection)
        metrics.rejectedToggle(entity: entity.rawValue, action: rejected.action.rawValue, role: rejected.actor.role)
        logger.notice(
            "refused a sync or unsync request",
            metadata: [
                "firm_id": "\(event.firmID)", "account_id": "\(event.accountID)", "entity": "\(entity.rawValue)",
                "entity_id": "\(entityID)",
                "actor": "\(rejected.actor.userID)", "role": "\(rejected.actor.role)", "event_id": "\(event.id)",
                "reason": "\(rejected.reason)",
            ])
    }

    /// The account input an event means; nil for document removals, which carry no account news.
    static func input(for event: IngressEvent) -> AccountSyncInput? {
        switch event.payload {
        case .accountUpserted(let e): .learned(name: e.accountName)
        case .accountSyncRequested(let e): .syncRequested(by: e.actor, mode: e.link)
        case .accountUnsyncRequested(let e): .unsyncRequested(by: e.actor)
        case .invoiceUpserted(let e): .activity(name: e.accountName)
        case .paymentUpserted(let e): .activity(name: e.accountName)
        case .invoiceVoided, .invoiceDeleted, .paymentDeleted, .paymentRefunded: nil
        // A document synced by hand needs its account synced already: it starts no link.
        case .invoiceSyncRequested, .paymentSyncRequested, .paymentUnsyncRequested: nil
        }
    }

    // MARK: - Phase 2: QuickBooks

    enum LinkResult: Sendable {
        case linked(customerID: String)
        case failed(QuickBooksProblem)
        /// The firm's connection failed the link, which began at `callStarted`.
        case firmConnectionLost(QuickBooksProblem, callStarted: Date)
        /// Transient problems outlasted this round of retries.
        case unavailable(QuickBooksProblem, attempts: Int)
    }

    /// Links the account and records the result; while it runs the account counts as linked by
    /// this worker (``resume(_:)`` leaves it alone).
    private func linkAndRecord(_ job: CustomerLinker.Job, attemptsSoFar: Int, ledger: LedgerEntry) async throws -> Outcome {
        await linksRunning.insert(firmID: job.firmID, accountID: job.accountID)
        do {
            let outcome = try await record(await runLink(job, attemptsSoFar: attemptsSoFar), for: job, ledger: ledger)
            await linksRunning.remove(firmID: job.firmID, accountID: job.accountID)
            return outcome
        } catch {
            await linksRunning.remove(firmID: job.firmID, accountID: job.accountID)
            throw error
        }
    }

    /// Links the account while keeping this worker's lease on it alive: a link may wait for its
    /// realm's budget longer than one lease, and a lapsed lease would have the sweeper (or another
    /// worker) start the same link a second time.
    private func runLink(_ job: CustomerLinker.Job, attemptsSoFar: Int) async -> LinkResult {
        let (database, workerID, leaseDuration, logger) = (database, workerID, configuration.leaseDuration, logger)
        return await whileRenewing(
            every: leaseDuration / 3,
            {
                _ = try await database.withConnection { connection in
                    try await AccountStore.renewLease(
                        firmID: job.firmID, accountID: job.accountID, worker: workerID,
                        until: Date().addingTimeInterval(leaseDuration.timeInterval), on: connection)
                }
            },
            failed: { error in
                // The lease may lapse; the link's record still checks who holds the account.
                logger.info(
                    "could not renew an account's lease during its link",
                    metadata: [
                        "firm_id": "\(job.firmID)", "account_id": "\(job.accountID)", "error": "\(error)",
                    ])
            }
        ) {
            await link(job, attemptsSoFar: attemptsSoFar)
        }
    }

    private func link(_ job: CustomerLinker.Job, attemptsSoFar: Int) async -> LinkResult {
        let started = Date()
        do {
            return .linked(
                customerID: try await configuration.quickBooksCallRetry.run(
                    transient: QuickBooksProblem.asksToRetry,
                    willRetry: { error, attempt, _ in
                        let code = (error as? QuickBooksProblem)?.code ?? ""
                        logger.info(
                            "QuickBooks unavailable; retrying",
                            metadata: [
                                "firm_id": "\(job.firmID)", "account_id": "\(job.accountID)", "code": "\(code)", "attempt": "\(attempt)",
                            ])
                    }
                ) { _ in
                    try await linker.link(job)
                })
        } catch let problem as QuickBooksProblem {
            switch problem.disposition {
            case .account: return .failed(problem)
            case .firmConnection: return .firmConnectionLost(problem, callStarted: started)
            case .retryLater: return .unavailable(problem, attempts: attemptsSoFar + 1)
            }
        } catch {
            // Database trouble while fetching tokens and the like: the same as QuickBooks being away.
            let problem = QuickBooksProblem(kind: .unavailable, code: "internal", message: String(describing: error))
            logger.warning(
                "could not reach QuickBooks for an account",
                metadata: ["firm_id": "\(job.firmID)", "account_id": "\(job.accountID)", "error": "\(error)"])
            return .unavailable(problem, attempts: attemptsSoFar + 1)
        }
    }

    // MARK: - Phase 3: record

    enum LedgerEntry: Sendable {
        case event(IngressEvent, MessageOrigin)
        case pendingEvent(id: String)
        case none
    }

    private func record(_ result: LinkResult, for job: CustomerLinker.Job, ledger: LedgerEntry) async throws -> Outcome {
        try await database.withTransaction { connection in
            guard var account = try await AccountStore.lock(firmID: job.firmID, accountID: job.accountID, on: connection) else {
                try await markApplied(ledger, firmID: job.firmID, on: connection)
                return .superseded
            }
            let now = Date()
            guard account.leaseOwner == workerID || !account.isLeased(byOtherThan: workerID, at: now),
                account.state.status == .syncing, account.pendingEventID == job.requestSeed || account.pendingEventID == nil
            else {
                // Someone else holds or has finished this link, or a later event moved the account
                // on; their result stands. The event itself was applied (its decision is in the
                // database), so it enters the ledger: replayed after a later unsync, it would
                // otherwise sync the account again.
                try await markApplied(ledger, firmID: job.firmID, on: connection)
                return .superseded
            }
            let causedBy = job.requestSeed
            let input: AccountSyncInput?
            account.leaseOwner = nil
            account.leaseExpiresAt = nil
            switch result {
            case .linked(let customerID):
                input = .linked(customerID: customerID)
                account.attempts = 0
                account.nextAttemptAt = nil
            case .failed(let problem):
                input = .linkFailed(
                    code: problem.code, detail: FailureDetail.linkFailed(problem, accountName: job.accountName, mode: job.mode))
                account.nextAttemptAt = nil
            case .firmConnectionLost(let problem, let started):
                if try await markFirmDisconnected(job.firmID, problem, causedBy: causedBy, callStarted: started, on: connection)
                    == .reconnectedSince
                {
                    // The firm reconnected while the link ran (its reconnect found the account
                    // busy and left it): it goes again at once, as it stands.
                    input = nil
                    account.nextAttemptAt = now
                } else {
                    input = .linkDeferred(detail: FailureDetail.waitingForConnection)
                    account.nextAttemptAt = nil  // the firm's reconnect wakes it
                }
            case .unavailable(let problem, let attempts):
                account.attempts = attempts
                if attempts >= configuration.maxAttempts {
                    input = .linkFailed(
                        code: problem.code,
                        detail:
                            "QuickBooks did not accept the link after \(attempts) attempts (\(problem.code): \(problem.message)). Sync the account again to retry."
                    )
                    account.nextAttemptAt = nil
                } else {
                    input = .linkDeferred(detail: FailureDetail.waitingForQuickBooks(problem))
                    account.nextAttemptAt = now.addingTimeInterval(configuration.parkedWorkRetry.delay(beforeRetry: attempts).timeInterval)
                }
            }
            let transition = input.map { AccountSyncMachine.transition(from: account.state, on: $0, policy: .accountsWithActivity) }
            account.state = transition?.state ?? account.state
            if account.state.status != .syncing { account.pendingEventID = nil }
            try await AccountStore.save(account, on: connection)
            let updates = (transition?.actions ?? []).compactMap { action -> AccountStatusUpdate? in
                if case .publish(let update) = action { return update } else { return nil }
            }
            if !updates.isEmpty {
                let firm = try await FirmStore.load(firmID: job.firmID, on: connection)
                try await publish(updates, account: account, firm: firm, causedBy: causedBy, on: connection)
            }
            switch ledger {
            case .event(let event, let origin):
                try await AccountStore.markProcessed(event, origin: origin, workerID: workerID, on: connection)
            case .pendingEvent(let id) where account.state.status != .syncing:
                try await AccountStore.markProcessed(eventID: id, firmID: job.firmID, workerID: workerID, on: connection)
            case .pendingEvent, .none:
                break
            }
            return .applied
        }
    }

    private func markApplied(_ ledger: LedgerEntry, firmID: String, on connection: PostgresConnection) async throws {
        switch ledger {
        case .event(let event, let origin):
            try await AccountStore.markProcessed(event, origin: origin, workerID: workerID, on: connection)
        case .pendingEvent(let id):
            try await AccountStore.markProcessed(eventID: id, firmID: firmID, workerID: workerID, on: connection)
        case .none:
            break
        }
    }

    private func markFirmDisconnected(
        _ firmID: String, _ problem: QuickBooksProblem, causedBy: String, callStarted: Date, on connection: PostgresConnection
    ) async throws -> FirmStore.ConnectionLoss {
        let loss = try await FirmStore.recordConnectionLost(
            firmID: firmID, problem, causedBy: causedBy, statusTopic: configuration.topics.syncStatus, callStarted: callStarted,
            on: connection)
        if loss == .recorded {
            logger.error(
                "QuickBooks connection lost; the firm's work waits until it reconnects",
                metadata: ["firm_id": "\(firmID)", "code": "\(problem.code)"])
        }
        return loss
    }

    /// Publishes the account's column changes; the documents that wait on the account follow it.
    private func publish(
        _ updates: [AccountStatusUpdate], account: StoredAccount, firm: FirmRecord?, causedBy: String, on connection: PostgresConnection
    ) async throws {
        guard !updates.isEmpty else { return }
        for update in updates {
            let change = StatusChange(
                firmID: account.firmID, entity: .account, entityID: account.accountID, accountID: account.accountID,
                status: update.status, previousStatus: update.previousStatus, detail: update.detail,
                errorCode: update.errorCode, qboID: update.qboID, sequence: update.sequence, causedBy: causedBy)
            try await Outbox.enqueue(change, topic: configuration.topics.syncStatus, on: connection)
        }
        try await documents.review.accountChanged(
            firmID: account.firmID, accountID: account.accountID, account: account.state, firm: firm,
            causedBy: causedBy, on: connection)
    }
}

/// The accounts a worker is linking right now, counted (a link the consumer starts and one the
/// sweeper resumes may overlap for a moment).
actor RunningLinks {
    private var running: [[String]: Int] = [:]

    func insert(firmID: String, accountID: String) {
        running[[firmID, accountID], default: 0] += 1
    }

    func remove(firmID: String, accountID: String) {
        let key = [firmID, accountID]
        guard let count = running[key] else { return }
        running[key] = count > 1 ? count - 1 : nil
    }

    func contains(firmID: String, accountID: String) -> Bool {
        running[[firmID, accountID]] != nil
    }
}

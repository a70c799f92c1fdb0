import Foundation
import Logging
import Postgres
import Retry
import ServiceLifecycle
import SyncCore
import Tracing

/// Writes invoices and payments to QuickBooks, account by account, each account's documents in
/// the order they changed on the platform.
///
/// An account's documents form a queue (`document_queues`). A worker leases due queues of the
/// partitions it consumes; for each it takes the first pending document, plans the next
/// QuickBooks write, makes it, and records the result — one write at a time, so a crash resumes
/// exactly where it stopped. A transient QuickBooks error parks the whole account with backoff
/// (its documents keep their order) while other accounts flow; a refusal fails that document and
/// the queue moves on; a lost firm connection waits for the firm to reconnect.
struct DocumentPusher: Service {
    let database: PostgresClient
    let writer: DocumentWriter
    let review: DocumentReview
    let assignment: PartitionAssignment
    let signal: WakeSignal
    let outboxSignal: WakeSignal
    /// The payloads of documents this worker's consumer stored, so a plan does not decode them again.
    var payloads: PayloadHandOff? = nil
    let workerID: String
    let configuration: WorkerConfiguration
    let metrics: WorkerMetrics
    let logger: Logger
    var tracing = PipelineTracing()
    /// Accounts written to at once (``WorkerConfiguration/pusherConcurrency``).
    var concurrency: Int { configuration.pusherConcurrency }
    /// Writes to one account before it yields its place to others.
    var writesPerTurn = 50
    /// Records of writes (to as many accounts) in one transaction, at most.
    var recordsPerRound = 32
    /// The drains' records, taken by one task, many accounts to a transaction.
    let rounds = Rounds<[String], Record, Next> { [$0.step.firm.firmID, $0.step.document.accountID] }

    func run() async throws {
        await withDiscardingTaskGroup { outer in
            outer.addTask {
                await rounds.run(limit: recordsPerRound) { records in
                    do {
                        let next = try await recordAndPlan(records)
                        metrics.pusherRound(records: records.count, committed: true)
                        return next
                    } catch {
                        // Each record is then made on its own by its drain.
                        metrics.pusherRound(records: records.count, committed: false)
                        logger.info(
                            "a round of write records failed; each is recorded on its own",
                            metadata: ["records": "\(records.count)", "error": "\(error)"])
                        throw error
                    }
                }
            }
            await claimAndDrain()
            rounds.close()
        }
    }

    /// Claims due queues and drains them, as many at once as there are places, until shutdown.
    private func claimAndDrain() async {
        let slots = Slots(free: concurrency)
        // The leases of every account being drained are kept alive together, until the last drain
        // has ended (a drain still writing at shutdown keeps its lease).
        let renewing = Task { await renewLeases(of: slots) }
        await withDiscardingTaskGroup { group in
            var lastExpiry = ContinuousClock.now
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let free = await slots.free
                var claimedAll = false
                if free > 0 {
                    do {
                        let claimed = try await claim(free)
                        for queue in claimed {
                            // Claimed again while this worker still drains it (its lease lapsed
                            // under a slow renewal): the running drain goes on, alone.
                            guard await slots.take(queue.firmID, queue.accountID) else { continue }
                            group.addTask {
                                await drain(firmID: queue.firmID, accountID: queue.accountID)
                                await slots.put(queue.firmID, queue.accountID)
                                signal.nudge()
                            }
                        }
                        claimedAll = claimed.count == free
                    } catch {
                        logger.warning("document pusher could not claim work; retrying", metadata: ["error": "\(error)"])
                    }
                }
                if ContinuousClock.now - lastExpiry >= configuration.sweepInterval {
                    lastExpiry = .now
                    do { try await expireWaits() } catch {
                        logger.warning("could not look for payments waiting too long; looking again later", metadata: ["error": "\(error)"])
                    }
                }
                if !claimedAll { await signal.wait(timeout: configuration.sweepInterval) }
            }
        }
        renewing.cancel()
        await renewing.value
    }

    /// Every third of a lease, extends the leases of the accounts being drained, in one statement:
    /// a write can wait on its realm (calls in flight, a spent window, retries) longer than a
    /// lease, and a lapsed lease would have another worker plan the same write again, as a repeat
    /// sent beside the original. One loop for all of them: a renewal timer of its own for each
    /// write (cancelled when it is answered) stayed behind in the dispatch queues until it was
    /// due, about 11 MiB at 800 writes a second.
    private func renewLeases(of slots: Slots) async {
        let period = configuration.leaseDuration / 3
        while (try? await Task.sleep(for: period)) != nil {
            let held = await slots.draining
            guard !held.isEmpty else { continue }
            let until = Date().addingTimeInterval(configuration.leaseDuration.timeInterval)
            do {
                _ = try await database.withConnection { connection in
                    try await DocumentQueueStore.renewLeases(held, worker: workerID, until: until, on: connection)
                }
            } catch {
                // A lease may lapse; a write's record still checks who holds the queue.
                logger.info("could not renew the leases of the accounts being drained", metadata: ["error": "\(error)"])
            }
        }
    }

    private func claim(_ limit: Int) async throws -> [(firmID: String, accountID: String)] {
        let owned = await assignment.ownerPartitions
        guard !owned.isEmpty else { return [] }
        let leaseEnd = Date().addingTimeInterval(configuration.leaseDuration.timeInterval)
        return try await database.withTransaction { connection in
            try await DocumentQueueStore.claim(ownerPartitions: owned, worker: workerID, leaseUntil: leaseEnd, limit: limit, on: connection)
        }
    }

    /// Writes the account's documents until its queue is empty, waits, or has had its turn.
    ///
    /// One transaction per write: the result of a write is recorded in the same transaction that
    /// plans the next one (only the first write of a turn is planned on its own).
    func drain(firmID: String, accountID: String) async {
        var writes = 0
        var next: Next
        do {
            next = try await prepare(firmID: firmID, accountID: accountID, yield: Task.isShuttingDownGracefully)
        } catch {
            // Its lease runs out and the queue is claimed again.
            logger.warning(
                "could not read an account's document queue",
                metadata: ["firm_id": "\(firmID)", "account_id": "\(accountID)", "error": "\(error)"])
            return
        }
        while case .write(let step, let attempts) = next {
            writes += 1
            let yield = writes >= writesPerTurn
            // The write continues the trace of the event behind the document's newest change.
            next = await tracing.span(
                "qbsync.write \(step.operation.name)", parent: step.document.trace,
                attributes: [
                    "qbsync.firm_id": firmID, "qbsync.document": "\(step.document.kind.rawValue) \(step.document.documentID)",
                ]
            ) { span in
                // The lease is kept alive by ``renewLeases(of:)`` while the write is out.
                let result = await execute(step, attemptsSoFar: attempts)
                let record = Record(result: result, step: step, yield: yield || Task.isShuttingDownGracefully)
                if let next = await rounds.submit(record) { return next }
                // The round's transaction failed, perhaps for another account's record: this one on its own.
                do {
                    return try await recordAndPlan([record])[0]
                } catch {
                    // Planning the next write failed, or recording this one did: record it on its
                    // own, so a next document the database cannot plan never holds this result back.
                    do {
                        _ = try await self.record(result, of: step)
                    } catch {
                        // The write stands in QuickBooks; its next attempt repeats it with the same requestid.
                        span.recordError(error)
                        logger.warning(
                            "could not record a QuickBooks write; it will be repeated",
                            metadata: [
                                "firm_id": "\(firmID)", "document": "\(step.document.kind.rawValue) \(step.document.documentID)",
                                "error": "\(error)",
                            ])
                    }
                    return .stop
                }
            }
            outboxSignal.nudge()
        }
    }

    enum Next: Sendable {
        case stop
        case write(DocumentWriter.Step, attempts: Int)
    }

    // MARK: - Plan the next write

    private func prepare(firmID: String, accountID: String, yield: Bool) async throws -> Next {
        try await database.withTransaction { connection in
            let reads = try await QueueReads.read(.init(firmID: firmID, accountID: accountID), worker: workerID, on: connection)
            return try await plan(firmID: firmID, accountID: accountID, yield: yield, reads, on: connection)
        }
    }

    /// What a transaction of the pusher reads around an account's queue, once: a write's record
    /// and the plan of the next write share it.
    struct QueueReads: Sendable {
        /// The queue's lease, locked; nil when this worker no longer holds it.
        var lease: DocumentQueueStore.Lease?
        var firm: FirmRecord?
        var account: StoredAccount?
        /// The document a write was made for, locked, as stored now (nil when it is gone), with
        /// its QuickBooks objects; read when a write is recorded.
        var written: (document: StoredDocument, components: [AppliedComponent])?
        /// When the write created an invoice: the payments waiting for it, locked.
        var awaitingPayments: [StoredDocument] = []

        /// What to read around one account's queue.
        struct Request: Sendable {
            var firmID: String
            var accountID: String
            /// The document a write was made for, to read again.
            var written: StoredDocument? = nil
            /// The write created this invoice: read the payments waiting for it.
            var createdInvoice = false
        }

        /// The reads go out together, in one round trip, the queue locked before the documents.
        static func read(_ request: Request, worker: String, on connection: PostgresConnection) async throws -> QueueReads {
            try await read([request], worker: worker, on: connection)[0]
        }

        /// The reads of several accounts' queues, in one round trip and one statement per table: the
        /// queues locked in key order, then the written documents in key order.
        static func read(_ requests: [Request], worker: String, on connection: PostgresConnection) async throws -> [QueueReads] {
            guard !requests.isEmpty else { return [] }
            let written = requests.compactMap(\.written)
            let created = requests.filter(\.createdInvoice).compactMap(\.written)
            let queues: [PostgresValue] = [.textArray(requests.map(\.firmID)), .textArray(requests.map(\.accountID))]
            let documents: [PostgresValue] = [
                .textArray(written.map(\.firmID)), .textArray(written.map(\.kind.rawValue)), .textArray(written.map(\.documentID)),
            ]
            let awaited: [PostgresValue] = [.textArray(created.map(\.documentID)), .textArray(Set(created.map(\.firmID)).sorted())]
            // The payments waiting for created invoices are woken in their own accounts' queues: those
            // queues are locked here too, in the same key order, before any document.
            let waitingAccounts =
                created.isEmpty
                ? ""
                : """
                 union select firm_id, account_id from documents
                    where kind = 'payment' and cardinality(awaiting) > 0 and awaiting && $4::text[] and firm_id = any($5)
                """
            var statements: [(String, [PostgresValue])] = [
                (
                    """
                    select firm_id, account_id, attempts, owner_partition, lease_owner = $3 as held from document_queues
                    where (firm_id, account_id) in (select * from unnest($1::text[], $2::text[])\(waitingAccounts))
                    order by firm_id, account_id for update
                    """, queues + [.text(worker)] + (created.isEmpty ? [] : awaited)
                ),
                ("select \(FirmStore.columns) from firms where firm_id = any($1)", [.textArray(Set(requests.map(\.firmID)).sorted())]),
                (
                    "select \(AccountStore.columns) from accounts where (firm_id, account_id) in (select * from unnest($1::text[], $2::text[]))",
                    queues
                ),
            ]
            if !written.isEmpty {
                statements += [
                    (
                        """
                        select \(DocumentStore.columns) from documents
                        where (firm_id, kind, document_id) in (select * from unnest($1::text[], $2::text[], $3::text[]))
                        order by firm_id, kind, document_id for update
                        """, documents
                    ),
                    (
                        """
                        select firm_id, kind, document_id, role, qbo_type, qbo_id, sync_token, applied_revision, attempt_revision,
                               attempt_generation, state
                        from document_components
                        where (firm_id, kind, document_id) in (select * from unnest($1::text[], $2::text[], $3::text[]))
                        """, documents
                    ),
                ]
            }
            if !created.isEmpty {
                // Payments waiting for any of the created invoices (the same id in another firm's too: they are sorted out below).
                statements.append(
                    (
                        """
                        select \(DocumentStore.columns) from documents
                        where kind = 'payment' and cardinality(awaiting) > 0 and awaiting && $1::text[] and firm_id = any($2)
                        order by firm_id, kind, document_id for update
                        """, awaited
                    ))
            }
            let rows = try await connection.query(batch: statements)
            var leases: [[String]: DocumentQueueStore.Lease] = [:]
            for row in rows[0] where try row.decode(Bool?.self, "held") == true {
                leases[[try row.decode(String.self, "firm_id"), try row.decode(String.self, "account_id")]] = try .init(row)
            }
            var firms: [String: FirmRecord] = [:]
            for firm in try rows[1].map(FirmStore.decode) { firms[firm.firmID] = firm }
            var accounts: [[String]: StoredAccount] = [:]
            for account in try rows[2].map(AccountStore.decode) { accounts[[account.firmID, account.accountID]] = account }
            var stored: [[String]: PostgresRow] = [:]
            for row in written.isEmpty ? [] : rows[3] {
                stored[[
                    try row.decode(String.self, "firm_id"), try row.decode(String.self, "kind"), try row.decode(String.self, "document_id"),
                ]] =
                    row
            }
            var components: [[String]: [PostgresRow]] = [:]
            for row in written.isEmpty ? [] : rows[4] {
                let key = [
                    try row.decode(String.self, "firm_id"), try row.decode(String.self, "kind"), try row.decode(String.self, "document_id"),
                ]
                components[key, default: []].append(row)
            }
            let waiting = rows.count > 5 ? try rows[5].map(DocumentStore.decode) : []
            // A payment waiting for two of the invoices goes to the first: waking it once is enough.
            var woken: Set<[String]> = []
            return try requests.map { request in
                var reads = QueueReads(
                    lease: leases[[request.firmID, request.accountID]], firm: firms[request.firmID],
                    account: accounts[[request.firmID, request.accountID]])
                if let written = request.written {
                    let key = [written.firmID, written.kind.rawValue, written.documentID]
                    if let row = stored[key] {
                        reads.written = (
                            try DocumentStore.decode(row, known: written), try DocumentStore.decodeComponents(components[key] ?? [])
                        )
                    }
                    if request.createdInvoice {
                        reads.awaitingPayments = waiting.filter { payment in
                            payment.firmID == written.firmID && payment.awaiting.contains(written.documentID)
                                && woken.insert([payment.firmID, payment.documentID]).inserted
                        }
                    }
                }
                return reads
            }
        }
    }

    /// What a plan does before it reads the account's head.
    enum Gate: Equatable {
        /// Reads the head and plans.
        case proceed
        /// Nothing: the lease is gone.
        case stop
        /// Gives the queue up, due again at the date (nil: when woken): the turn is over, a
        /// rebalance gave the partition to another worker (which takes it now), or the firm is
        /// not connected (its reconnect wakes the queue).
        case release(Date?)
    }

    private func gate(yield: Bool, _ reads: QueueReads) async -> Gate {
        guard let lease = reads.lease else { return .stop }
        if yield { return .release(Date()) }
        guard await assignment.owns(lease.ownerPartition) else { return .release(Date()) }
        guard let firm = reads.firm, firm.connection.isConnected else { return .release(nil) }
        return .proceed
    }

    /// An account's head before its plan: read with other accounts' heads, or still to read.
    enum Head {
        case toRead
        case read((StoredDocument, [AppliedComponent])?)
    }

    /// Plans the account's next write inside the caller's transaction, which has read `reads`:
    /// the queue's lease kept, the head document reviewed, what QuickBooks should hold compared
    /// with what it holds.
    private func plan(
        firmID: String, accountID: String, yield: Bool, _ reads: QueueReads, head first: Head = .toRead, on connection: PostgresConnection
    ) async throws -> Next {
        func release(_ next: Date?) async throws -> Next {
            try await DocumentQueueStore.release(firmID: firmID, accountID: accountID, worker: workerID, nextAttempt: next, on: connection)
            return .stop
        }
        switch await gate(yield: yield, reads) {
        case .stop: return .stop
        case .release(let next): return try await release(next)
        case .proceed: break
        }
        // The gate let it through: the lease and the firm are there.
        guard let lease = reads.lease, let firm = reads.firm else { return .stop }
        var first = first
        let account = reads.account
        let around = DocumentReview.Surroundings(firm: firm, account: account?.state)
        var detour: StoredDocument?
        var detoured: Set<String> = []
        while true {
            let head: (StoredDocument, [AppliedComponent])?
            if let detour {
                head = (detour, try await DocumentStore.components(of: detour, on: connection))
            } else if case .read(let found) = first {
                head = found
                first = .toRead
            } else {
                head = try await DocumentStore.pendingHeadWithComponents(
                    firmID: firmID, accountID: accountID, handOff: payloads, on: connection)
            }
            guard let head else { return try await release(nil) }
            var document = head.0
            let components = head.1
            detour = nil
            let refunds = try await DocumentStore.refunds(of: document, on: connection)
            let verdict = try await review.reviewAndSave(
                &document, components: components, refunds: refunds, around: around,
                causedBy: document.lastEventID, asLoaded: true, on: connection)
            switch verdict.next {
            case .waitForAccount, .waitForFirm: return try await release(nil)
            case .nothing, .waitForInvoices: continue
            case .push: break
            }
            let desired = DocumentPlanner.desired(document.shape(refunds: refunds))
            // Removals name no customer (a payment unsynced by hand goes even from an unsynced account).
            guard let operation = DocumentPlanner.nextOperation(desired: desired, applied: components),
                let customerID = account?.state.qboCustomerID ?? (operation.namesCustomer ? nil : "")
            else {
                // Not expected (to push means a write is planned and the account is linked);
                // never spin on it inside the transaction: the queue waits and says so.
                logger.error(
                    "a document to write has no planned write or no customer; its account's queue waits",
                    metadata: [
                        "firm_id": "\(firmID)", "account_id": "\(accountID)",
                        "document": "\(document.kind.rawValue) \(document.documentID)",
                    ])
                return try await release(Date().addingTimeInterval(configuration.leaseDuration.timeInterval))
            }

            var invoiceIDs: [String: String] = [:]
            if case .paymentUpserted(let payment)? = document.payload, operation.appliesPayment {
                let wanted = payment.appliedTo.map(\.invoiceID)
                invoiceIDs = try await DocumentStore.invoiceQuickBooksIDs(firmID: firmID, invoiceIDs: wanted, on: connection)
                let missing = wanted.filter { invoiceIDs[$0] == nil }
                let known = try await DocumentStore.invoices(firmID: firmID, ids: missing, on: connection)
                var awaiting: [String] = []
                var labels: [String] = []
                for id in missing {
                    guard let invoice = known[id] else {
                        awaiting.append(id)
                        labels.append(id)
                        continue
                    }
                    if invoice.pending, invoice.accountID == accountID, !detoured.contains(id) {
                        // The invoice is this account's and still to be written: it goes first.
                        detoured.insert(id)
                        detour = try await DocumentStore.lock(firmID: firmID, kind: .invoice, documentID: id, on: connection)
                        break
                    }
                    if invoice.pending || invoice.failure != nil {
                        awaiting.append(id)
                        labels.append(invoice.label)
                    }
                    // Otherwise it will never reach QuickBooks (before the sync start, voided,
                    // deleted): that part of the payment stays unapplied credit.
                }
                if detour != nil { continue }
                if !awaiting.isEmpty {
                    document.awaiting = awaiting
                    document.awaitingLabels = labels
                    try await review.reviewAndSave(
                        &document, components: components, refunds: refunds, around: around,
                        causedBy: document.lastEventID, on: connection)
                    continue
                }
            }

            var attemptRevision = operation.requestRevisionNumber
            var generation = operation.component?.attemptGeneration ?? document.generation
            // A repeat (an earlier attempt parked, or a create planned before) may have gone in a batch.
            var mayHaveBeenSent = lease.attempts > 0
            if case .create(let want) = operation {
                // The requestid of a create derives from its first attempt's revision (and the
                // document's generation then): keep them until QuickBooks has answered, so a
                // repeat cannot create a second object.
                let existing = components.first { $0.role == want.role }
                if let existing, existing.type == want.type, existing.createUncertain, let first = existing.attemptRevision {
                    attemptRevision = first
                    generation = existing.attemptGeneration
                    mayHaveBeenSent = true
                } else {
                    attemptRevision = want.revision
                    generation = document.generation
                    try await DocumentStore.saveComponent(
                        AppliedComponent(role: want.role, type: want.type, attemptRevision: want.revision, attemptGeneration: generation),
                        of: document, on: connection)
                }
            }
            try await DocumentQueueStore.extendLease(
                firmID: firmID, accountID: accountID, worker: workerID,
                until: Date().addingTimeInterval(configuration.leaseDuration.timeInterval), on: connection)
            let step = DocumentWriter.Step(
                firm: firm, document: document, operation: operation, attemptRevision: attemptRevision, generation: generation,
                customerID: customerID, invoiceIDs: invoiceIDs, components: components, refunds: refunds, mayHaveBeenSent: mayHaveBeenSent)
            return .write(step, attempts: lease.attempts)
        }
    }

    // MARK: - Write

    enum WriteResult: Sendable {
        case written(AppliedComponent)
        /// QuickBooks refused it; the document fails until it changes again.
        case refused(QuickBooksProblem)
        /// Transient trouble outlasted the immediate retries.
        case parked(QuickBooksProblem, attempts: Int)
        /// The firm's connection failed the write, which began at `callStarted`.
        case firmConnectionLost(QuickBooksProblem, callStarted: Date)
    }

    private func execute(_ step: DocumentWriter.Step, attemptsSoFar: Int) async -> WriteResult {
        let started = Date()
        do {
            let component = try await configuration.quickBooksCallRetry.run(transient: { error in
                QuickBooksProblem.asksToRetry(error) && !Task.isShuttingDownGracefully
            }) { attempt in
                var step = step
                if attempt > 1 { step.mayHaveBeenSent = true }  // the attempt before may have reached QuickBooks
                return try await writer.perform(step)
            }
            metrics.documentWrite(step.operation.name, outcome: "written")
            return .written(component)
        } catch let problem as QuickBooksProblem {
            switch problem.disposition {
            case .account:
                metrics.documentWrite(step.operation.name, outcome: "refused")
                return .refused(problem)
            case .firmConnection:
                return .firmConnectionLost(problem, callStarted: started)
            case .retryLater:
                metrics.documentWrite(step.operation.name, outcome: "parked")
                return .parked(problem, attempts: attemptsSoFar + 1)
            }
        } catch {
            // The database, while looking up items and accounts: the same as QuickBooks being away.
            logger.warning("could not prepare a QuickBooks write", metadata: ["firm_id": "\(step.firm.firmID)", "error": "\(error)"])
            return .parked(
                QuickBooksProblem(kind: .unavailable, code: "internal", message: String(describing: error)), attempts: attemptsSoFar + 1)
        }
    }

    // MARK: - Record

    enum AfterWrite: Sendable { case goOn, stop }

    /// A write's result, to record with the plan of its account's next write.
    struct Record: Sendable {
        var result: WriteResult
        var step: DocumentWriter.Step
        /// The account's turn is over: its queue is given up after this record.
        var yield: Bool
        /// The trace the record's status events join: the write's span.
        var trace = PipelineTracing.current

        var reads: QueueReads.Request {
            .init(firmID: step.firm.firmID, accountID: step.document.accountID, written: step.document, createdInvoice: step.createsInvoice)
        }
    }

    /// Records the results of writes to several accounts (one each) and plans each account's
    /// next write, in one transaction: the queues and written documents are read in one round
    /// trip, the next heads in another, and the rows written go one statement per table.
    func recordAndPlan(_ given: [Record]) async throws -> [Next] {
        // The queues are locked in key order, the same in every round.
        let order = given.indices.sorted {
            (given[$0].step.firm.firmID, given[$0].step.document.accountID) < (
                given[$1].step.firm.firmID, given[$1].step.document.accountID
            )
        }
        let records = order.map { given[$0] }
        let planned = try await database.withTransaction { connection in
            let reads = try await QueueReads.read(records.map(\.reads), worker: workerID, on: connection)
            var goOn: [Int] = []
            for (index, record) in records.enumerated() {
                // A record that goes on changed none of what it read (it stops where it would).
                let after = try await PipelineTracing.$current.withValue(record.trace) {
                    try await self.record(record.result, of: record.step, reads[index], on: connection)
                }
                if after == .goOn { goOn.append(index) }
            }
            // The heads of the accounts whose plans will read one, read together after the records' writes.
            var ahead: [Int] = []
            for index in goOn where await gate(yield: records[index].yield, reads[index]) == .proceed { ahead.append(index) }
            let heads = try await DocumentStore.pendingHeadsWithComponents(
                of: ahead.map { (records[$0].step.firm.firmID, records[$0].step.document.accountID) }, handOff: payloads,
                on: connection)
            var headOf: [Int: (StoredDocument, [AppliedComponent])?] = [:]
            for (index, head) in zip(ahead, heads) { headOf[index] = head }
            var next = [Next](repeating: .stop, count: records.count)
            for index in goOn {
                let record = records[index]
                next[index] = try await PipelineTracing.$current.withValue(record.trace) {
                    try await plan(
                        firmID: record.step.firm.firmID, accountID: record.step.document.accountID, yield: record.yield, reads[index],
                        head: headOf[index].map(Head.read) ?? .toRead, on: connection)
                }
            }
            return next
        }
        var answers = [Next](repeating: .stop, count: given.count)
        for (position, index) in order.enumerated() { answers[index] = planned[position] }
        return answers
    }

    private func record(_ result: WriteResult, of step: DocumentWriter.Step) async throws -> AfterWrite {
        try await database.withTransaction { connection in
            let reads = try await QueueReads.read(
                .init(
                    firmID: step.firm.firmID, accountID: step.document.accountID, written: step.document,
                    createdInvoice: step.createsInvoice),
                worker: workerID, on: connection)
            return try await record(result, of: step, reads, on: connection)
        }
    }

    /// Records `result` inside the caller's transaction, which has read `reads` (with the written document).
    private func record(
        _ result: WriteResult, of step: DocumentWriter.Step, _ reads: QueueReads, on connection: PostgresConnection
    ) async throws -> AfterWrite {
        let firmID = step.firm.firmID
        let accountID = step.document.accountID
        let lease = reads.lease
        guard var (document, components) = reads.written else { return .stop }
        // The document's QuickBooks objects as this record leaves them.
        func replace(_ component: AppliedComponent) {
            components.removeAll { $0.role == component.role }
            components.append(component)
        }
        let around = DocumentReview.Surroundings(firm: reads.firm, account: reads.account?.state)
        var after = AfterWrite.goOn
        switch result {
        case .written(let component):
            // What QuickBooks holds is a fact, recorded whoever holds the queue now.
            try await DocumentStore.saveComponent(component, of: document, on: connection)
            replace(component)
            document.parkedDetail = nil
            if step.createsInvoice, component.role == .main, component.type == .invoice {
                try await wakePayments(reads.awaitingPayments, awaiting: document, around: around, on: connection)
            }
            if case .delete = step.operation, document.kind == .payment, component.role == .main {
                try await retryInvoiceDeletions(firmID: firmID, accountID: accountID, around: around, on: connection)
            }
        case .refused(let problem):
            let detail =
                Self.ownDetailCodes.contains(problem.code)
                ? (problem.detail ?? problem.message)
                : FailureDetail.documentRefused(problem, kind: document.kind, label: document.label, operation: step.operation.verb)
            if case .create(let want) = step.operation {
                // Refused: nothing was created, so the next create may start afresh.
                let fresh = AppliedComponent(role: want.role, type: want.type)
                try await DocumentStore.saveComponent(fresh, of: document, on: connection)
                replace(fresh)
            }
            document.recordFailure(code: problem.code, detail: detail)
            logger.notice(
                "QuickBooks refused a document",
                metadata: [
                    "firm_id": "\(firmID)", "document": "\(document.kind.rawValue) \(document.documentID)", "code": "\(problem.code)",
                    "operation": "\(step.operation.name)", "error": "\(problem.message)",
                ])
        case .parked(let problem, let attempts):
            if attempts >= configuration.maxAttempts {
                document.recordFailure(
                    code: problem.code, detail: FailureDetail.documentRetriesSpent(problem, kind: document.kind, attempts: attempts))
                try await DocumentQueueStore.release(
                    firmID: firmID, accountID: accountID, worker: workerID, nextAttempt: Date(), attempts: 0, on: connection)
            } else {
                document.parkedDetail = FailureDetail.waitingForQuickBooks(problem, kind: document.kind)
                let delay = configuration.parkedWorkRetry.delay(beforeRetry: attempts)
                try await DocumentQueueStore.release(
                    firmID: firmID, accountID: accountID, worker: workerID,
                    nextAttempt: Date().addingTimeInterval(delay.timeInterval), attempts: attempts, on: connection)
                logger.info(
                    "QuickBooks unavailable; the account's documents wait",
                    metadata: [
                        "firm_id": "\(firmID)", "account_id": "\(accountID)", "code": "\(problem.code)", "attempts": "\(attempts)",
                    ])
            }
            after = .stop
        case .firmConnectionLost(let problem, let started):
            let loss = try await FirmStore.recordConnectionLost(
                firmID: firmID, problem, causedBy: document.lastEventID, statusTopic: review.statusTopic, callStarted: started,
                on: connection)
            if loss == .recorded {
                logger.error(
                    "QuickBooks connection lost; the firm's work waits until it reconnects",
                    metadata: ["firm_id": "\(firmID)", "code": "\(problem.code)"])
            }
            // Reconnected while the write was out (the reconnect found the queue busy): it goes
            // again at once; otherwise the firm's reconnect wakes it.
            try await DocumentQueueStore.release(
                firmID: firmID, accountID: accountID, worker: workerID, nextAttempt: loss == .reconnectedSince ? Date() : nil,
                on: connection)
            after = .stop
        }
        try await review.reviewAndSave(
            &document, components: components, refunds: try await DocumentStore.refunds(of: document, on: connection), around: around,
            causedBy: document.lastEventID, on: connection)
        if lease == nil { after = .stop }  // someone else holds the queue now
        return after
    }

    /// Payments that have waited for their invoices longer than the firm's patience say so
    /// (`failed`, naming the invoices); they keep waiting, and go as soon as the invoices do.
    private func expireWaits() async throws {
        let since = Date().addingTimeInterval(-configuration.paymentInvoiceWait.timeInterval)
        let expired = try await database.withTransaction { connection -> Int in
            let payments = try await DocumentStore.awaitedTooLong(since: since, limit: 100, on: connection)
            for var payment in payments {
                let firm = try await FirmStore.load(firmID: payment.firmID, on: connection)
                let account = try await AccountStore.read(firmID: payment.firmID, accountID: payment.accountID, on: connection)?.state
                try await review.reviewAndSave(
                    &payment, around: .init(firm: firm, account: account), causedBy: payment.lastEventID, on: connection)
            }
            return payments.count
        }
        if expired > 0 { outboxSignal.nudge() }
    }

    /// Codes whose detail qbsync wrote itself, for the accountant, before calling QuickBooks.
    static let ownDetailCodes: Set<String> = ["no_account", "docnumber_too_long"]

    /// An invoice reached QuickBooks: the payments waiting for it go back into their queues.
    /// - Parameter payments: the payments waiting for `invoice`, locked (``QueueReads/awaitingPayments``).
    private func wakePayments(
        _ payments: [StoredDocument], awaiting invoice: StoredDocument, around: DocumentReview.Surroundings,
        on connection: PostgresConnection
    ) async throws {
        for var payment in payments {
            payment.awaiting = []
            payment.awaitingLabels = []
            payment.changeSeq = nil
            var surroundings = around
            if payment.accountID != invoice.accountID {
                surroundings.account = try await AccountStore.read(firmID: payment.firmID, accountID: payment.accountID, on: connection)?
                    .state
            }
            let verdict = try await review.reviewAndSave(&payment, around: surroundings, causedBy: payment.lastEventID, on: connection)
            if verdict.next == .push {
                try await DocumentQueueStore.wake(firmID: payment.firmID, accountID: payment.accountID, on: connection)
            }
        }
    }

    /// A payment left QuickBooks: invoice deletions QuickBooks refused because of it are tried again.
    private func retryInvoiceDeletions(
        firmID: String, accountID: String, around: DocumentReview.Surroundings, on connection: PostgresConnection
    ) async throws {
        for var invoice in try await DocumentStore.refusedDeletions(firmID: firmID, accountID: accountID, on: connection) {
            invoice.clearFailure()
            invoice.changeSeq = nil
            try await review.reviewAndSave(&invoice, around: around, causedBy: invoice.lastEventID, on: connection)
        }
    }
}

/// The pusher's free places, and the accounts it is draining: one drain per account at a time.
private actor Slots {
    private(set) var free: Int
    private var accounts: Set<AccountStore.Key> = []
    init(free: Int) { self.free = free }

    /// The accounts being drained, in key order.
    var draining: [AccountStore.Key] {
        accounts.sorted { ($0.firmID, $0.accountID) < ($1.firmID, $1.accountID) }
    }

    /// Takes a place for the account; false when it is already being drained.
    func take(_ firmID: String, _ accountID: String) -> Bool {
        guard accounts.insert(.init(firmID: firmID, accountID: accountID)).inserted else { return false }
        free -= 1
        return true
    }

    func put(_ firmID: String, _ accountID: String) {
        accounts.remove(.init(firmID: firmID, accountID: accountID))
        free += 1
    }
}

extension DocumentWriter.Step {
    /// The write creates an invoice's Invoice object: payments may be waiting for it.
    var createsInvoice: Bool {
        if case .create(let want) = operation { return want.role == .main && want.type == .invoice }
        return false
    }
}

extension ComponentOperation {
    /// Writes that link a payment to invoices need their QuickBooks ids.
    var appliesPayment: Bool {
        switch self {
        case .create(let want), .update(let want, _): want.type == .payment
        case .void, .delete: false
        }
    }

    var verb: String {
        switch self {
        case .create: "create"
        case .update: "update"
        case .void: "void"
        case .delete: "delete"
        }
    }

    /// Creates and updates carry the customer; removals do not.
    var namesCustomer: Bool {
        switch self {
        case .create, .update: true
        case .void, .delete: false
        }
    }

    /// The recorded object an update, void or delete acts on.
    var component: AppliedComponent? {
        switch self {
        case .create: nil
        case .update(_, let current), .void(let current), .delete(let current): current
        }
    }

    var requestRevisionNumber: Int64 {
        switch self {
        case .create(let want), .update(let want, _): want.revision
        case .void, .delete: 0
        }
    }
}

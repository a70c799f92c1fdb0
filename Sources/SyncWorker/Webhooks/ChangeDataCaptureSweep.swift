import DequeModule
import Foundation
import Logging
import Metrics
import Postgres
import QuickBooks
import ServiceLifecycle
import SyncCore

/// The backstop for webhooks, which can be late, repeated or missing: every connected realm is
/// asked for what changed since its checkpoint (`GET …/cdc`), at start and then every
/// `interval`, through the realm's budget like any other call. What it finds joins the
/// notifications (``NotificationStore``, where a change already reported by webhook is kept
/// once) and the checkpoint moves to when the question was asked.
///
/// Change-data-capture reaches 30 days back. A realm whose checkpoint is older (a worker fleet
/// down that long) gets a full reconcile instead: every object qbsync wrote there, and every
/// linked customer, is checked again.
struct ChangeDataCaptureSweep: Service {
    let database: PostgresClient
    let gateway: QuickBooksGateway
    let workerID: String
    let interval: Duration
    var realmsPerPass = 20
    /// Four realms are swept at once (each pass claims `realmsPerPass`). An answer names up to a
    /// thousand objects per entity, each in full (change-data-capture cannot select fields):
    /// megabytes per realm while it is received and decoded. The long benchmark's first sweep after
    /// its invoices (every company's own invoices come back) raised the peak by 30 MiB with a
    /// whole pass of twenty at once, and by 12–15 MiB with four or with two: what is left of the
    /// step is not the answers. At QuickBooks' latency four at once sweep a few thousand companies
    /// per worker in five minutes, and the claims are group-wide: more workers sweep more.
    let turns = Turns(atOnce: 4)
    let metrics: WorkerMetrics
    let logger: Logger

    /// The entities whose changes matter to what qbsync wrote.
    static let entities = ["Customer", "Invoice", "Payment", "CreditMemo", "RefundReceipt", "Purchase"]

    func run() async throws {
        // Each realm is due on its own schedule; looking for due ones every second is cheap.
        await repeatUntilShutdown(every: .seconds(1)) {
            do {
                while true {
                    let count = try await sweepOnce()
                    if count < realmsPerPass || Task.isShuttingDownGracefully { break }
                }
            } catch {
                logger.warning("change-data-capture sweep failed; it runs again later", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Sweeps the realms that are due; returns how many.
    @discardableResult
    func sweepOnce() async throws -> Int {
        let due = try await claimDue()
        // Realms are swept a few at once (each within its own budget): one at a time, QuickBooks'
        // latency would make a round of many companies longer than the interval.
        await withDiscardingTaskGroup { group in
            for (realm, firmID, checkedUntil) in due {
                group.addTask {
                    do {
                        try await turns.run { try await sweep(realm: realm, firmID: firmID, checkedUntil: checkedUntil) }
                    } catch {
                        logger.warning(
                            "could not ask QuickBooks what changed in a company; asking again later",
                            metadata: [
                                "realm_id": "\(realm)", "error": "\(error)",
                            ])
                        do { try await release(realm, nextSweep: Date().addingTimeInterval(min(60, interval.timeInterval))) } catch {
                            // Its claim runs out within a minute, and the realm is swept then.
                            logger.debug(
                                "could not release a change-data-capture claim", metadata: ["realm_id": "\(realm)", "error": "\(error)"])
                        }
                    }
                }
            }
        }
        return due.count
    }

    private func claimDue() async throws -> [(realm: String, firmID: String, checkedUntil: Date)] {
        try await database.withTransaction { connection in
            // Realms connected since the last pass start from their connection.
            _ = try await connection.execute(
                """
                insert into quickbooks_cdc_checkpoints (realm_id, checked_until)
                select realm_id, min(connected_at) from firms where connection_status = 'synced' group by realm_id
                on conflict (realm_id) do nothing
                """)
            return try await connection.query(
                """
                update quickbooks_cdc_checkpoints c set claimed_by = $1, claimed_until = now() + interval '60 seconds'
                from (select realm_id from quickbooks_cdc_checkpoints
                      where next_sweep_at <= now() and (claimed_until is null or claimed_until < now())
                      order by next_sweep_at limit $2 for update skip locked) due,
                     lateral (select firm_id from firms f where f.realm_id = due.realm_id and f.connection_status = 'synced'
                              order by connected_at limit 1) firm
                where c.realm_id = due.realm_id
                returning c.realm_id, firm.firm_id, c.checked_until
                """, [.text(workerID), .int(realmsPerPass)]
            ).map {
                (try $0.decode(String.self, "realm_id"), try $0.decode(String.self, "firm_id"), try $0.decode(Date.self, "checked_until"))
            }
        }
    }

    private func sweep(realm: String, firmID: String, checkedUntil: Date) async throws {
        let asked = Date()
        metrics.changeDataCaptureLag(realm: realm, seconds: asked.timeIntervalSince(checkedUntil))
        // A little inside QuickBooks' reach, so the question is never refused for its age.
        let reach = asked.addingTimeInterval(-QuickBooksClient.changeDataCaptureReach.timeInterval + 3600)
        if checkedUntil < reach {
            let queued = try await queueFullReconcile(realm: realm, at: asked)
            logger.warning(
                "a company's changes are older than change-data-capture reaches; checking everything qbsync wrote there",
                metadata: [
                    "realm_id": "\(realm)", "checked_until": "\(checkedUntil)", "objects": "\(queued)",
                ])
        }
        let since = max(checkedUntil, reach).addingTimeInterval(-1)  // a second of overlap: repeats are kept once
        let changes = try await gateway.perform(firmID: firmID, "cdc") { client, access throws(QuickBooksError) in
            try await client.changes(entities: Self.entities, since: since, access: access)
        }
        // An active customer needs no reconciling (only one made inactive, merged away or deleted does).
        let notifications = changes.objects.filter { !($0.entity == "Customer" && !$0.deleted && $0.active != false) }.map { object in
            QuickBooksNotification(
                realmID: realm, entity: object.entity, entityID: object.id, operation: object.deleted ? .delete : .update,
                changedAt: object.lastUpdated ?? "cdc \(asked.timeIntervalSince1970)", syncToken: object.syncToken)
        }
        // Cut at 1,000: the next pass starts from the newest change seen, at once.
        let newest = changes.truncated.isEmpty ? nil : changes.objects.compactMap { $0.lastUpdated.flatMap(Self.date) }.max()
        try await database.withTransaction { connection in
            let new = try await NotificationStore.record(notifications, source: "cdc", on: connection)
            metrics.notificationsReceived(new: new, repeated: notifications.count - new)
            _ = try await connection.execute(
                """
                update quickbooks_cdc_checkpoints set checked_until = $2, next_sweep_at = $3, claimed_by = null, claimed_until = null
                where realm_id = $1
                """,
                [
                    .text(realm), .timestamptz(newest ?? asked),
                    .timestamptz(newest == nil ? asked.addingTimeInterval(interval.timeInterval) : Date()),
                ])
        }
    }

    private func release(_ realm: String, nextSweep: Date) async throws {
        _ = try await database.withConnection { connection in
            try await connection.execute(
                "update quickbooks_cdc_checkpoints set next_sweep_at = $2, claimed_by = null, claimed_until = null where realm_id = $1",
                [.text(realm), .timestamptz(nextSweep)])
        }
    }

    /// Everything qbsync wrote in the realm (live objects, linked customers) is checked again.
    private func queueFullReconcile(realm: String, at moment: Date) async throws -> Int {
        let marker = "full reconcile \(moment.timeIntervalSince1970)"
        return try await database.withConnection { connection in
            try await connection.execute(
                """
                insert into quickbooks_notifications (realm_id, entity, entity_id, operation, changed_at, source)
                select f.realm_id, c.qbo_type, c.qbo_id, 'Update', $2, 'reconcile' from document_components c
                join firms f on f.firm_id = c.firm_id where f.realm_id = $1 and c.state = 'live' and c.qbo_id is not null and c.role = 'main'
                union
                select f.realm_id, 'Customer', a.qbo_customer_id, 'Update', $2, 'reconcile' from accounts a
                join firms f on f.firm_id = a.firm_id where f.realm_id = $1 and a.status = 'synced' and a.qbo_customer_id is not null
                on conflict do nothing
                """, [.text(realm), .text(marker)])
        }
    }

    private static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// Runs at most `atOnce` bodies at a time; the others wait for their turn, first come first served.
actor Turns {
    private var free: Int
    private var waiting: Deque<CheckedContinuation<Void, Never>> = []

    init(atOnce: Int) {
        precondition(atOnce > 0, "Turns needs at least one turn")
        free = atOnce
    }

    nonisolated func run<T: Sendable, Failure: Error>(_ body: () async throws(Failure) -> T) async throws(Failure) -> T {
        await enter()
        let result: Result<T, Failure>
        do throws(Failure) { result = .success(try await body()) } catch { result = .failure(error) }
        await leave()
        return try result.get()
    }

    /// Bodies waiting for their turn.
    var waitingCount: Int { waiting.count }

    private func enter() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if let next = waiting.popFirst() { next.resume() } else { free += 1 }
    }
}

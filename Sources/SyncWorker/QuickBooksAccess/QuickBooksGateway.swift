import QuickBooks
import SyncCore
import Tracing

/// Runs QuickBooks calls for a firm: a live token, one retry after a 401, and a realm-wide pause
/// after a 429. Failures come out as ``QuickBooksProblem``. The realm's limits are kept request by
/// request by the client, which passes every request through the same ``RealmGate``.
struct QuickBooksGateway: Sendable {
    let client: QuickBooksClient
    let sessions: FirmSessions
    let gate: RealmGate
    let throttlePause: Duration
    let metrics: WorkerMetrics
    var tracing = PipelineTracing()
    /// Sends document writes alone or in batch requests; without it each goes alone.
    var batcher: RealmBatcher?

    func perform<Value: Sendable>(
        firmID: String, _ operation: String,
        _ call: @Sendable (QuickBooksClient, RealmAccess) async throws(QuickBooksError) -> Value
    ) async throws -> Value {
        try await traced(firmID: firmID, operation) { client, access, _ throws(QuickBooksError) in try await call(client, access) }
    }

    /// Makes a document write, alone or in a batch request (``RealmBatcher``).
    /// - Parameter mayHaveBeenSent: the write is a repeat; it may already be in a batch.
    func write(firmID: String, _ write: QuickBooksWrite, mayHaveBeenSent: Bool) async throws -> WrittenObject {
        try await traced(firmID: firmID, write.name) { [batcher] client, access, repeated throws(QuickBooksError) in
            guard let batcher else { return try await client.send(write, access: access) }
            return try await batcher.write(write, access: access, mayHaveBeenSent: mayHaveBeenSent || repeated)
        }
    }

    /// `call` is told whether it repeats an earlier attempt (after a 401).
    private func traced<Value: Sendable>(
        firmID: String, _ operation: String,
        _ call: @Sendable (QuickBooksClient, RealmAccess, _ repeated: Bool) async throws(QuickBooksError) -> Value
    ) async throws -> Value {
        // A client span per call, inside the span of the event or write it serves.
        try await tracing.span("QuickBooks \(operation)", kind: .client, attributes: ["qbsync.firm_id": firmID]) { span in
            do {
                return try await performUntraced(firmID: firmID, operation, call)
            } catch let problem as QuickBooksProblem {
                span.attributes["qbsync.quickbooks.code"] = problem.code
                throw problem
            }
        }
    }

    private func performUntraced<Value: Sendable>(
        firmID: String, _ operation: String,
        _ call: @Sendable (QuickBooksClient, RealmAccess, _ repeated: Bool) async throws(QuickBooksError) -> Value
    ) async throws -> Value {
        var access = try await sessions.access(for: firmID)
        var refreshedAfter401 = false
        while true {
            let started = ContinuousClock.now
            let outcome: Result<Value, QuickBooksError>
            do { outcome = .success(try await call(client, access, refreshedAfter401)) } catch { outcome = .failure(error) }
            metrics.quickBooksCall(operation, outcome: outcome.map { _ in () }, duration: ContinuousClock.now - started)
            switch outcome {
            case .success(let value):
                return value
            case .failure(let error) where error.httpStatus == 401 && !refreshedAfter401:
                // The token may have been revoked or rotated elsewhere: refresh once, then believe QuickBooks.
                refreshedAfter401 = true
                access = try await sessions.access(for: firmID, rejected: access.accessToken)
            case .failure(let error):
                if error.problem.kind == .throttled {
                    await gate.pause(access.realmID, for: throttlePause)
                }
                throw error.problem
            }
        }
    }
}

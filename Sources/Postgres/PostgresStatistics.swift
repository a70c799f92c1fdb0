import Synchronization

/// What a client has asked of the server since it was created: statements sent (a deferred
/// `BEGIN` counts when it goes out with the first statement) and transactions committed. Counted
/// on the client, so a benchmark or a metrics reporter can divide them by the work done.
public final class PostgresStatistics: Sendable {
    private let sent = Atomic<Int>(0)
    private let committed = Atomic<Int>(0)

    public var statements: Int { sent.load(ordering: .relaxed) }
    public var transactions: Int { committed.load(ordering: .relaxed) }

    func statementSent(count: Int = 1) {
        sent.add(count, ordering: .relaxed)
    }

    func transactionCommitted() {
        committed.add(1, ordering: .relaxed)
    }
}

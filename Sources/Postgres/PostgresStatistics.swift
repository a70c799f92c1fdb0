import Synchronization

/// What a client has asked of the server since it was created: statements sent (a deferred
/// `BEGIN` or write counts when it goes out with a later statement), round trips and
/// transactions committed. Counted
/// on the client, so a benchmark or a metrics reporter can divide them by the work done.
public final class PostgresStatistics: Sendable {
    private let sent = Atomic<Int>(0)
    private let trips = Atomic<Int>(0)
    private let committed = Atomic<Int>(0)

    public var statements: Int { sent.load(ordering: .relaxed) }
    /// Times the client sent statements and waited for their results: statements that go out
    /// together in one pipeline (a deferred `BEGIN`, deferred writes) share one.
    public var roundTrips: Int { trips.load(ordering: .relaxed) }
    public var transactions: Int { committed.load(ordering: .relaxed) }

    func sent(statements count: Int) {
        sent.add(count, ordering: .relaxed)
        trips.add(1, ordering: .relaxed)
    }

    func transactionCommitted() {
        committed.add(1, ordering: .relaxed)
    }
}

/// Handed out with ``KafkaConsumerEvent/partitionsRevoked(_:_:)``: call ``complete()`` once the
/// work in flight for the revoked partitions has finished (or been abandoned) and their offsets
/// are stored.
///
/// Until then the consumer's poll thread holds the partitions (up to
/// ``KafkaConsumerConfiguration/revocationTimeout``); afterwards it commits the stored offsets
/// synchronously and lets the partitions go, so their next owner resumes exactly where this
/// consumer stopped. ``waitForCommit()`` tells whether that commit was accepted. Dropping the
/// completion without calling ``complete()`` counts as completing it: the consumer then proceeds
/// immediately.
public final class RevocationCompletion: Sendable {
    private let signal: RevocationSignal

    init(signal: RevocationSignal) {
        self.signal = signal
    }

    deinit {
        self.signal.complete(.abandoned)
    }

    /// Signals that the application is done with the revoked partitions. Safe to call more than once.
    public func complete() {
        self.signal.complete(.completed)
    }

    /// Waits for the commit the consumer makes after this revocation (call it after
    /// ``complete()``; before, it also waits out ``KafkaConsumerConfiguration/revocationTimeout``)
    /// and returns once the group coordinator has answered, at most about
    /// ``KafkaConsumerConfiguration/commitRetryTimeout`` later. Having nothing new to commit is success.
    ///
    /// - Throws: the ``KafkaError`` (kind ``KafkaError/Kind/commit``) the commit ended with. The
    ///   partitions are released anyway; their next owner resumes from the group's previous
    ///   commit and processes the records since then again (none is skipped). A broker refuses
    ///   the commit when this consumer was fenced from the group (`ILLEGAL_GENERATION`,
    ///   `UNKNOWN_MEMBER_ID`, `_ASSIGNMENT_LOST`). librdkafka 2.0.2's mock cluster also refuses it
    ///   while another rebalance is under way (`REBALANCE_IN_PROGRESS`) and, a few seconds later,
    ///   forms a new generation without this consumer (`ILLEGAL_GENERATION`); a real broker
    ///   accepts commits of the current generation during a rebalance and waits up to
    ///   `max.poll.interval.ms` for this consumer to rejoin.
    public func waitForCommit() async throws(KafkaError) {
        try await self.signal.commitOutcome().get()
    }
}

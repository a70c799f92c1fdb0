/// Handed out with ``KafkaConsumerEvent/partitionsRevoked(_:_:)``: call ``complete()`` once the
/// work in flight for the revoked partitions has finished (or been abandoned) and their offsets
/// are stored.
///
/// Until then the consumer's poll thread holds the partitions (up to
/// ``KafkaConsumerConfiguration/revocationTimeout``); afterwards it commits the stored offsets
/// synchronously and lets the partitions go, so their next owner resumes exactly where this
/// consumer stopped. Dropping the completion without calling ``complete()`` counts as completing
/// it: the consumer then proceeds immediately.
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
}

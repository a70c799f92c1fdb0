/// An error from the Kafka layer: what was being done (``kind``), librdkafka's code and message,
/// and whether trying again can help.
///
/// `description` is written for an operator: it names the operation, librdkafka's code name and
/// message, and what to do about it.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// The operation that failed.
    public enum Kind: Hashable, Sendable {
        /// A configuration value was rejected, by this library or by librdkafka.
        case configuration
        /// Subscribing to the configured topics failed.
        case subscription
        /// Polling for records failed (a consumer error librdkafka could not recover from).
        case consume
        /// Storing a processed offset failed, usually because the partition is no longer assigned.
        case offsetStore
        /// Committing stored offsets to the group coordinator failed.
        case commit
        /// Pausing or resuming partitions failed.
        case pauseResume
        /// Reading offsets or watermarks from the cluster failed.
        case offsetQuery
        /// Handing a record to librdkafka failed before it was sent.
        case produce
        /// The cluster did not acknowledge a record.
        case delivery
        /// Waiting for outstanding deliveries ran out of time.
        case flush
        /// The client was closed before or during the operation.
        case closed
        /// A mock cluster operation failed.
        case mockCluster
    }

    /// The operation that failed.
    public let kind: Kind
    /// librdkafka's error code.
    public let code: KafkaErrorCode
    /// librdkafka's message (or this library's, for checks it makes itself).
    public let message: String
    /// `true` when librdkafka (or the Kafka protocol) says the same operation may succeed if tried again.
    public let isRetriable: Bool
    /// `true` when the client can no longer be used and must be recreated.
    public let isFatal: Bool

    /// Creates an error. Retriability defaults to what the Kafka protocol says about `code`.
    public init(
        kind: Kind,
        code: KafkaErrorCode,
        message: String,
        isRetriable: Bool? = nil,
        isFatal: Bool = false
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.isRetriable = isRetriable ?? code.isRetriableByDefault
        self.isFatal = isFatal
    }

    public var description: String {
        "\(self.kind.what) failed [\(self.code.name)]: \(self.message). \(self.advice)"
    }

    private var advice: String {
        if self.isFatal {
            return "The client is in a fatal state: recreate it (restart the worker)."
        }
        switch self.kind {
        case .configuration:
            return "Fix the Kafka configuration (property names and values are librdkafka's, see its CONFIGURATION.md) and start again."
        case .subscription:
            return "Check the topic names and that the client may read them."
        case .consume:
            return "librdkafka keeps retrying by itself; if this persists check broker connectivity and ACLs."
        case .offsetStore:
            return "The partition is probably no longer assigned to this consumer; its new owner will process the record again."
        case .commit:
            return self.isRetriable
                ? "Commit again later; until then the records since the last commit may be delivered again."
                : "Records since the last successful commit may be delivered again after a restart or rebalance."
        case .pauseResume:
            return "Only partitions currently assigned to this consumer can be paused or resumed."
        case .offsetQuery:
            return "Check broker connectivity; the query can be repeated."
        case .produce, .delivery:
            return self.isRetriable
                ? "Sending the record again is safe (the producer is idempotent)."
                : "The record was not stored; check the topic exists and the producer may write to it."
        case .flush:
            return "Some records were not acknowledged in time; they are still being retried until the delivery timeout."
        case .closed:
            return "Create a new client."
        case .mockCluster:
            return "Check the broker id, topic name and partition count passed to the mock cluster."
        }
    }
}

extension KafkaError.Kind {
    fileprivate var what: String {
        switch self {
        case .configuration: "Kafka configuration"
        case .subscription: "Subscribing to Kafka topics"
        case .consume: "Consuming from Kafka"
        case .offsetStore: "Storing a Kafka offset"
        case .commit: "Committing Kafka offsets"
        case .pauseResume: "Pausing or resuming Kafka partitions"
        case .offsetQuery: "Querying Kafka offsets"
        case .produce: "Producing to Kafka"
        case .delivery: "Delivering a record to Kafka"
        case .flush: "Flushing the Kafka producer"
        case .closed: "Using a closed Kafka client"
        case .mockCluster: "Operating the Kafka mock cluster"
        }
    }
}

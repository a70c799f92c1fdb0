/// Settings of a ``KafkaProducer``.
///
/// Fixed, because "nothing lost, nothing doubled" depends on them: `enable.idempotence=true` and
/// `acks=all` (a record is acknowledged once every in-sync replica has it, and retries never
/// duplicate or reorder records within a partition).
public struct KafkaProducerConfiguration: Sendable, CustomStringConvertible {
    /// `compression.codec`.
    public enum Compression: String, Sendable, Hashable {
        case none
        case gzip
        case snappy
        case lz4
        case zstd
    }

    /// `partitioner`: how a key picks its partition.
    public enum Partitioner: String, Sendable, Hashable {
        /// The Java client's default: records keyed the same land on the same partition whichever
        /// client (Java, Go, librdkafka) produced them.
        case murmur2Random = "murmur2_random"
        /// librdkafka's own default (CRC32 of the key).
        case consistentRandom = "consistent_random"
    }

    /// Cluster connection settings.
    public var connection: KafkaConfiguration
    /// `linger.ms`: how long records wait to be batched. Small values favour latency.
    public var linger: Duration
    /// `message.timeout.ms`: how long librdkafka keeps retrying a record before failing its
    /// delivery with `_MSG_TIMED_OUT`. Covers broker outages up to this length.
    public var deliveryTimeout: Duration
    /// `queue.buffering.max.messages`: records buffered locally before sends report `_QUEUE_FULL`.
    public var maxBufferedMessages: Int
    /// `compression.codec`; default ``Compression/lz4`` (cheap, and JSON compresses well).
    public var compression: Compression
    /// `partitioner`; default ``Partitioner/murmur2Random``.
    public var partitioner: Partitioner
    /// How long one poll for delivery reports blocks; bounds how quickly shutdown is noticed.
    public var pollTimeout: Duration
    /// How long ``KafkaProducer/shutdown()`` waits for outstanding deliveries before purging them.
    public var shutdownFlushTimeout: Duration
    /// Extra librdkafka producer properties (for example `batch.size`), applied after
    /// ``KafkaConfiguration/properties``. Properties set by a typed field are refused.
    public var properties: [String: String]

    /// Creates producer settings with production defaults.
    public init(
        connection: KafkaConfiguration,
        linger: Duration = .milliseconds(5),
        deliveryTimeout: Duration = .seconds(300),
        maxBufferedMessages: Int = 100_000,
        compression: Compression = .lz4,
        partitioner: Partitioner = .murmur2Random,
        pollTimeout: Duration = .milliseconds(100),
        shutdownFlushTimeout: Duration = .seconds(10),
        properties: [String: String] = [:]
    ) {
        self.connection = connection
        self.linger = linger
        self.deliveryTimeout = deliveryTimeout
        self.maxBufferedMessages = maxBufferedMessages
        self.compression = compression
        self.partitioner = partitioner
        self.pollTimeout = pollTimeout
        self.shutdownFlushTimeout = shutdownFlushTimeout
        self.properties = properties
    }

    public var description: String {
        "KafkaProducerConfiguration(\(self.connection), linger: \(self.linger), deliveryTimeout: \(self.deliveryTimeout), maxBufferedMessages: \(self.maxBufferedMessages), compression: \(self.compression.rawValue), partitioner: \(self.partitioner.rawValue), shutdownFlushTimeout: \(self.shutdownFlushTimeout), properties: \(self.properties.keys.sorted()))"
    }
}

internal import CRdKafka
import Logging

/// Sole owner of one `rd_kafka_t`: created in ``make(role:properties:logger:)``, destroyed in
/// `deinit`, never handed out. librdkafka handles are thread-safe, so methods may be called
/// from any thread; the blocking ones are only called from dedicated threads.
final class RDKafkaClient: @unchecked Sendable {
    enum Role: Equatable {
        case consumer
        case producer
        /// The `rd_kafka_t` a mock cluster is attached to; never polled.
        case mockClusterHost
    }

    let handle: OpaquePointer
    let callbacks: RDKafkaCallbacks
    let role: Role

    private init(handle: OpaquePointer, callbacks: RDKafkaCallbacks, role: Role) {
        self.handle = handle
        self.callbacks = callbacks
        self.role = role
    }

    deinit {
        // Returns only once librdkafka's threads are gone, so no callback can still reach
        // `callbacks`, which is released right after.
        rd_kafka_destroy(self.handle)
    }

    static func make(role: Role, properties: [String: String], logger: Logger) throws(KafkaError) -> RDKafkaClient {
        let callbacks = RDKafkaCallbacks(logger: logger)
        var properties = properties
        // The mock host has no brokers of its own and says so at notice level: not worth a line.
        let level = role == .mockClusterHost ? min(logger.logLevel.syslogLevel, 4) : logger.logLevel.syslogLevel
        properties["log_level"] = String(level)
        // Consumers and producers have a thread that polls: route logs through it so callbacks
        // never run on librdkafka's internal threads. The mock host is never polled.
        properties["log.queue"] = role == .mockClusterHost ? "false" : "true"
        let conf = try RDKafkaConf(properties)
        conf.install(callbacks, for: role)
        let handle = try conf.makeClient(role: role)
        let client = RDKafkaClient(handle: handle, callbacks: callbacks, role: role)
        if role != .mockClusterHost {
            _ = rd_kafka_set_log_queue(handle, nil)  // nil: the main queue
        }
        if role == .consumer {
            // Rebalance, commit, error and log callbacks are then served by rd_kafka_consumer_poll.
            _ = rd_kafka_poll_set_consumer(handle)
        }
        return client
    }

    /// librdkafka's instance name (client id plus a counter), for logs.
    var name: String { String(cString: rd_kafka_name(self.handle)) }
}

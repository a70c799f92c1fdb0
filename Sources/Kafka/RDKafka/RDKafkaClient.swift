internal import CRdKafka
import Logging
import Synchronization

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
    private let keepHandle = Synchronization.Atomic<Bool>(false)

    private init(handle: OpaquePointer, callbacks: RDKafkaCallbacks, role: Role) {
        self.handle = handle
        self.callbacks = callbacks
        self.role = role
    }

    deinit {
        if self.keepHandle.load(ordering: .acquiring) {
            // See keepHandleUntilExit(): librdkafka's threads live on and may still call back.
            _ = Unmanaged.passRetained(self.callbacks)
            return
        }
        // Returns only once librdkafka's threads are gone, so no callback can still reach
        // `callbacks`, which is released right after.
        rd_kafka_destroy(self.handle)
    }

    /// Leaves the handle to the end of the process instead of destroying it: librdkafka 2.0.2
    /// (Debian 12's) aborts in `rd_kafka_sticky_assignor_state_destroy` when a cooperative-sticky
    /// consumer that never received its first assignment is destroyed (fixed upstream in 2.3.0).
    /// The consumer has left its group by then; what is kept is its memory and idle threads.
    func keepHandleUntilExit() {
        self.keepHandle.store(true, ordering: .releasing)
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

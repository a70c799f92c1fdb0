internal import CRdKafka
import Foundation
import Logging

/// What a client's C callbacks need from Swift: a logger, somewhere to record a fatal error,
/// and the consumer that handles rebalances.
///
/// librdkafka holds it only as an unretained opaque pointer; ``RDKafkaClient`` keeps it alive
/// and releases it only after `rd_kafka_destroy` returned, so no callback can outlive it.
final class RDKafkaCallbacks: @unchecked Sendable {
    let logger: Logger
    private let lock = NSLock()
    private var recordedFatalError: KafkaError?
    private weak var registeredRebalanceHandler: (any RDKafkaRebalanceHandler)?

    init(logger: Logger) {
        self.logger = logger
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// The first fatal error librdkafka reported, if any.
    var fatalError: KafkaError? {
        self.lock.withLock { self.recordedFatalError }
    }

    var rebalanceHandler: (any RDKafkaRebalanceHandler)? {
        get { self.lock.withLock { self.registeredRebalanceHandler } }
        set { self.lock.withLock { self.registeredRebalanceHandler = newValue } }
    }

    private static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbacks? {
        guard let opaque else { return nil }
        return Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }

    // MARK: - Trampolines (called by librdkafka)

    static func log(handle: OpaquePointer?, level: Int32, facility: UnsafePointer<CChar>?, message: UnsafePointer<CChar>?) {
        // rd_kafka_opaque only reads a field set at creation, so it is safe from any librdkafka thread.
        guard let handle, let callbacks = Self.from(rd_kafka_opaque(handle)), let message else { return }
        let facilityText = facility.map { String(cString: $0) } ?? "-"
        callbacks.logger.log(
            level: Logger.Level(syslogLevel: level),
            "\(String(cString: message))",
            metadata: ["kafka.facility": "\(facilityText)"]
        )
    }

    static func error(handle: OpaquePointer?, code: Int32, reason: UnsafePointer<CChar>?, opaque: UnsafeMutableRawPointer?) {
        guard let callbacks = Self.from(opaque) else { return }
        let err = rd_kafka_resp_err_t(rawValue: code)
        let reasonText = reason.map { String(cString: $0) } ?? KafkaErrorCode(err).summary
        if err == RD_KAFKA_RESP_ERR__FATAL, let handle {
            var text = [CChar](repeating: 0, count: 512)
            let underlying = rd_kafka_fatal_error(handle, &text, text.count)
            let message = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let fatal = KafkaError(
                kind: .consume,
                code: KafkaErrorCode(underlying),
                message: message.isEmpty ? reasonText : message,
                isRetriable: false,
                isFatal: true
            )
            callbacks.lock.withLock {
                if callbacks.recordedFatalError == nil { callbacks.recordedFatalError = fatal }
            }
            callbacks.logger.critical(
                "librdkafka reported a fatal error; the client must be recreated",
                metadata: ["kafka.error": "\(KafkaErrorCode(underlying).name)", "kafka.reason": "\(fatal.message)"]
            )
            return
        }
        // Everything else is informational: librdkafka recovers by itself (reconnects, retries).
        let level: Logger.Level = err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ? .error : .warning
        callbacks.logger.log(
            level: level,
            "librdkafka reported an error; it retries by itself",
            metadata: ["kafka.error": "\(KafkaErrorCode(err).name)", "kafka.reason": "\(reasonText)"]
        )
    }

    static func rebalance(
        handle: OpaquePointer?,
        code: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        opaque: UnsafeMutableRawPointer?
    ) {
        guard let handle, let callbacks = Self.from(opaque) else { return }
        let rebalance = RDKafkaRebalance(handle: handle, code: code, list: partitions)
        if let handler = callbacks.rebalanceHandler {
            handler.handle(rebalance)
        } else {
            // No consumer loop attached (it is gone or never started): keep librdkafka's
            // assignment consistent so it can finish whatever it is doing.
            if let error = rebalance.apply() {
                callbacks.logger.error("Applying a rebalance failed", metadata: ["kafka.error": "\(error)"])
            }
        }
    }

    static func offsetCommit(
        code: rd_kafka_resp_err_t,
        offsets: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        opaque: UnsafeMutableRawPointer?
    ) {
        guard let callbacks = Self.from(opaque) else { return }
        if code == RD_KAFKA_RESP_ERR__NO_OFFSET { return }  // nothing was stored since the last commit
        let entries = offsets.map { RDKafkaTopicPartitionList.entries(of: $0) } ?? []
        let failed = entries.filter { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }
        if code == RD_KAFKA_RESP_ERR_NO_ERROR && failed.isEmpty {
            callbacks.logger.trace(
                "Committed offsets", metadata: ["kafka.offsets": "\(entries.map { "\($0.topicPartition)@\($0.offset)" })"])
        } else {
            callbacks.logger.warning(
                "Committing offsets failed; they are committed again with the next auto-commit or at revocation",
                metadata: [
                    "kafka.error": "\(KafkaErrorCode(code).name)",
                    "kafka.partitions": "\(failed.map { "\($0.topicPartition): \(KafkaErrorCode($0.error).name)" })",
                ]
            )
        }
    }

    static func delivery(message: UnsafePointer<rd_kafka_message_t>?) {
        guard let message, let ticketPointer = message.pointee._private else { return }
        // Balances the retain taken when the record was produced: exactly one report per record.
        let ticket = Unmanaged<RDKafkaDeliveryTicket>.fromOpaque(ticketPointer).takeRetainedValue()
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let offset = message.pointee.offset
            ticket.complete(
                .success(
                    KafkaDeliveryReport(
                        topic: ticket.topic,
                        partition: message.pointee.partition,
                        offset: offset >= 0 ? offset : nil
                    )
                )
            )
        } else {
            ticket.complete(.failure(KafkaError(kind: .delivery, err: err)))
        }
    }
}

extension Logger.Level {
    /// Maps syslog severities (what librdkafka uses) to swift-log levels.
    init(syslogLevel: Int32) {
        switch syslogLevel {
        case ...2: self = .critical
        case 3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }

    /// The librdkafka `log_level` that lets through exactly what this logger would print.
    var syslogLevel: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}

internal import CRdKafka

/// Sole owner of an `rd_kafka_conf_t` until ``makeClient(role:)`` hands it to `rd_kafka_new`,
/// which takes ownership only when it succeeds. Whatever it still owns it destroys in `deinit`.
final class RDKafkaConf {
    private let pointer: OpaquePointer
    private var ownedByClient = false

    init(_ properties: [String: String]) throws(KafkaError) {
        guard let pointer = rd_kafka_conf_new() else {
            throw KafkaError(kind: .configuration, code: .invalidArgument, message: "rd_kafka_conf_new returned NULL (out of memory)")
        }
        self.pointer = pointer
        // Sorted so that the first bad property reported is deterministic.
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            try self.set(name, value)
        }
    }

    deinit {
        if !self.ownedByClient {
            rd_kafka_conf_destroy(self.pointer)
        }
    }

    func set(_ name: String, _ value: String) throws(KafkaError) {
        var errorText = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(self.pointer, name, value, &errorText, errorText.count)
        guard result == RD_KAFKA_CONF_OK else {
            let message = errorText.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(
                kind: .configuration,
                code: .invalidArgument,
                message: message.isEmpty ? "librdkafka rejected property '\(name)'" : message,
                isRetriable: false
            )
        }
    }

    /// Registers `callbacks` as the client's opaque and the C trampolines the role needs.
    func install(_ callbacks: RDKafkaCallbacks, for role: RDKafkaClient.Role) {
        rd_kafka_conf_set_opaque(self.pointer, callbacks.opaque)
        // The closures capture nothing, so they convert to C function pointers; the Swift
        // context travels through the client's opaque pointer.
        rd_kafka_conf_set_log_cb(self.pointer) { handle, level, facility, message in
            RDKafkaCallbacks.log(handle: handle, level: level, facility: facility, message: message)
        }
        rd_kafka_conf_set_error_cb(self.pointer) { handle, code, reason, opaque in
            RDKafkaCallbacks.error(handle: handle, code: code, reason: reason, opaque: opaque)
        }
        switch role {
        case .consumer:
            rd_kafka_conf_set_rebalance_cb(self.pointer) { handle, code, partitions, opaque in
                RDKafkaCallbacks.rebalance(handle: handle, code: code, partitions: partitions, opaque: opaque)
            }
            rd_kafka_conf_set_offset_commit_cb(self.pointer) { _, code, offsets, opaque in
                RDKafkaCallbacks.offsetCommit(code: code, offsets: offsets, opaque: opaque)
            }
        case .producer:
            rd_kafka_conf_set_dr_msg_cb(self.pointer) { _, message, _ in
                RDKafkaCallbacks.delivery(message: message)
            }
        case .mockClusterHost:
            break
        }
    }

    /// Creates the client. On success librdkafka owns the configuration and it is not destroyed here;
    /// on failure it is destroyed as usual and the error carries librdkafka's message.
    /// Call at most once.
    func makeClient(role: RDKafkaClient.Role) throws(KafkaError) -> OpaquePointer {
        precondition(!self.ownedByClient, "an rd_kafka_conf_t can create only one client")
        var errorText = [CChar](repeating: 0, count: 512)
        let type: rd_kafka_type_t = role == .consumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER
        guard let handle = rd_kafka_new(type, self.pointer, &errorText, errorText.count) else {
            let message = errorText.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(kind: .configuration, code: .invalidArgument, message: message, isRetriable: false)
        }
        self.ownedByClient = true
        return handle
    }
}

internal import CRdKafka

/// Stands in for the payload of an empty (not null) key or value: librdkafka tells the two
/// apart by the pointer, and an empty Swift array may not have one.
private nonisolated(unsafe) let emptyPayload = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

extension RDKafkaClient {
    /// Hands a record to librdkafka, which copies key, value and headers. On success the delivery
    /// report later consumes the retain on `ticket`; on failure the retain is released here and
    /// the error returned.
    func produce(
        topic: String,
        partition: Int32?,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [KafkaHeader],
        ticket: RDKafkaDeliveryTicket
    ) -> KafkaError? {
        var headerList: OpaquePointer?
        if !headers.isEmpty {
            let list = rd_kafka_headers_new(headers.count)!
            for header in headers {
                let err: rd_kafka_resp_err_t = header.name.withCString { name in
                    guard let value = header.value else { return rd_kafka_header_add(list, name, -1, nil, 0) }
                    return value.withUnsafeBytes { bytes in
                        rd_kafka_header_add(list, name, -1, bytes.baseAddress ?? UnsafeRawPointer(emptyPayload), bytes.count)
                    }
                }
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    rd_kafka_headers_destroy(list)
                    return KafkaError(kind: .produce, err: err, message: "header '\(header.name)': \(KafkaErrorCode(err).summary)")
                }
            }
            headerList = list
        }

        let opaque = Unmanaged.passRetained(ticket).toOpaque()
        let error: OpaquePointer? = topic.withCString { topicName in
            Self.withBytes(key) { keyPointer, keyCount in
                Self.withBytes(value) { valuePointer, valueCount in
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { fields in
                        var count = 0
                        func append(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                            var field = rd_kafka_vu_t()
                            field.vtype = type
                            fill(&field)
                            fields.initializeElement(at: count, to: field)
                            count += 1
                        }
                        append(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topicName }
                        if let partition {
                            append(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition }
                        }
                        if let keyPointer {
                            append(RD_KAFKA_VTYPE_KEY) {
                                $0.u.mem.ptr = keyPointer
                                $0.u.mem.size = keyCount
                            }
                        }
                        if let valuePointer {
                            append(RD_KAFKA_VTYPE_VALUE) {
                                $0.u.mem.ptr = valuePointer
                                $0.u.mem.size = valueCount
                            }
                        }
                        if let headerList {
                            append(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headerList }
                        }
                        append(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                        append(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                        let error = rd_kafka_produceva(self.handle, fields.baseAddress, count)
                        fields.baseAddress!.deinitialize(count: count)
                        return error
                    }
                }
            }
        }
        guard let error else { return nil }
        // Not accepted: no delivery report will come, and the headers are still ours.
        Unmanaged<RDKafkaDeliveryTicket>.fromOpaque(opaque).release()
        if let headerList { rd_kafka_headers_destroy(headerList) }
        return KafkaError.consuming(kind: .produce, error: error)
    }

    /// Serves delivery reports (and logs/errors) for up to `timeoutMilliseconds`.
    /// Call only from the producer's poll thread.
    @discardableResult
    func poll(timeoutMilliseconds: Int32) -> Int32 {
        rd_kafka_poll(self.handle, timeoutMilliseconds)
    }

    /// Waits until every outstanding record was acknowledged or failed. Blocks: call only from a
    /// dedicated thread.
    func flush(timeoutMilliseconds: Int32) throws(KafkaError) {
        let err = rd_kafka_flush(self.handle, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(
                kind: .flush,
                err: err,
                message: "\(self.outstandingCount) record(s) still unacknowledged after \(timeoutMilliseconds) ms"
            )
        }
    }

    /// Fails every record still queued or in flight with a purge error, so each sender gets an answer.
    func purgeOutstanding() {
        let flags = Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        _ = rd_kafka_purge(self.handle, flags)
    }

    /// Records (and requests) not yet acknowledged.
    var outstandingCount: Int {
        Int(rd_kafka_outq_len(self.handle))
    }

    private static func withBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeMutableRawPointer?, Int) -> R) -> R {
        guard let bytes else { return body(nil, 0) }
        if bytes.isEmpty { return body(emptyPayload, 0) }
        return bytes.withUnsafeBytes { buffer in
            // librdkafka copies (RD_KAFKA_MSG_F_COPY) and never writes through this pointer.
            body(UnsafeMutableRawPointer(mutating: buffer.baseAddress!), buffer.count)
        }
    }
}

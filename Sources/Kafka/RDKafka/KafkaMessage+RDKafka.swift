internal import CRdKafka

extension KafkaMessage {
    /// Copies a consumed record out of librdkafka. The caller still owns (and destroys) `message`.
    init(copying message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let record = message.pointee
        let topic = record.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let key = record.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: record.key_len)) }
        let value = record.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: record.len)) }

        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer?
        // The header list stays owned by the message.
        if rd_kafka_message_headers(message, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            let count = rd_kafka_header_cnt(headerList)
            headers.reserveCapacity(count)
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(
                    KafkaHeader(
                        name: name.map { String(cString: $0) } ?? "",
                        value: valuePointer.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) }
                    )
                )
                index += 1
            }
        }

        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(message, &timestampType)
        let timestamp: KafkaTimestamp? =
            switch timestampType {
            case RD_KAFKA_TIMESTAMP_CREATE_TIME: KafkaTimestamp(kind: .createTime, millisecondsSince1970: milliseconds)
            case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: KafkaTimestamp(kind: .logAppendTime, millisecondsSince1970: milliseconds)
            default: nil
            }

        self.init(
            topic: topic,
            partition: record.partition,
            offset: record.offset,
            key: key,
            value: value,
            headers: headers,
            timestamp: timestamp
        )
    }
}

internal import CRdKafka

extension RDKafkaClient {
    /// Asks a broker for the cluster's metadata (brokers only, no topics); blocks up to the timeout.
    /// Returns the number of brokers the cluster reports.
    func brokerCount(timeoutMilliseconds: Int32) throws(KafkaError) -> Int {
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        let err = rd_kafka_metadata(self.handle, 0, nil, &metadata, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(
                kind: .offsetQuery, err: err, message: "no broker answered a metadata request within \(timeoutMilliseconds) ms")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        return Int(metadata.pointee.broker_cnt)
    }
}

extension RDKafkaClient {
    /// ``brokerCount(timeoutMilliseconds:)`` on a dedicated thread: true when a broker answered.
    func brokersReachable(timeout: Duration) async -> Bool {
        let timeoutMilliseconds = max(1, timeout.clampedMilliseconds)
        return await DedicatedThread.run(name: "kafka-metadata") { () -> Bool in
            do throws(KafkaError) {
                return try self.brokerCount(timeoutMilliseconds: timeoutMilliseconds) > 0
            } catch {
                return false
            }
        }
    }
}

internal import CRdKafka

/// librdkafka's names and descriptions of error codes.
enum RDKafkaErrorText {
    static func name(of code: Int32) -> String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code)))
    }

    static func summary(of code: Int32) -> String {
        String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue: code)))
    }
}

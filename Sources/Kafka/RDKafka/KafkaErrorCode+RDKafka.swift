internal import CRdKafka

extension KafkaErrorCode {
    init(_ err: rd_kafka_resp_err_t) {
        self.init(rawValue: err.rawValue)
    }

    /// No error.
    public static let noError = KafkaErrorCode(RD_KAFKA_RESP_ERR_NO_ERROR)
    /// A record was not acknowledged within the producer's delivery timeout.
    public static let messageTimedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
    /// An operation did not finish within its timeout.
    public static let timedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__TIMED_OUT)
    /// The producer's local queue is full.
    public static let queueFull = KafkaErrorCode(RD_KAFKA_RESP_ERR__QUEUE_FULL)
    /// The operation is not valid in the client's current state (for example the partition is not assigned).
    public static let invalidState = KafkaErrorCode(RD_KAFKA_RESP_ERR__STATE)
    /// An argument was invalid.
    public static let invalidArgument = KafkaErrorCode(RD_KAFKA_RESP_ERR__INVALID_ARG)
    /// There was no offset to commit.
    public static let noOffset = KafkaErrorCode(RD_KAFKA_RESP_ERR__NO_OFFSET)
    /// The client is being destroyed.
    public static let destroyed = KafkaErrorCode(RD_KAFKA_RESP_ERR__DESTROY)
    /// The client hit a fatal error (see ``KafkaError/isFatal``).
    public static let fatal = KafkaErrorCode(RD_KAFKA_RESP_ERR__FATAL)
    /// A record still queued locally was purged at shutdown.
    public static let purgedFromQueue = KafkaErrorCode(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
    /// A record in flight was purged at shutdown: whether the broker stored it is unknown.
    public static let purgedInFlight = KafkaErrorCode(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
    /// The topic or partition does not exist on the cluster.
    public static let unknownTopicOrPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    /// The topic is unknown to librdkafka.
    public static let unknownTopic = KafkaErrorCode(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
    /// The partition is unknown to librdkafka.
    public static let unknownPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
    /// The consumer group is rebalancing.
    public static let rebalanceInProgress = KafkaErrorCode(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
    /// The request carried an outdated consumer group generation (the group rebalanced meanwhile).
    public static let illegalGeneration = KafkaErrorCode(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION)
    /// librdkafka considers this consumer's partitions lost (its generation was fenced); offsets can no longer be committed.
    public static let assignmentLost = KafkaErrorCode(RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST)
    /// The group coordinator no longer knows this member (it was evicted).
    public static let unknownMemberID = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
    /// The topic already exists.
    public static let topicAlreadyExists = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    /// The record is larger than the broker or producer accepts.
    public static let messageTooLarge = KafkaErrorCode(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
    /// The broker refused the record itself (for example a compacted topic's record without a key).
    public static let invalidRecord = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_RECORD)
    /// The record's size is invalid.
    public static let invalidMessageSize = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE)
    /// The batch holding the record is larger than the broker accepts.
    public static let recordListTooLarge = KafkaErrorCode(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE)

    /// Codes by which the cluster refuses one record for what it is, not for the state of the
    /// cluster or the client: sending the same record again gives the same answer.
    public var refusesTheRecord: Bool {
        self == .messageTooLarge || self == .invalidRecord || self == .invalidMessageSize || self == .recordListTooLarge
    }

    /// Codes the Kafka protocol (and librdkafka, for its local codes) describes as transient.
    ///
    /// Used only when librdkafka returned a bare code; where it returns an `rd_kafka_error_t`
    /// its own `is_retriable` flag wins.
    var isRetriableByDefault: Bool {
        Self.retriableCodes.contains(self.rawValue)
    }

    private static let retriableCodes: Set<Int32> = Set(
        [
            RD_KAFKA_RESP_ERR__TRANSPORT,
            RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
            RD_KAFKA_RESP_ERR__TIMED_OUT,
            RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE,
            RD_KAFKA_RESP_ERR__QUEUE_FULL,
            RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
            RD_KAFKA_RESP_ERR__WAIT_COORD,
            RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR__PURGE_QUEUE,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
            RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
            RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS,
            RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
            RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND,
            RD_KAFKA_RESP_ERR_INVALID_FETCH_SESSION_EPOCH,
            RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH,
            RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH,
            RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED,
        ].map(\.rawValue)
    )
}

extension KafkaError {
    /// Builds an error from a bare librdkafka code, using librdkafka's description as the message
    /// unless a more specific one is given.
    init(kind: Kind, err: rd_kafka_resp_err_t, message: String? = nil) {
        let code = KafkaErrorCode(err)
        self.init(kind: kind, code: code, message: message ?? code.summary, isFatal: err == RD_KAFKA_RESP_ERR__FATAL)
    }

    /// Builds an error from an `rd_kafka_error_t`, keeping librdkafka's retriable and fatal flags.
    /// Does not destroy `error`; the caller owns it.
    init(kind: Kind, error: OpaquePointer) {
        self.init(
            kind: kind,
            code: KafkaErrorCode(rd_kafka_error_code(error)),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0
        )
    }

    /// Builds an error from an `rd_kafka_error_t` and destroys it: this takes ownership.
    static func consuming(kind: Kind, error: OpaquePointer) -> KafkaError {
        let converted = KafkaError(kind: kind, error: error)
        rd_kafka_error_destroy(error)
        return converted
    }

    static func closed(_ what: String) -> KafkaError {
        KafkaError(
            kind: .closed,
            code: .destroyed,
            message: "\(what) was called after the client was closed",
            isRetriable: false
        )
    }
}

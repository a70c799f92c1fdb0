import Foundation
import Logging
import Testing

@testable import Kafka
@testable import Postgres
@testable import SyncWorker

/// Every setting is read from the environment and checked at start, with a message naming the
/// variable; secured Kafka is configured the way managed clusters need it.
@Suite("Worker configuration")
struct WorkerConfigurationTests {
    /// A valid environment to vary one variable at a time.
    static let base = [
        "QBSYNC_TOKEN_KEY": Data(repeating: 7, count: 32).base64EncodedString(),
        "QBSYNC_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092",
    ]

    static func configuration(_ extra: [String: String]) throws -> WorkerConfiguration {
        try WorkerConfiguration.fromEnvironment(base.merging(extra) { $1 })
    }

    @Test("SASL_SSL set through the property pass-through, as the shipped ConfigMap does, reaches consumer and producer")
    func saslThroughPassThrough() throws {
        let configuration = try Self.configuration([
            "QBSYNC_KAFKA_PROPERTY_SECURITY_PROTOCOL": "SASL_SSL", "QBSYNC_KAFKA_PROPERTY_SASL_MECHANISM": "SCRAM-SHA-512",
            "QBSYNC_KAFKA_PROPERTY_SASL_USERNAME": "qbsync", "QBSYNC_KAFKA_PROPERTY_SASL_PASSWORD": "s3cret",
            "QBSYNC_KAFKA_PROPERTY_SOCKET_KEEPALIVE_ENABLE": "true",
        ])
        try configuration.validate()
        for properties in [
            try configuration.consumerConfiguration().librdkafkaProperties(),
            try configuration.producerConfiguration().librdkafkaProperties(),
        ] {
            #expect(properties["security.protocol"] == "sasl_ssl")
            #expect(properties["sasl.mechanisms"] == "SCRAM-SHA-512")
            #expect(properties["sasl.username"] == "qbsync")
            #expect(properties["sasl.password"] == "s3cret")
            #expect(properties["ssl.endpoint.identification.algorithm"] == "https")
            #expect(properties["socket.keepalive.enable"] == "true", "other properties still pass through")
        }
        #expect(!"\(configuration.kafkaConnection)".contains("s3cret"), "the password is never printed")
    }

    @Test("typed Kafka security variables yield exactly librdkafka's properties, the password from a file")
    func typedSecurity() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qbsync-kafka-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let password = directory.appendingPathComponent("password")
        try "from-a-file\n".write(to: password, atomically: true, encoding: .utf8)
        let ca = directory.appendingPathComponent("ca.pem")
        try "not read until a connection".write(to: ca, atomically: true, encoding: .utf8)
        let configuration = try Self.configuration([
            "QBSYNC_KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "QBSYNC_KAFKA_SASL_MECHANISM": "scram-sha-256",
            "QBSYNC_KAFKA_SASL_USERNAME": "svc", "QBSYNC_KAFKA_SASL_PASSWORD_FILE": password.path,
            "QBSYNC_KAFKA_SSL_CA_LOCATION": ca.path, "QBSYNC_KAFKA_SSL_VERIFY_HOSTNAME": "false",
        ])
        try configuration.validate()
        let properties = try configuration.producerConfiguration().librdkafkaProperties()
        #expect(properties["security.protocol"] == "sasl_ssl")
        #expect(properties["sasl.mechanisms"] == "SCRAM-SHA-256")
        #expect(properties["sasl.username"] == "svc")
        #expect(properties["sasl.password"] == "from-a-file")
        #expect(properties["ssl.ca.location"] == ca.path)
        #expect(properties["ssl.endpoint.identification.algorithm"] == "none")

        let tls = try Self.configuration(["QBSYNC_KAFKA_SECURITY_PROTOCOL": "SSL"])
        try tls.validate()
        let tlsProperties = try tls.consumerConfiguration().librdkafkaProperties()
        #expect(tlsProperties["security.protocol"] == "ssl")
        #expect(tlsProperties["sasl.mechanisms"] == nil)
    }

    @Test("librdkafka itself accepts the secured settings: every consumer property, and a producer is created")
    func librdkafkaAcceptsSecurity() throws {
        let configuration = try Self.configuration([
            "QBSYNC_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "QBSYNC_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "QBSYNC_KAFKA_SASL_USERNAME": "qbsync", "QBSYNC_KAFKA_SASL_PASSWORD": "s3cret",
        ])
        var logger = Logger(label: "qbsync.test")
        logger.logLevel = .critical
        let producer = try KafkaProducer(configuration: configuration.producerConfiguration(), logger: logger)
        _ = producer
        // librdkafka 2.0.2 asserts when a cooperative-sticky consumer that never joined its group is
        // destroyed, so the consumer's properties are checked one by one instead (rd_kafka_conf_set).
        _ = try RDKafkaConf(try configuration.consumerConfiguration().librdkafkaProperties())
    }

    @Test("a Kafka setting given twice with different values is refused, naming both variables")
    func conflictingKafkaSettings() {
        #expect {
            try Self.configuration(["QBSYNC_KAFKA_SECURITY_PROTOCOL": "ssl", "QBSYNC_KAFKA_PROPERTY_SECURITY_PROTOCOL": "SASL_SSL"])
        } throws: { error in
            "\(error)".contains("QBSYNC_KAFKA_SECURITY_PROTOCOL") && "\(error)".contains("QBSYNC_KAFKA_PROPERTY_SECURITY_PROTOCOL")
        }
        #expect { try Self.configuration(["QBSYNC_KAFKA_SECURITY_PROTOCOL": "sasl_ssl"]).validate() } throws: { error in
            "\(error)".contains("QBSYNC_KAFKA_SASL_MECHANISM")
        }
        #expect { try Self.configuration(["QBSYNC_KAFKA_SASL_USERNAME": "u"]).validate() } throws: { error in
            "\(error)".contains("QBSYNC_KAFKA_SECURITY_PROTOCOL is plaintext")
        }
        #expect {
            try Self.configuration(["QBSYNC_KAFKA_SECURITY_PROTOCOL": "ssl", "QBSYNC_KAFKA_SSL_CA_LOCATION": "/nonexistent/ca.pem"])
                .validate()
        } throws: { error in
            "\(error)".contains("QBSYNC_KAFKA_SSL_CA_LOCATION") && "\(error)".contains("/nonexistent/ca.pem")
        }
    }

    @Test(
        "limits that would stall, spin or disable a safeguard are refused at start, naming the variable",
        arguments: [
            ("QBSYNC_QBO_MAX_IN_FLIGHT", "0"), ("QBSYNC_QBO_MAX_IN_FLIGHT", "-1"), ("QBSYNC_QBO_REQUESTS_PER_WINDOW", "0"),
            ("QBSYNC_MAX_MESSAGE_BYTES", "0"), ("QBSYNC_SWEEP_INTERVAL_MS", "0"), ("QBSYNC_SWEEP_INTERVAL_MS", "-5"),
            ("QBSYNC_QBO_WINDOW_MS", "-60000"), ("QBSYNC_QBO_THROTTLE_PAUSE_MS", "-1"), ("QBSYNC_MAX_IN_FLIGHT", "0"),
            ("QBSYNC_MAX_ATTEMPTS", "0"), ("QBSYNC_LEASE_MS", "0"), ("QBSYNC_DATABASE_POOL_SIZE", "0"), ("QBSYNC_DATABASE_WAIT_MS", "-1"),
            ("QBSYNC_HTTP_PORT", "70000"),
            ("QBSYNC_QBO_TIMEOUT_MS", "0"), ("QBSYNC_DRAIN_TIMEOUT_MS", "0"), ("QBSYNC_LEDGER_RETENTION_HOURS", "0"),
            ("QBSYNC_READINESS_INTERVAL_MS", "0"), ("QBSYNC_KAFKA_BOOTSTRAP_SERVERS", "kafka-without-port"),
            ("QBSYNC_TOPIC_SYNC_STATUS", "billing.invoices"), ("QBSYNC_TOPIC_DEAD_LETTER", "bad topic!"), ("QBSYNC_ADMIN_TOKEN", "short"),
            ("QBSYNC_QBO_API_URL", "ftp://example"), ("QBSYNC_KAFKA_MOCK_CLUSTER", "maybe"), ("QBSYNC_MAX_IN_FLIGHT", "many"),
            ("QBSYNC_QBO_BATCHES_PER_WINDOW", "-1"), ("QBSYNC_QBO_BATCHES_PER_WINDOW", "500"), ("QBSYNC_QBO_BATCH_ITEMS", "0"),
            ("QBSYNC_QBO_BATCH_ITEMS", "31"), ("QBSYNC_QBO_BATCH_FILL_MS", "-1"), ("QBSYNC_QBO_BATCH_FILL_MS", "60000"),
            ("QBSYNC_MALLOC_ARENAS", "-1"), ("QBSYNC_MALLOC_ARENAS", "65"), ("QBSYNC_MALLOC_ARENAS", "two"),
        ])
    func limitsValidated(variable: String, value: String) {
        let name = variable == "QBSYNC_TOPIC_SYNC_STATUS" ? "QBSYNC_TOPIC_*" : variable
        #expect {
            try Self.configuration([variable: value]).validate()
        } throws: { error in
            "\(error)".contains(name)
        }
    }

    @Test("the defaults are valid")
    func defaultsValid() throws {
        try Self.configuration([:]).validate()
    }

    @Test("the producer's message.max.bytes fits the largest message the worker may dead-letter, plus its headers")
    func producerFitsDeadLetters() throws {
        for limit in [1_048_576, 5 << 20] {
            let configuration = try Self.configuration(["QBSYNC_MAX_MESSAGE_BYTES": String(limit)])
            let properties = try configuration.producerConfiguration().librdkafkaProperties()
            #expect(Int(properties["message.max.bytes"] ?? "") ?? 0 >= limit + 16 * 1024)
        }
    }

    @Test("a bad database URL is refused without echoing its password")
    func databasePasswordNotEchoed() {
        #expect { try Self.configuration(["QBSYNC_DATABASE_URL": "postgress://qbsync:hunter2@db:5432/qbsync"]).validate() } throws: {
            error in
            !"\(error)".contains("hunter2") && "\(error)".contains("QBSYNC_DATABASE_URL") && "\(error)".contains("********")
        }
        // libpq quotes what it cannot parse: here, the password itself.
        #expect { try PostgresConfiguration(connectionString: "postgresql://qbsync:hunter2%zz@db/qbsync") } throws: { error in
            !"\(error)".contains("hunter2") && "\(error)".contains("percent-encoded")
        }
        #expect(PostgresConfiguration.redacted("host=db password='hunter 2' dbname=x") == "host=db password=******** dbname=x")
        #expect(
            PostgresConfiguration.redacted("postgresql://u:p%40ss@h/db?sslmode=require&password=x")
                == "postgresql://u:********@h/db?sslmode=require&password=********")
    }

    @Test("secrets come from a variable or a file it names, never both")
    func secretsFromFiles() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qbsync-admin-\(UUID().uuidString)")
        try "an-admin-token-from-a-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try Self.configuration(["QBSYNC_ADMIN_TOKEN_FILE": file.path]).adminToken == "an-admin-token-from-a-file")
        #expect { try Self.configuration(["QBSYNC_ADMIN_TOKEN_FILE": file.path, "QBSYNC_ADMIN_TOKEN": "x"]) } throws: {
            "\($0)".contains("not both")
        }
        #expect { try Self.configuration(["QBSYNC_QBO_CLIENT_SECRET_FILE": "/nonexistent"]) } throws: {
            // The variable, the file and why it cannot be read.
            let prefix = "QBSYNC_QBO_CLIENT_SECRET_FILE names '/nonexistent', which cannot be read: "
            let message = "\($0)"
            return message.contains(prefix) && !message.hasSuffix(prefix)
        }
    }

    @Test("a metric label never takes an arbitrary role from input")
    func boundedRoleLabel() {
        let roles = (0..<100).map { _ in UUID().uuidString } + ["Owner", "STAFF", "staff"]
        let labels = Set(roles.map(WorkerMetrics.roleLabel))
        #expect(labels == ["other", "owner", "staff"])
    }

    @Test("every variable the worker reads is listed, and the README's configuration table lists each with its rule")
    func variablesDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let reader = try String(
            contentsOf: root.appendingPathComponent("Sources/SyncWorker/Configuration/WorkerConfiguration+Environment.swift"),
            encoding: .utf8)
        let read = Set(reader.matches(of: /"(QBSYNC_[A-Z_]+)"/).map { String($0.1) }).subtracting(["QBSYNC_KAFKA_PROPERTY_"])
        let listed = Set(WorkerConfiguration.variables.map(\.name))
            .union(WorkerConfiguration.variables.filter(\.secret).map { "\($0.name)_FILE" })
        #expect(read.subtracting(listed).isEmpty, "read but not listed: \(read.subtracting(listed).sorted())")
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        for variable in WorkerConfiguration.variables {
            let row = readme.split(separator: "\n").first { $0.hasPrefix("| `\(variable.name)`") }
            #expect(row != nil, "README lists \(variable.name)")
            if let row, !variable.rule.isEmpty { #expect(row.contains(variable.rule), "README gives the rule of \(variable.name)") }
        }
    }
}

extension WorkerConfiguration {
    /// One environment variable the worker reads: its default and what it must be.
    public struct Variable: Sendable, Hashable {
        public var name: String
        public var meaning: String
        public var defaultValue: String
        public var rule: String
        /// A secret: it may also come from the file `<name>_FILE` names, and it is never printed.
        public var secret: Bool = false
    }

    /// Every variable ``fromEnvironment(_:)`` reads, in the order the README lists them;
    /// `qbsync config variables` prints them and scripts/check-deploy.sh holds deploy/ to them.
    public static let variables: [Variable] = [
        Variable(
            name: "QBSYNC_DATABASE_URL", meaning: "libpq URL or keyword string; `sslmode`, `sslrootcert` pass through",
            defaultValue: "postgresql://qbsync@127.0.0.1:5432/qbsync",
            rule: "a postgresql:// URL or key=value pairs libpq parses; its password is never echoed"),
        Variable(name: "QBSYNC_DATABASE_POOL_SIZE", meaning: "PostgreSQL connections", defaultValue: "16", rule: "1–1000"),
        Variable(
            name: "QBSYNC_MALLOC_ARENAS",
            meaning:
                "most arenas glibc's malloc keeps for the worker's threads (each connection has one); 0 leaves glibc's default or `MALLOC_ARENA_MAX`",
            defaultValue: "2", rule: "0–64"),
        Variable(
            name: "QBSYNC_DATABASE_WAIT_MS",
            meaning: "how long a starting worker waits for PostgreSQL to accept connections before it exits",
            defaultValue: "60000", rule: "0–3600000; 0 exits at the first refusal"),
        Variable(
            name: "QBSYNC_KAFKA_BOOTSTRAP_SERVERS", meaning: "brokers", defaultValue: "127.0.0.1:9092",
            rule: "comma-separated host:port, at least one"),
        Variable(name: "QBSYNC_KAFKA_GROUP", meaning: "consumer group", defaultValue: "qbsync", rule: "not empty"),
        Variable(name: "QBSYNC_KAFKA_CLIENT_ID", meaning: "client id shown to the brokers", defaultValue: "qbsync", rule: "not empty"),
        Variable(
            name: "QBSYNC_KAFKA_SECURITY_PROTOCOL", meaning: "TLS and SASL for consumer, producer and `qbsync dlq`",
            defaultValue: "plaintext",
            rule: "plaintext, ssl, sasl_plaintext or sasl_ssl (any case)"),
        Variable(
            name: "QBSYNC_KAFKA_SASL_MECHANISM", meaning: "SASL mechanism", defaultValue: "",
            rule: "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; required with sasl_*"),
        Variable(name: "QBSYNC_KAFKA_SASL_USERNAME", meaning: "SASL user", defaultValue: "", rule: "required with sasl_*"),
        Variable(
            name: "QBSYNC_KAFKA_SASL_PASSWORD", meaning: "SASL password", defaultValue: "", rule: "required with sasl_*", secret: true),
        Variable(
            name: "QBSYNC_KAFKA_SSL_CA_LOCATION", meaning: "CA certificates to trust (PEM file or directory)",
            defaultValue: "the system store",
            rule: "readable; ssl or sasl_ssl only"),
        Variable(
            name: "QBSYNC_KAFKA_SSL_CERTIFICATE_LOCATION", meaning: "client certificate for mutual TLS", defaultValue: "",
            rule: "readable; with the key"),
        Variable(
            name: "QBSYNC_KAFKA_SSL_KEY_LOCATION", meaning: "client key for mutual TLS", defaultValue: "",
            rule: "readable; with the certificate"),
        Variable(name: "QBSYNC_KAFKA_SSL_KEY_PASSWORD", meaning: "passphrase of the client key", defaultValue: "", rule: "", secret: true),
        Variable(
            name: "QBSYNC_KAFKA_SSL_VERIFY_HOSTNAME", meaning: "verify the broker certificate's host name", defaultValue: "true",
            rule: "true or false"),
        Variable(
            name: "QBSYNC_KAFKA_PROPERTY_<NAME>",
            meaning:
                "any other librdkafka property, dots as underscores; the consumer reads ahead at most 8 MB unless `…_QUEUED_MAX_MESSAGES_KBYTES` says otherwise",
            defaultValue: "",
            rule:
                "one a typed variable owns (security.protocol, sasl.*, ssl.*, bootstrap.servers…) sets that variable; both set differently is refused"
        ),
        Variable(
            name: "QBSYNC_KAFKA_MOCK_CLUSTER", meaning: "timings for librdkafka's embedded mock cluster", defaultValue: "false",
            rule: "true or false"),
        Variable(
            name: "QBSYNC_TOPIC_INVOICES", meaning: "ingress topic", defaultValue: "billing.invoices",
            rule: "a Kafka topic name; the six topics all differ"),
        Variable(name: "QBSYNC_TOPIC_PAYMENTS", meaning: "ingress topic", defaultValue: "billing.payments", rule: "as above"),
        Variable(
            name: "QBSYNC_TOPIC_ACCOUNT_TOGGLES", meaning: "ingress topic", defaultValue: "accounts.quickbooks-sync", rule: "as above"),
        Variable(name: "QBSYNC_TOPIC_ACCOUNT_LIFECYCLE", meaning: "ingress topic", defaultValue: "accounts.lifecycle", rule: "as above"),
        Variable(
            name: "QBSYNC_TOPIC_SYNC_STATUS", meaning: "status events (compacted)", defaultValue: "quickbooks.sync-status", rule: "as above"
        ),
        Variable(name: "QBSYNC_TOPIC_DEAD_LETTER", meaning: "dead letters", defaultValue: "qbsync.dead-letter", rule: "as above"),
        Variable(
            name: "QBSYNC_QBO_API_URL", meaning: "QuickBooks API", defaultValue: "https://quickbooks.api.intuit.com", rule: "an http(s) URL"
        ),
        Variable(
            name: "QBSYNC_QBO_TOKEN_URL", meaning: "QuickBooks OAuth token endpoint",
            defaultValue: "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            rule: "an http(s) URL"),
        Variable(
            name: "QBSYNC_QBO_REVOKE_URL", meaning: "QuickBooks OAuth revoke endpoint (disconnecting a firm)",
            defaultValue: "https://developer.api.intuit.com/v2/oauth2/tokens/revoke", rule: "an http(s) URL"),
        Variable(name: "QBSYNC_QBO_CLIENT_ID", meaning: "the app's OAuth client id", defaultValue: "qbsync-sandbox", rule: "not empty"),
        Variable(
            name: "QBSYNC_QBO_CLIENT_SECRET", meaning: "the app's OAuth client secret", defaultValue: "qbsync-sandbox-secret",
            rule: "not empty", secret: true),
        Variable(name: "QBSYNC_QBO_TIMEOUT_MS", meaning: "longest QuickBooks call", defaultValue: "30000", rule: "100–600000"),
        Variable(
            name: "QBSYNC_TOKEN_KEY", meaning: "seals OAuth tokens at rest (AES-256-GCM); every worker of a deployment needs the same one",
            defaultValue: "", rule: "**required**: base64 of exactly 32 bytes (`openssl rand -base64 32`)", secret: true),
        Variable(
            name: "QBSYNC_ADMIN_TOKEN", meaning: "bearer token of the admin API", defaultValue: "",
            rule: "empty (admin API off) or at least 16 characters", secret: true),
        Variable(
            name: "QBSYNC_CDC_INTERVAL_MS", meaning: "how often each connected company is asked what changed there (change-data-capture)",
            defaultValue: "300000", rule: "1000–86400000"),
        Variable(
            name: "QBSYNC_QBO_WEBHOOK_VERIFIER_TOKEN", meaning: "the app's webhook verifier token, which signs QuickBooks' notifications",
            defaultValue: "", rule: "empty (webhooks refused) or at least 16 characters", secret: true),
        Variable(name: "QBSYNC_HTTP_HOST", meaning: "HTTP server address", defaultValue: "0.0.0.0", rule: "not empty"),
        Variable(name: "QBSYNC_HTTP_PORT", meaning: "HTTP server port", defaultValue: "8080", rule: "0–65535"),
        Variable(
            name: "QBSYNC_MAX_IN_FLIGHT", meaning: "messages read and not yet applied, at most (back-pressure on the consumer)",
            defaultValue: "512", rule: "1–100000"),
        Variable(
            name: "QBSYNC_CONSUMER_BATCH_SIZE", meaning: "messages applied in one database transaction, at most", defaultValue: "200",
            rule: "1–10000"),
        Variable(
            name: "QBSYNC_CONSUMER_BATCH_WAIT_MS", meaning: "how long a batch that is not full waits for more messages", defaultValue: "5",
            rule: "0–1000"),
        Variable(
            name: "QBSYNC_CONSUMER_BATCHES", meaning: "batches applied at once, each in its own transaction", defaultValue: "4",
            rule: "1–1000"),
        Variable(
            name: "QBSYNC_MAX_MESSAGE_BYTES", meaning: "larger messages are dead-lettered", defaultValue: "1048576",
            rule: "1024–67108864; the producer's message.max.bytes follows it"),
        Variable(name: "QBSYNC_MAX_ATTEMPTS", meaning: "attempts before parked work fails", defaultValue: "12", rule: "1–1000"),
        Variable(
            name: "QBSYNC_LEASE_MS", meaning: "how long a worker holds an account while calling QuickBooks", defaultValue: "60000",
            rule: "at least 1000"),
        Variable(
            name: "QBSYNC_SWEEP_INTERVAL_MS", meaning: "how often waiting work is looked for", defaultValue: "1000", rule: "10–3600000"),
        Variable(
            name: "QBSYNC_QBO_MAX_IN_FLIGHT", meaning: "concurrent calls per company", defaultValue: "10",
            rule: "1–10000 (QuickBooks allows 10)"),
        Variable(
            name: "QBSYNC_QBO_MAX_CONNECTIONS",
            meaning: "connections to QuickBooks across all companies: the worker's cap on requests in flight",
            defaultValue: "256", rule: "1–10000"),
        Variable(
            name: "QBSYNC_PUSHER_CONCURRENCY",
            meaning: "accounts whose documents are written to QuickBooks at once (each account in order)",
            defaultValue: "512", rule: "1–10000"),
        Variable(
            name: "QBSYNC_QBO_REQUESTS_PER_WINDOW", meaning: "calls per company per window", defaultValue: "500",
            rule: "at least 1 (QuickBooks allows 500 a minute)"),
        Variable(name: "QBSYNC_QBO_WINDOW_MS", meaning: "the window of the limit above", defaultValue: "60000", rule: "100–3600000"),
        Variable(
            name: "QBSYNC_QBO_BATCHES_PER_WINDOW",
            meaning: "batch requests per company per window, among its calls; 0 sends every write alone",
            defaultValue: "40", rule: "0 to QBSYNC_QBO_REQUESTS_PER_WINDOW - 1 (QuickBooks allows 40 a minute)"),
        Variable(
            name: "QBSYNC_QBO_BATCH_ITEMS", meaning: "writes in one batch request", defaultValue: "30", rule: "1–30 (QuickBooks allows 30)"),
        Variable(
            name: "QBSYNC_QBO_BATCH_FILL_MS", meaning: "how long a batch waits to fill once a company's single requests are spent",
            defaultValue: "100", rule: "0–10000"),
        Variable(
            name: "QBSYNC_QBO_THROTTLE_PAUSE_MS", meaning: "how long a company rests after a 429", defaultValue: "60000", rule: "0–3600000"),
        Variable(
            name: "QBSYNC_DRAIN_TIMEOUT_MS", meaning: "how long shutdown and revocation wait for in-flight work", defaultValue: "30000",
            rule: "1000–600000; shutdown as a whole takes at most this + 30 s"),
        Variable(
            name: "QBSYNC_LEDGER_RETENTION_HOURS", meaning: "how long applied event ids are remembered", defaultValue: "192",
            rule: "at least 1; keep it above the ingress topics' retention"),
        Variable(
            name: "QBSYNC_PAYMENT_INVOICE_WAIT_MINUTES",
            meaning: "how long a payment waits for an invoice it pays before its column says the invoice never came",
            defaultValue: "1440", rule: "at least 1"),
        Variable(
            name: "QBSYNC_READINESS_INTERVAL_MS", meaning: "how often /readyz re-checks PostgreSQL and Kafka", defaultValue: "5000",
            rule: "100–300000"),
        Variable(
            name: "QBSYNC_TRACING",
            meaning:
                "`otlp` exports spans over OTLP/HTTP to the collector `OTEL_EXPORTER_OTLP_ENDPOINT` names (the standard OTEL_* variables apply)",
            defaultValue: "off", rule: "off or otlp"),
        Variable(
            name: "QBSYNC_METRICS_INTERVAL_MS",
            meaning: "how often consumer lag and the deployment-wide figures (parked work, outbox, disconnected firms) are sampled",
            defaultValue: "15000", rule: "100–300000"),
    ]
}

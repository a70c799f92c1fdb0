// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "qbsync",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SyncCore", targets: ["SyncCore"]),
        .library(name: "Kafka", targets: ["Kafka"]),
        .executable(name: "qbsync", targets: ["qbsync"]),
        .executable(name: "qbsync-dev", targets: ["qbsync-dev"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter's dependencies are not built.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // The pure domain: sync rules, status state machines, the event model. No I/O.
        .target(
            name: "SyncCore",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore"]),

        // One way to retry: attempts, exponential backoff with jitter, a budget, cancellation.
        .target(name: "Retry"),
        .testTarget(name: "RetryTests", dependencies: ["Retry"]),

        // Adapter: librdkafka behind a system-library target and a thin Swift wrapper.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // glibc's mallopt, which Swift's Glibc module leaves out.
        .systemLibrary(name: "CMalloc"),
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka", "Retry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", .product(name: "Logging", package: "swift-log")]),

        // Adapter: libpq behind a system-library target and a thin Swift wrapper with a pool.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")]),

        // Adapter: the QuickBooks Online Accounting API v3 and its OAuth 2 token endpoint.
        .target(
            name: "QuickBooks",
            dependencies: [
                "SyncCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),

        // The QuickBooks Online emulator used by tests, the demo and docker-compose.
        .target(
            name: "QuickBooksSandbox",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // Webhook deliveries: signed with HMAC-SHA256 and POSTed to the app.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "QuickBooksSandboxTests",
            dependencies: [
                "QuickBooksSandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The webhook receiver the tests run, and the signature check it makes.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(
            name: "QuickBooksTests",
            dependencies: [
                "QuickBooks", "QuickBooksSandbox", "SyncCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The worker: pipeline, storage, outbox relay, retry sweeper, admin HTTP.
        .target(
            name: "SyncWorker",
            dependencies: [
                "SyncCore", "Kafka", "Postgres", "QuickBooks", "Retry", "CMalloc",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "SyncWorkerTests",
            dependencies: [
                "SyncWorker", "SyncCore", "Kafka", "Postgres", "QuickBooks", "QuickBooksSandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),

        // What the command-line tools share: logging options.
        .target(
            name: "CommandLineSupport",
            dependencies: [
                "SyncWorker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The production executable: worker, migrate, firm, status, customers, dlq, outbox, config, probe.
        // It carries no QuickBooks emulator and no demo.
        .executableTarget(
            name: "qbsync",
            dependencies: [
                "SyncWorker", "SyncCore", "Kafka", "Postgres", "QuickBooks", "CommandLineSupport", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),

        // Development tools: the QuickBooks sandbox, the Kafka mock cluster as a process, the demo.
        .executableTarget(
            name: "qbsync-dev",
            dependencies: [
                "SyncWorker", "SyncCore", "Kafka", "Postgres", "QuickBooks", "QuickBooksSandbox", "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // The end-to-end benchmark (scripts/bench.sh): prints throughput, CPU per event, memory and QuickBooks pace.
        .executableTarget(
            name: "qbsync-bench",
            dependencies: [
                "SyncWorker", "SyncCore", "Kafka", "Postgres", "QuickBooks", "QuickBooksSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

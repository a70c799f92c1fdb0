// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "qbsync",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SyncCore", targets: ["SyncCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
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
    ]
)

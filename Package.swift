// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Yibenzhang",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ybz", targets: ["ybz"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2")
    ],
    targets: [
        .target(
            name: "LedgerCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Compliance",
            dependencies: [
                "LedgerCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto")
            ]
        ),
        .target(name: "Presentation", dependencies: ["LedgerCore", "Compliance"]),
        .target(
            name: "Spreadsheet",
            dependencies: ["LedgerCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .target(
            name: "LedgerStore",
            dependencies: [
                "LedgerCore",
                "Compliance",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log")
            ]
        ),
        .target(name: "Interchange", dependencies: ["LedgerCore", "LedgerStore", "Presentation", "Spreadsheet"]),
        .target(
            name: "Services",
            dependencies: [
                "LedgerCore",
                "Interchange",
                "Presentation",
                "Compliance",
                "LedgerStore",
                "Connectors",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio")
            ]
        ),
        .target(
            name: "Connectors",
            dependencies: [
                "LedgerCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates")
            ]
        ),
        .target(
            name: "PlatformSimulator",
            dependencies: [
                "Connectors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio")
            ]
        ),
        .target(
            name: "LedgerServer",
            dependencies: [
                "LedgerCore",
                "Compliance",
                "Presentation",
                "LedgerStore",
                "Interchange",
                "Services",
                "Connectors",
                "Spreadsheet",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache")
            ],
            resources: [.copy("Web")]
        ),
        .executableTarget(
            name: "ybz",
            dependencies: [
                "LedgerCore",
                "Compliance",
                "Presentation",
                "LedgerStore",
                "Interchange",
                "Services",
                "LedgerServer",
                "Connectors",
                "PlatformSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
            ]
        ),
        .target(
            name: "LedgerTestSupport",
            dependencies: [
                "LedgerCore", "LedgerStore", "Connectors", "Services", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log")
            ]
        ),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "LedgerTestSupport"]),
        .testTarget(name: "ComplianceTests", dependencies: ["Compliance", "LedgerCore", "LedgerTestSupport", "Presentation"]),
        .testTarget(
            name: "LedgerStoreTests",
            dependencies: [
                "LedgerCore", "LedgerStore", "Interchange", "Compliance", "LedgerTestSupport", "Spreadsheet", "Services", "Presentation"
            ],
            exclude: ["Fixtures"]  // read from the source tree (`#filePath`), each copied before a test opens it
        ),
        .testTarget(
            name: "SpreadsheetTests",
            dependencies: ["Spreadsheet", "LedgerCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: [
                "Connectors", "PlatformSimulator", "LedgerCore", "LedgerStore", "LedgerTestSupport", "Services",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto")
            ]
        ),
        .testTarget(
            name: "LedgerServerTests",
            dependencies: [
                "LedgerServer", "LedgerStore", "LedgerCore", "LedgerTestSupport", "Connectors", "PlatformSimulator", "Compliance",
                "Spreadsheet", "Services", "Interchange", "Presentation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto")
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)

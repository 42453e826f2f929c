// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Ratebook",
    products: [
        .executable(name: "rate", targets: ["rate"]),
        .executable(name: "invoice", targets: ["invoice"]),
        .library(name: "Pricing", targets: ["Pricing"]),
        .library(name: "Formats", targets: ["Formats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // 1.16: `LogHandler.log(event:)` (the JSON log handler implements it).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        // SHA-256 of every input file at hardware speed (BoringSSL's assembly); 3.x, not 4.x,
        // because 4.x adds a Keccak C library (SHA-3) to every build for nothing we use.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries from Debian (scripts/setup installs libarchive-dev and libzstd-dev).
        .systemLibrary(
            name: "CArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]),
        // libzstd: zstd decoded by Ratebook itself (every frame, checksums, what follows them).
        .systemLibrary(
            name: "CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        // zlib: gzip decoded by Ratebook itself, so every member's CRC-32 and ISIZE are checked.
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // Pure domain: exact numbers, time, catalog, rating, invoices, wallets. No I/O.
        .target(name: "Pricing"),
        // Bytes in and out: compressed input, NDJSON, YAML, CSV, journals, output folders.
        .target(
            name: "Formats",
            dependencies: [
                "Pricing", "CArchive", "CZstd", "CZlib",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The hot path of `rate`: event scanning, admission, dedupe, aggregation, spilling.
        // Dynamic exclusivity checks are off in this module only: on the path taken for every
        // event they cost ~7% of a 20M-event run (perf, docs/performance.md). Its mutable state
        // is confined to one thread at a time, and its tests run with the checks on in debug.
        .target(
            name: "Ingest", dependencies: ["Pricing", "Formats"],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        // The jobs the executables call, each one function from checked options to a result:
        // rate and invoice runs, verify, diff, explain; their logs and metrics.
        .target(
            name: "Pipeline",
            dependencies: [
                "Pricing", "Formats", "Ingest", .product(name: "Logging", package: "swift-log"),
            ]),
        // What both executables share: stage options, logs, exit codes, verify/diff/explain.
        .target(
            name: "CommandSupport",
            dependencies: [
                "Pricing", "Formats", "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "rate",
            dependencies: [
                "Pricing", "Formats", "Ingest", "Pipeline", "CommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "invoice",
            dependencies: [
                "Pricing", "Formats", "Pipeline", "CommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // What the test targets share, once: temporary folders, running processes (the built
        // executables, fixture commands, Python checks, installed tools), reading outputs, and
        // the fixtures several test files write. A regular target, since a test target cannot
        // be another target's dependency; nothing outside Tests depends on it.
        .target(name: "TestSupport", dependencies: ["Formats"], path: "Tests/TestSupport"),

        .testTarget(
            name: "PricingTests",
            dependencies: [
                "Pricing",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "Pricing", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(
            name: "IngestTests", dependencies: ["Ingest", "Formats", "Pricing", "TestSupport"]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "Ingest", "Formats", "Pricing", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Formats", "Pricing", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)

// swift-tools-version: 6.1
// Time per line of Ingest's EventScanner against Formats' EventLineParser, on the same lines.
// The sources are Ratebook's own (symbolic links), built here in release without the rest of
// Ratebook (no C libraries, no dependencies). Not part of the Ratebook build; see README.md.
// Run: bench/scanner/run.sh
import PackageDescription

let package = Package(
    name: "scannerbench",
    targets: [
        .target(name: "Pricing"),
        .target(name: "Formats", dependencies: ["Pricing"]),
        .target(name: "Ingest", dependencies: ["Pricing", "Formats"]),
        .executableTarget(name: "scannerbench", dependencies: ["Pricing", "Formats", "Ingest"]),
    ],
    swiftLanguageModes: [.v5]
)

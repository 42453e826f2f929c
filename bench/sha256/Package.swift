// swift-tools-version: 6.1
// Throughput of Ratebook's SHA256 (the same source file, linked in) against swift-crypto's own
// type. Not part of the Ratebook build; see README.md. Run: bench/sha256/run.sh
import PackageDescription

let package = Package(
    name: "sha256bench",
    dependencies: [.package(url: "https://github.com/apple/swift-crypto", from: "3.12.3")],
    targets: [
        .executableTarget(
            name: "sha256bench",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
    ],
    swiftLanguageModes: [.v5]
)

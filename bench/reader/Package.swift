// swift-tools-version: 6.1
// Throughput of InputReader (read + hash + decompress + split) on the caller's thread against
// decoding threads, with an empty or a parser-like line callback. Not part of the Ratebook
// build; see bench/README.md. Run: bench/reader/run.sh
import Foundation
import PackageDescription

/// The Ratebook package two folders up; its identity is its folder's name (main, a worktree).
let ratebook = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "readbench",
    dependencies: [.package(path: ratebook.path)],
    targets: [
        .executableTarget(
            name: "readbench",
            dependencies: [.product(name: "Formats", package: ratebook.lastPathComponent)]),
    ],
    swiftLanguageModes: [.v5]
)

import Formats
import Foundation
import XCTest

// Shared helpers for the end-to-end tests: they run the BUILT `rate` executable as a separate
// process, exactly as a cron job would, and look only at its exit code, its standard streams
// and the files it writes.

/// What one run of an executable did.
struct RunResult {
    /// The exit status (or, when killed by a signal, 128 + the signal number).
    let status: Int32
    let standardOutput: String
    let standardError: String

    /// A one-line-per-stream summary for failure messages.
    var transcript: String {
        "exit \(status)\n--- stdout ---\n\(standardOutput)--- stderr ---\n\(standardError)"
    }
}

/// A failure of the test harness itself (not of the code under test).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
}

/// Where the package and its built executables are.
enum Executables {
    /// The package root: this file is `<root>/Tests/EndToEndTests/ExecutableSupport.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The sample catalog, customers and events shipped with the package.
    static var samples: URL { packageRoot.appendingPathComponent("samples", isDirectory: true) }

    /// The built `rate` executable.
    ///
    /// First the `rate` binary next to the test bundle (`.build/<triple>/debug/`, whatever the
    /// configuration `swift test` used), then `<root>/.build/debug/rate`. Fails with what to do
    /// when neither exists, and when the binary is older than a source file of `rate`,
    /// `Formats` or `Pricing`: a stale binary would test yesterday's code.
    static func rate() throws -> URL {
        try built("rate")
    }

    /// The built `invoice` executable, found and checked as `rate()` is.
    static func invoice() throws -> URL {
        try built("invoice")
    }

    private static func built(_ name: String) throws -> URL {
        // On Linux the test bundle is an executable `…/debug/RatebookPackageTests.xctest` and
        // `bundleURL` may name either it or its folder; try both.
        let bundle = Bundle(for: BundleMarker.self).bundleURL
        let candidates = [
            bundle.deletingLastPathComponent().appendingPathComponent(name),
            bundle.appendingPathComponent(name),
            packageRoot.appendingPathComponent(".build/debug/\(name)"),
        ]
        guard let binary = candidates.first(where: {
            FileManager.default.isExecutableFile(atPath: $0.path)
        }) else {
            throw HarnessError(
                description: "no built `\(name)` executable at \(candidates.map(\.path)); "
                    + "run `swift build` first")
        }
        try checkFresh(binary, module: name)
        return binary
    }

    /// Throws when a source file the executable is built from is newer than the executable.
    private static func checkFresh(_ binary: URL, module executable: String) throws {
        let binaryDate = try modificationDate(binary)
        for module in [executable, "Formats", "Pricing", "CommandSupport"] {
            let folder = packageRoot.appendingPathComponent("Sources/\(module)")
            guard let walker = FileManager.default.enumerator(
                at: folder, includingPropertiesForKeys: [.contentModificationDateKey])
            else { continue }
            for case let file as URL in walker where file.pathExtension == "swift" {
                if try modificationDate(file) > binaryDate {
                    throw HarnessError(
                        description: "\(binary.path) is older than \(file.path); "
                            + "run `swift build` first")
                }
            }
        }
    }

    private static func modificationDate(_ url: URL) throws -> Date {
        let values = try url.resourceValues(forKeys: [.contentModificationDateKey])
        guard let date = values.contentModificationDate else {
            throw HarnessError(description: "no modification date for \(url.path)")
        }
        return date
    }
}

/// A class in this bundle, so `Bundle(for:)` finds the test bundle.
private final class BundleMarker {}

/// Runs `executable` with `arguments` in `directory` and waits for it.
///
/// Standard output and error go to files (not pipes), so a chatty process can never block on
/// a full pipe. `standardInput` is a file whose bytes are the process's standard input (none:
/// `/dev/null`). `environment` entries are added to (or replace) this process's environment.
/// A process still running after `timeoutSeconds` is killed and the run throws.
func runProcess(
    _ executable: URL, _ arguments: [String], in directory: URL,
    standardInput: URL? = nil, environment: [String: String] = [:],
    timeoutSeconds: Double = 60
) throws -> RunResult {
    let streams = FileManager.default.temporaryDirectory
        .appendingPathComponent("ratebook-e2e-streams-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: streams, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: streams) }
    let outputURL = streams.appendingPathComponent("stdout")
    let errorURL = streams.appendingPathComponent("stderr")
    for url in [outputURL, errorURL] {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw HarnessError(description: "cannot create \(url.path)")
        }
    }
    let output = try FileHandle(forWritingTo: outputURL)
    let errors = try FileHandle(forWritingTo: errorURL)
    defer {
        try? output.close()
        try? errors.close()
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = output
    process.standardError = errors
    if let standardInput {
        process.standardInput = try FileHandle(forReadingFrom: standardInput)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            process.waitUntilExit()
            throw HarnessError(
                description: "\(executable.lastPathComponent) \(arguments) ran over "
                    + "\(timeoutSeconds) s and was killed")
        }
        Thread.sleep(forTimeInterval: 0.005)
    }
    process.waitUntilExit()
    let status = process.terminationReason == .uncaughtSignal
        ? 128 + process.terminationStatus : process.terminationStatus
    return RunResult(
        status: status,
        standardOutput: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
        standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
}

/// Runs a `/bin/sh` command line in `directory` with the real command-line tools (gzip, tar…)
/// to build fixtures; throws on a non-zero exit.
func shell(_ command: String, in directory: URL) throws {
    let result = try runProcess(
        URL(fileURLWithPath: "/bin/sh"), ["-euc", command], in: directory, timeoutSeconds: 30)
    guard result.status == 0 else {
        throw HarnessError(description: "fixture command `\(command)` failed: \(result.transcript)")
    }
}

extension XCTestCase {
    /// A fresh, empty temporary directory, removed when the test ends.
    func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ratebook-e2e-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// Writes UTF-8 `text` to `name` inside `directory` (creating subfolders) and returns its URL.
@discardableResult
func writeFile(_ name: String, _ text: String, in directory: URL) throws -> URL {
    let url = directory.appendingPathComponent(name)
    try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
    return url
}

/// The bytes of a file.
func readBytes(_ url: URL) throws -> [UInt8] {
    Array(try Data(contentsOf: url))
}

/// A file's text, which must be UTF-8.
func readText(_ url: URL) throws -> String {
    let bytes = try readBytes(url)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw HarnessError(description: "\(url.path) is not UTF-8")
    }
    return text
}

/// The lines of an NDJSON file (the final LF ends the last line; it does not start another).
func readLines(_ url: URL) throws -> [String] {
    let text = try readText(url)
    guard !text.isEmpty else { return [] }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
}

/// Every line of an NDJSON file as a JSON object.
func readObjects(_ url: URL) throws -> [[String: Any]] {
    try readLines(url).enumerated().map { index, line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            as? [String: Any]
        else {
            throw HarnessError(description: "\(url.path):\(index + 1) is not a JSON object")
        }
        return object
    }
}

/// A JSON file holding one object (`manifest.json`).
func readObject(_ url: URL) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(try readBytes(url)))
        as? [String: Any]
    else {
        throw HarnessError(description: "\(url.path) is not a JSON object")
    }
    return object
}

/// The SHA-256 (lowercase hex) of every regular file under `folder`, keyed by its path relative
/// to `folder`, hidden files included (so a leftover temporary file shows up as a difference).
/// A missing folder has no files.
func folderDigests(_ folder: URL) throws -> [String: String] {
    var digests: [String: String] = [:]
    let root = folder.resolvingSymlinksInPath().path
    guard let walker = FileManager.default.enumerator(
        at: folder, includingPropertiesForKeys: [.isRegularFileKey])
    else { return [:] }
    for case let file as URL in walker {
        guard try file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else {
            continue
        }
        let path = file.resolvingSymlinksInPath().path
        precondition(path.hasPrefix(root + "/"), "enumerated file outside its folder")
        digests[String(path.dropFirst(root.count + 1))] = SHA256.hash(try readBytes(file))
    }
    return digests
}

/// The names in a folder (hidden ones included), sorted; a missing folder has none.
func folderEntries(_ folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
}

/// Where two texts first differ, line by line, as a message; nil when they are equal.
func firstDifference(expected: String, actual: String) -> String? {
    guard expected != actual else { return nil }
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    for index in 0..<max(expectedLines.count, actualLines.count) {
        let left = index < expectedLines.count ? String(expectedLines[index]) : "<end of file>"
        let right = index < actualLines.count ? String(actualLines[index]) : "<end of file>"
        if left != right {
            return "first difference at line \(index + 1):\n"
                + "  expected: \(left)\n  actual:   \(right)"
        }
    }
    return "the texts differ in bytes that are not lines (line endings?)"
}

/// The standard arguments of a `rate` run.
func rateArguments(
    catalog: URL, customers: URL, period: String, output: URL, inputs: [String],
    extra: [String] = []
) -> [String] {
    ["--catalog", catalog.path, "--customers", customers.path, "--period", period,
     "--output", output.path] + extra + inputs
}

/// The objects of `lines` whose `field` equals `value`.
func objects(_ lines: [[String: Any]], where field: String, is value: String) -> [[String: Any]] {
    lines.filter { ($0[field] as? String) == value }
}

/// Runs the built `rate` with `arguments` in `directory`.
func runRate(
    _ arguments: [String], in directory: URL, standardInput: URL? = nil,
    environment: [String: String] = [:]
) throws -> RunResult {
    try runProcess(
        try Executables.rate(), arguments, in: directory, standardInput: standardInput,
        environment: environment)
}

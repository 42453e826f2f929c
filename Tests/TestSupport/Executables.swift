import Foundation

// The built `rate` and `invoice` executables, run as separate processes exactly as a cron job
// would: tests look only at the exit code, the standard streams and the files written.

/// Where the package and its built executables are.
public enum Executables {
    /// The package root: this file is `<root>/Tests/TestSupport/Executables.swift`.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The sample catalog, customers and events shipped with the package.
    public static var samples: URL {
        packageRoot.appendingPathComponent("samples", isDirectory: true)
    }

    /// The samples' `rate` options beyond catalog, customers and period, as `scripts/run-samples`
    /// passes them: the opening gauge levels and the operator's resolutions (SPEC §13.3, §13.4).
    /// Without them the samples rate differently (a conflict left unbilled, a gauge from 0).
    public static var sampleRateOptions: [String] {
        [
            "--gauges", samples.appendingPathComponent("gauges-2026-09.ndjson").path,
            "--resolutions", samples.appendingPathComponent("resolutions.ndjson").path,
        ]
    }

    /// The built `rate` executable.
    ///
    /// First the `rate` binary next to the test bundle (`.build/<triple>/debug/`, whatever the
    /// configuration `swift test` used), then `<root>/.build/debug/rate`. Fails with what to do
    /// when neither exists, and when the binary is older than a source file it is built from:
    /// a stale binary would test yesterday's code.
    public static func rate() throws -> URL {
        try built("rate")
    }

    /// The built `invoice` executable, found and checked as `rate()` is.
    public static func invoice() throws -> URL {
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
        for module in [executable, "Formats", "Pricing", "Ingest", "Pipeline", "CommandSupport"] {
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

/// A class in the test bundle, so `Bundle(for:)` finds it.
private final class BundleMarker {}

/// The standard arguments of a `rate` run.
public func rateArguments(
    catalog: URL, customers: URL, period: String, output: URL, inputs: [String],
    extra: [String] = []
) -> [String] {
    ["--catalog", catalog.path, "--customers", customers.path, "--period", period,
     "--output", output.path] + extra + inputs
}

/// Runs the built `rate` with `arguments` in `directory`.
public func runRate(
    _ arguments: [String], in directory: URL, standardInput: URL? = nil,
    environment: [String: String] = [:]
) throws -> RunResult {
    try runProcess(
        try Executables.rate(), arguments, in: directory, standardInput: standardInput,
        environment: environment)
}

/// Runs the built `invoice` with `arguments` in `directory`.
public func runInvoice(_ arguments: [String], in directory: URL) throws -> RunResult {
    try runProcess(try Executables.invoice(), arguments, in: directory)
}

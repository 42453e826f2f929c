import Foundation
import TestSupport
import XCTest

/// `pipelines/nightly.sh` and `pipelines/rerun-period.sh` as cron runs them, on the samples:
/// growing input night after night, the `latest` links, a failing stage's exit code, the lock.
final class PipelineScriptTests: XCTestCase {
    func script(
        _ name: String, _ arguments: [String], in work: URL
    ) throws -> RunResult {
        let bin = try Executables.rate().deletingLastPathComponent().path
        return try runProcess(
            URL(fileURLWithPath: "/bin/bash"),
            [Executables.packageRoot.appendingPathComponent("pipelines/\(name)").path]
                + arguments, in: work, environment: ["RATEBOOK_BIN": bin], timeoutSeconds: 120)
    }

    func nightly(
        _ work: URL, runID: String, catalog: URL? = nil, period: String = "2026-10",
        script name: String = "nightly.sh", rateOptions: [String] = [], _ events: [String]
    ) throws -> RunResult {
        let samples = Executables.samples
        return try script(
            name,
            [
                "--root", work.appendingPathComponent("runs").path,
                "--catalog", (catalog ?? samples.appendingPathComponent("catalog.yaml")).path,
                "--customers", samples.appendingPathComponent("customers.yaml").path,
                "--period", period, "--run-id", runID,
                "--wallets", samples.appendingPathComponent("wallets-2026-09.ndjson").path,
                "--grants", samples.appendingPathComponent("grants.ndjson").path,
            ] + rateOptions + events.map { samples.appendingPathComponent($0).path }, in: work)
    }

    func link(_ path: URL) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: path.path)
    }

    func testNightlyRunsGrowAndTheLatestLinksFollow() throws {
        let work = try makeTemporaryDirectory()
        let runs = work.appendingPathComponent("runs")
        let first = try nightly(work, runID: "2026-10-15", ["events/2026-10-a.ndjson.zst"])
        XCTAssertEqual(first.status, 0, first.transcript)
        XCTAssertTrue(
            first.standardOutput.hasSuffix(
                "nightly: \(runs.path)/2026-10/2026-10-15 (period 2026-10) done; "
                    + "2026-10/latest -> 2026-10-15\n"), first.standardOutput)
        XCTAssertEqual(try link(runs.appendingPathComponent("latest")), "2026-10/2026-10-15")
        // The second night reads the whole folder, with the samples' opening gauge levels and
        // resolutions (whose `keep` names its copy as `events/platform.ndjson`).
        let second = try nightly(
            work, runID: "2026-10-16", rateOptions: Executables.sampleRateOptions, ["events"])
        XCTAssertEqual(second.status, 0, second.transcript)
        XCTAssertEqual(try link(runs.appendingPathComponent("latest")), "2026-10/2026-10-16")
        XCTAssertEqual(folderEntries(runs.appendingPathComponent("2026-10")).filter {
            !$0.hasPrefix(".")
        }, ["2026-10-15", "2026-10-16", "latest"])
        // The second night's invoices are the samples' golden ones, byte for byte (not the
        // manifest: the inputs were named file by file, so the rated manifest it builds on
        // lists other display names).
        let own: Set<String> = ["manifest.json", "manifest.sha256"]
        let expected = try folderDigests(
            Executables.samples.appendingPathComponent("expected/invoice")
        ).filter { !own.contains($0.key) }
        let actual = try folderDigests(runs.appendingPathComponent("latest/invoice"))
            .filter { !own.contains($0.key) }
        XCTAssertEqual(actual, expected)
        // 7 JSON, 7 HTML, 4 UBL XML (cus_1…3 and cus_8 have addresses) and 7 other files.
        XCTAssertEqual(actual.count, 27)

        // A broken catalog: exit 2 from rate, passed on; latest still names the last good run.
        let broken = try writeFile("broken.yaml", "currency: [\n", in: work)
        let failed = try nightly(
            work, runID: "2026-10-17", catalog: broken, ["events/2026-10-a.ndjson.zst"])
        XCTAssertEqual(failed.status, 2, failed.transcript)
        XCTAssertTrue(
            failed.standardError.hasSuffix(
                "nightly.sh: rate failed (exit 2); latest is unchanged\n"), failed.transcript)
        XCTAssertEqual(try link(runs.appendingPathComponent("latest")), "2026-10/2026-10-16")

        // Re-running September leaves ROOT/latest on October.
        let september = try nightly(
            work, runID: "2026-10-18", period: "2026-09", ["events/late.ndjson"])
        XCTAssertEqual(september.status, 0, september.transcript)
        XCTAssertEqual(try link(runs.appendingPathComponent("latest")), "2026-10/2026-10-16")
        XCTAssertEqual(try link(runs.appendingPathComponent("2026-09/latest")), "2026-10-18")
    }

    /// Without `--gauges`, a period opens at the levels the previous period's latest run
    /// closed at: September's run, opened with the samples' level (100 GB since 20 Sep), closes
    /// at 100 GB, and October's run carries it, billing the samples' storage line.
    func testAPeriodOpensAtThePreviousPeriodsClosingGaugeLevels() throws {
        let work = try makeTemporaryDirectory()
        let runs = work.appendingPathComponent("runs")
        let resolutions = Executables.sampleRateOptions.suffix(2)
        XCTAssertEqual(resolutions.first, "--resolutions")
        let september = try nightly(
            work, runID: "s", period: "2026-09",
            rateOptions: Array(Executables.sampleRateOptions.prefix(2)), ["events"])
        XCTAssertEqual(september.status, 0, september.transcript)
        let closed = runs.appendingPathComponent("2026-09/latest/rate/gauges.ndjson")
        XCTAssertEqual(
            try String(contentsOf: closed, encoding: .utf8),
            #"{"customer":"cus_8","meter":"storage_gb","group":{},"level":"100","#
                + #""since":"2026-09-20T00:00:00Z"}"# + "\n")
        let october = try nightly(
            work, runID: "o", rateOptions: Array(resolutions), ["events"])
        XCTAssertEqual(october.status, 0, october.transcript)
        XCTAssertTrue(
            october.standardOutput.contains(
                "nightly: opening gauge levels from \(closed.path)\n"), october.standardOutput)
        func storage(_ usage: URL) throws -> [String] {
            try String(contentsOf: usage, encoding: .utf8).split(separator: "\n")
                .filter { $0.contains(#""customer":"cus_8""#) && $0.contains(#""storage""#) }
                .map(String.init)
        }
        let expected = try storage(
            Executables.samples.appendingPathComponent("expected/rate/usage.ndjson"))
        XCTAssertEqual(expected.count, 1)
        XCTAssertTrue(expected[0].contains(#""quantity":"598450/3""#), expected[0])
        XCTAssertEqual(
            try storage(runs.appendingPathComponent("2026-10/latest/rate/usage.ndjson")),
            expected)
    }

    func testRerunPrintsWhatTheFixChanged() throws {
        let work = try makeTemporaryDirectory()
        let first = try nightly(
            work, runID: "a", ["events/2026-10-a.ndjson.zst", "events/2026-10-b.ndjson.gz"])
        XCTAssertEqual(first.status, 0, first.transcript)
        let rerun = try nightly(
            work, runID: "b", script: "rerun-period.sh",
            ["events/2026-10-a.ndjson.zst", "events/2026-10-b.ndjson.gz", "events/late.ndjson"])
        XCTAssertEqual(rerun.status, 0, rerun.transcript)
        let runs = work.appendingPathComponent("runs/2026-10").path
        XCTAssertTrue(
            rerun.standardOutput.contains(
                "invoice diff \(runs)/a/invoice → \(runs)/b/invoice: "), rerun.standardOutput)
        XCTAssertEqual(
            try link(work.appendingPathComponent("runs/2026-10/latest")), "b")
        // Unchanged inputs: the diff says identical.
        let again = try nightly(
            work, runID: "c", script: "rerun-period.sh",
            ["events/2026-10-a.ndjson.zst", "events/2026-10-b.ndjson.gz", "events/late.ndjson"])
        XCTAssertEqual(again.status, 0, again.transcript)
        XCTAssertTrue(
            again.standardOutput.hasSuffix(
                "invoice diff \(runs)/b/invoice → \(runs)/c/invoice: identical outputs\n"),
            again.standardOutput)
    }

    func testALockedRootIsExitFive() throws {
        let work = try makeTemporaryDirectory()
        let runs = work.appendingPathComponent("runs")
        try FileManager.default.createDirectory(
            at: runs.appendingPathComponent("2026-10"), withIntermediateDirectories: true)
        // Hold the lock from another process for the length of the run.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [runs.appendingPathComponent(".pipeline.lock").path, "sleep", "30"]
        try holder.run()
        defer { holder.terminate() }
        Thread.sleep(forTimeInterval: 0.5)
        let result = try nightly(work, runID: "x", ["events/late.ndjson"])
        XCTAssertEqual(result.status, 5, result.transcript)
        XCTAssertTrue(
            result.standardError.contains("is locked: another pipeline run is writing it"),
            result.transcript)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: runs.appendingPathComponent("latest").path))
    }
}

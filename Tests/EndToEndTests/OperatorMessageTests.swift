import Foundation
import TestSupport
import XCTest

/// What an operator sees for the mistakes found when the samples were run as a new user would
/// (issue 10): said in the user's terms, exit 1, nothing created.
final class OperatorMessageTests: XCTestCase {
    func arguments(catalog: String, output: String) -> [String] {
        let samples = Executables.samples
        return [
            "--catalog", catalog, "--customers",
            samples.appendingPathComponent("customers.yaml").path, "--period", "2026-10",
            "--output", output, samples.appendingPathComponent("events").path,
        ]
    }

    func testOutputUnderAMissingParentSaysSoAndCreatesNothing() throws {
        let work = try makeTemporaryDirectory()
        let output = work.appendingPathComponent("missing/deeper/out").path
        let result = try runRate(
            arguments(
                catalog: Executables.samples.appendingPathComponent("catalog.yaml").path,
                output: output),
            in: work)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertEqual(
            result.standardError,
            "rate: cannot create the output folder '\(output)': '\(work.path)/missing/deeper' is "
                + "not an existing folder. Create it first (mkdir -p '\(work.path)/missing/deeper')"
                + " or choose another output folder; nothing was written.\n")
        XCTAssertEqual(folderEntries(work), [])
        // A file where the parent folder should be.
        _ = try writeFile("file", "x", in: work)
        let underFile = try runRate(
            arguments(
                catalog: Executables.samples.appendingPathComponent("catalog.yaml").path,
                output: work.appendingPathComponent("file/out").path),
            in: work)
        XCTAssertEqual(underFile.status, 1, underFile.transcript)
        XCTAssertTrue(
            underFile.standardError.contains("'\(work.path)/file' is not an existing folder"),
            underFile.transcript)
        XCTAssertEqual(folderEntries(work), ["file"])
    }

    func testACatalogThatIsAFolderIsNamed() throws {
        let work = try makeTemporaryDirectory()
        let folder = work.appendingPathComponent("catalog.yaml")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let result = try runRate(
            arguments(catalog: folder.path, output: work.appendingPathComponent("out").path),
            in: work)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertEqual(
            result.standardError,
            "rate: \(folder.path): a folder, not a file; give the path of the file itself\n")
        XCTAssertEqual(folderEntries(work), ["catalog.yaml"])
    }

    /// `--version` prints the version every manifest records as `tool`.
    func testVersionIsTheManifestsTool() throws {
        let work = try makeTemporaryDirectory()
        let manifest = try readObject(
            Executables.samples.appendingPathComponent("expected/rate/manifest.json"))
        let tool = try XCTUnwrap(manifest["tool"] as? String)
        for executable in [try Executables.rate(), try Executables.invoice()] {
            let result = try runProcess(executable, ["--version"], in: work)
            XCTAssertEqual(result.status, 0, result.transcript)
            XCTAssertEqual(result.standardOutput, tool + "\n")
        }
    }
}

extension OperatorMessageTests {
    func sampleArguments(_ work: URL, extra: [String] = []) -> [String] {
        arguments(
            catalog: Executables.samples.appendingPathComponent("catalog.yaml").path,
            output: work.appendingPathComponent("out").path) + Executables.sampleRateOptions
            + extra
    }

    /// The end-of-run summary names the rejects by reason; over 5 % rejected is a warning
    /// naming the top reasons, with no --max-reject-rate given (the samples reject 11.4 %).
    func testSummaryNamesRejectsAndWarnsOverFivePercent() throws {
        let work = try makeTemporaryDirectory()
        let result = try runRate(sampleArguments(work), in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertTrue(
            result.standardError.contains(
                "4 inputs, 3031 lines: 2414 billed, 231 out of period, 38 duplicates, 2 "
                    + "superseded, 345 rejected (334 no_subscription, 4 conflict, 2 "
                    + "unknown_meter, 1 malformed_json, 1 negative_amount, 1 negative_quantity, "
                    + "1 quantity_precision, 1 unknown_customer), 1 blank; 48 rated lines\n"),
                result.standardError)
        XCTAssertTrue(
            result.standardError.contains(
                "warning rate: [rate] 345 of 3031 lines rejected (11.4 %, over 5 %): mostly "
                    + "no_subscription (334), conflict (4), unknown_meter (2); see "
                    + "rejects.ndjson\n"), result.standardError)
    }

    func testMetricsFileAfterSuccessOnly() throws {
        let work = try makeTemporaryDirectory()
        let metrics = work.appendingPathComponent("rate.prom")
        // Over --max-reject-rate (exit 4): outputs written, no metrics file.
        let failed = try runRate(
            sampleArguments(
                work, extra: ["--metrics-file", metrics.path, "--max-reject-rate", "0.01"]),
            in: work)
        XCTAssertEqual(failed.status, 4, failed.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: metrics.path))
        let result = try runRate(
            sampleArguments(work, extra: ["--metrics-file", metrics.path]), in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        let lines = try readLines(metrics)
        for expected in [
            "ratebook_rate_lines{period=\"2026-10\"} 3031",
            "ratebook_rate_lines_billed{period=\"2026-10\"} 2414",
            "ratebook_rate_lines_rejected{period=\"2026-10\",reason=\"no_subscription\"} 334",
            "ratebook_rate_rated_lines{period=\"2026-10\"} 48",
        ] {
            XCTAssertTrue(lines.contains(expected), "missing «\(expected)»")
        }
        XCTAssertTrue(
            lines.contains { $0.hasPrefix("ratebook_rate_last_success_timestamp_seconds{") })
        // A metrics file that cannot be written: exit 3, the outputs in place.
        let unwritable = try runRate(
            sampleArguments(
                work, extra: ["--metrics-file", work.appendingPathComponent("no/such.prom").path]),
            in: work)
        XCTAssertEqual(unwritable.status, 3, unwritable.transcript)
        XCTAssertTrue(
            unwritable.standardError.contains(
                "the outputs are in place, but the metrics file was not written"),
            unwritable.transcript)
        XCTAssertTrue(
            FileManager.default.fileExists(
                atPath: work.appendingPathComponent("out/manifest.json").path))
    }
}

extension OperatorMessageTests {
    /// `--log-format json`: every line on standard error is one JSON object; `--quiet` keeps
    /// the warning and drops the summary.
    func testJSONLogsAndQuiet() throws {
        let work = try makeTemporaryDirectory()
        let json = try runRate(sampleArguments(work, extra: ["--log-format", "json"]), in: work)
        XCTAssertEqual(json.status, 0, json.transcript)
        let objects = try json.standardError.split(separator: "\n").map {
            try XCTUnwrap(
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])
        }
        XCTAssertEqual(objects.map { $0["level"] }, ["info", "warning"])
        XCTAssertEqual(objects.map { $0["label"] }, ["rate", "rate"])
        XCTAssertTrue(objects[0]["message"]!.hasPrefix("4 inputs, 3031 lines: 2414 billed"))
        XCTAssertEqual(objects[0].keys.sorted(), ["label", "level", "message", "time"])

        let quiet = try runRate(sampleArguments(work, extra: ["--quiet"]), in: work)
        XCTAssertEqual(quiet.status, 0, quiet.transcript)
        XCTAssertEqual(quiet.standardError.split(separator: "\n").count, 1, quiet.transcript)
        XCTAssertTrue(quiet.standardError.contains("warning rate: [rate] 345 of 3031"))

        let folder = work.appendingPathComponent("a-folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let error = try runRate(
            arguments(catalog: folder.path, output: work.appendingPathComponent("out").path)
                + ["--log-format", "json"], in: work)
        XCTAssertEqual(error.status, 1, error.transcript)
        let object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(error.standardError.utf8))
                as? [String: String])
        XCTAssertEqual(object["level"], "error")
        XCTAssertEqual(
            object["message"],
            "\(folder.path): a folder, not a file; give the path of the file itself")
    }
}

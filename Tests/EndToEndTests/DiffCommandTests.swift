import Foundation
import TestSupport
import XCTest

/// `rate diff`, `invoice diff` and `pipelines/backtest.sh` as an operator runs them, on the
/// samples with one tier price raised: the customers, lines and amounts that move, exactly.
final class DiffCommandTests: XCTestCase {
    /// The samples' catalog with the `api` charge's second tier at 0.005 instead of 0.004.
    func candidateCatalog(in work: URL) throws -> URL {
        let current = try readText(Executables.samples.appendingPathComponent("catalog.yaml"))
        let raised = current.replacingOccurrences(
            of: #"- { up_to: 1000, unit_price: "0.004" }"#,
            with: #"- { up_to: 1000, unit_price: "0.005" }"#)
        XCTAssertNotEqual(raised, current)
        return try writeFile("candidate.yaml", raised, in: work)
    }

    func runBacktest(
        _ work: URL, candidate: URL, format: String = "text"
    ) throws -> RunResult {
        let samples = Executables.samples
        let bin = try Executables.rate().deletingLastPathComponent().path
        return try runProcess(
            URL(fileURLWithPath: "/bin/bash"),
            [
                Executables.packageRoot.appendingPathComponent("pipelines/backtest.sh").path,
                "--catalog", samples.appendingPathComponent("catalog.yaml").path,
                "--candidate", candidate.path,
                "--customers", samples.appendingPathComponent("customers.yaml").path,
                "--period", "2026-10", "--work", work.appendingPathComponent("bt").path,
                "--wallets", samples.appendingPathComponent("wallets-2026-09.ndjson").path,
                "--grants", samples.appendingPathComponent("grants.ndjson").path,
                "--format", format, samples.appendingPathComponent("events").path,
            ], in: work, environment: ["RATEBOOK_BIN": bin], timeoutSeconds: 120)
    }

    func testBacktestNamesTheCustomersLinesAndAmounts() throws {
        let work = try makeTemporaryDirectory()
        let result = try runBacktest(work, candidate: try candidateCatalog(in: work))
        XCTAssertEqual(result.status, 1, result.transcript)
        let bt = work.appendingPathComponent("bt").path
        // cus_1: 15 units in the 0.004 tier: 0.06 → 0.075 exact, 0.06 → 0.08 rounded half up.
        // cus_5: 37 units: 0.148 → 0.185, 0.15 → 0.19. Nobody else uses the tier.
        XCTAssertEqual(
            result.standardOutput.split(separator: "\n").map(String.init).filter {
                !$0.hasPrefix("  ") && $0 != "why:"
            },
            [
                "invoice diff \(bt)/current-invoice → \(bt)/candidate-invoice: 2 of 7 customers "
                    + "changed; total USD +0.06",
                "cus_1 2026-10-000001 (USD): total +0.02",
                "cus_5 2026-10-000005 (USD): total +0.04",
            ])
        for line in [
            "  catalog candidate.yaml: ca9d36db9015 → ",
            "  ~ api (starter, usage): amount 0.06 → 0.08 (+0.02); exact 0.06 → 0.075",
            "  amount_due 1011.37 → 1011.39 (+0.02)",
            "  ~ api (starter, usage): amount 0.15 → 0.19 (+0.04); exact 0.148 → 0.185",
            "  subtotal 1147.07 → 1147.11 (+0.04)",
        ] {
            XCTAssertTrue(result.standardOutput.contains(line), "missing «\(line)»")
        }

        // The rated folders say the same at the rate stage; the counts did not move.
        let rate = try runRate(
            ["diff", "--format", "json", "\(bt)/current-rate", "\(bt)/candidate-rate"], in: work)
        XCTAssertEqual(rate.status, 1, rate.transcript)
        let report = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(rate.standardOutput.utf8))
                as? [String: Any])
        XCTAssertEqual(report["customers_changed"] as? Int, 2)
        XCTAssertEqual(report["total_delta"] as? [String: String], ["USD": "+0.06"])
        XCTAssertEqual((report["counts"] as? [String: Any])?.count, 0)
        let customers = try XCTUnwrap(report["customers"] as? [[String: Any]])
        let line = try XCTUnwrap((customers[1]["lines"] as? [[String: Any]])?.first)
        XCTAssertEqual(
            line["amount_exact"] as? [String: String],
            ["before": "0.148", "after": "0.185", "delta": "+0.037"])

        // A run against itself: identical, exit 0, one line.
        let same = try runRate(["diff", "\(bt)/current-rate", "\(bt)/current-rate"], in: work)
        XCTAssertEqual(same.status, 0, same.transcript)
        XCTAssertEqual(
            same.standardOutput,
            "rate diff \(bt)/current-rate → \(bt)/current-rate: identical outputs\n")
    }

    /// A re-run with one input file fewer: the input, the counts and the lines that moved.
    func testRateDiffNamesTheInputAndCounts() throws {
        let work = try makeTemporaryDirectory()
        let samples = Executables.samples
        let events = samples.appendingPathComponent("events")
        func rate(_ output: String, _ inputs: [String]) throws {
            let result = try runRate(
                rateArguments(
                    catalog: samples.appendingPathComponent("catalog.yaml"),
                    customers: samples.appendingPathComponent("customers.yaml"),
                    period: "2026-10", output: work.appendingPathComponent(output),
                    inputs: inputs),
                in: work)
            XCTAssertEqual(result.status, 0, result.transcript)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: events.path).sorted()
        XCTAssertEqual(
            files,
            ["2026-10-a.ndjson.zst", "2026-10-b.ndjson.gz", "late.ndjson", "platform.ndjson"])
        try rate("all", [events.path])
        try rate(
            "without-late",
            files.filter { $0 != "late.ndjson" }.map { events.appendingPathComponent($0).path })
        let result = try runRate(
            [
                "diff", work.appendingPathComponent("all").path,
                work.appendingPathComponent("without-late").path,
            ], in: work)
        XCTAssertEqual(result.status, 1, result.transcript)
        let text = result.standardOutput
        XCTAssertTrue(text.contains("  input events/late.ndjson: f5f971157f94 → (none)\n"), text)
        XCTAssertTrue(text.contains("  count lines: 3031 → "), text)
        let unreadable = try runRate(
            ["diff", work.appendingPathComponent("all").path, work.path], in: work)
        XCTAssertEqual(unreadable.status, 3, unreadable.transcript)
        XCTAssertEqual(
            unreadable.standardError,
            "rate diff: \(work.path)/manifest.json: cannot open the file; check the path\n")
    }
}

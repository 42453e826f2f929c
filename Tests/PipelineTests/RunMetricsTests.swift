import Formats
import Foundation
import Pricing
import TestSupport
import XCTest

@testable import Pipeline

final class RunMetricsTests: XCTestCase {
    func counts() -> LineCounts {
        var counts = LineCounts()
        counts.lines = 3014
        counts.blank = 1
        counts.accepted = 2632
        counts.duplicates = 37
        counts.outOfPeriod = 230
        counts.rejected[.noSubscription] = 334
        counts.rejected[.conflict] = 10
        return counts
    }

    func testRateMetricsText() {
        let text = MetricsFile.text(
            RunMetrics.rate(
                period: "2026-10", counts: counts(), ratedLines: 44, durationSeconds: 1.23456,
                finishedAtSeconds: 1_793_491_200.4))
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(
            Array(lines.prefix(3)),
            [
                "# HELP ratebook_rate_lines Input lines read (SPEC 8.1 counts.lines).",
                "# TYPE ratebook_rate_lines gauge",
                "ratebook_rate_lines{period=\"2026-10\"} 3014",
            ])
        for expected in [
            "ratebook_rate_lines_billed{period=\"2026-10\"} 2402",
            "ratebook_rate_lines_rejected{period=\"2026-10\",reason=\"conflict\"} 10",
            "ratebook_rate_lines_rejected{period=\"2026-10\",reason=\"invalid_utf8\"} 0",
            "ratebook_rate_lines_rejected{period=\"2026-10\",reason=\"no_subscription\"} 334",
            "ratebook_rate_rated_lines{period=\"2026-10\"} 44",
            "ratebook_rate_duration_seconds{period=\"2026-10\"} 1.235",
            "ratebook_rate_last_success_timestamp_seconds{period=\"2026-10\"} 1793491200",
        ] {
            XCTAssertTrue(lines.contains(expected), "missing «\(expected)»\n\(text)")
        }
        XCTAssertEqual(
            lines.filter { $0.hasPrefix("ratebook_rate_lines_rejected{") }.count,
            RejectReason.allCases.count, "every reason, zeros included")
        XCTAssertTrue(text.hasSuffix("\n"))
    }

    func testEscapes() {
        let text = MetricsFile.text([
            Metric(
                name: "m", help: "a \\ b\nc",
                samples: [([("l", "q\"u\\o\nte")], "1")])
        ])
        XCTAssertEqual(
            text, "# HELP m a \\\\ b\\nc\n# TYPE m gauge\nm{l=\"q\\\"u\\\\o\\nte\"} 1\n")
    }

    /// The real parser a Prometheus setup uses reads the file back: every family and value.
    func testPrometheusClientParsesTheFile() throws {
        let folder = try makeTemporaryDirectory().path
        let path = folder + "/ratebook.prom"
        try MetricsFile.write(
            RunMetrics.rate(
                period: "2026-10", counts: counts(), ratedLines: 44, durationSeconds: 2.5,
                finishedAtSeconds: 1_793_491_200)
                + RunMetrics.invoice(
                    period: "2026-10", invoices: 6,
                    totals: [
                        ("USD", "total", "3697.12"), ("USD", "amount_due", "3537.12"),
                        ("JPY", "total", "49100"),
                    ], durationSeconds: 0.5, finishedAtSeconds: 1_793_491_201), to: path)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: folder), ["ratebook.prom"],
            "no temporary file left")
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for sample in family.samples:
                    labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                    print(f"{family.type} {sample.name} {labels} {sample.value!r}")
            """
        let result = try runPython(script, [path])
        let text = result.standardOutput
        XCTAssertEqual(
            result.status, 0, "scripts/setup installs prometheus_client: \(result.transcript)")
        let lines = text.split(separator: "\n").map(String.init)
        for expected in [
            "gauge ratebook_rate_lines period=2026-10 3014",
            "gauge ratebook_rate_lines_rejected period=2026-10,reason=no_subscription 334",
            "gauge ratebook_invoice_amount currency=USD,kind=total,period=2026-10 3697.12",
            "gauge ratebook_invoice_invoices period=2026-10 6",
            "gauge ratebook_invoice_last_success_timestamp_seconds period=2026-10 1793491201",
        ] {
            XCTAssertTrue(lines.contains(expected), "missing «\(expected)»\n\(text)")
        }
    }
}

import Foundation
import TestSupport
import XCTest

/// `rate explain` on the samples: where cus_1's `api` quantity came from, exactly.
final class ExplainCommandTests: XCTestCase {
    func testExplainsTheSampleCustomersApiLine() throws {
        let work = try makeTemporaryDirectory()
        let samples = Executables.samples
        let output = work.appendingPathComponent("out")
        let rated = try runRate(
            rateArguments(
                catalog: samples.appendingPathComponent("catalog.yaml"),
                customers: samples.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: output, inputs: [samples.appendingPathComponent("events").path],
                extra: Executables.sampleRateOptions),
            in: work)
        XCTAssertEqual(rated.status, 0, rated.transcript)
        let result = try runRate(
            [
                "explain", "--customer", "cus_1", "--charge", "api", "--catalog",
                samples.appendingPathComponent("catalog.yaml").path, "--inputs-root",
                samples.path, output.path,
            ], in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        // 86 + 28 + 1 = 115 api_calls events, counted (aggregation count): quantity 115; the
        // first 100 free, 15 × 0.004 = 0.06. late-9 repeats late-8's id. Outside October:
        // two events of 2026-09-28 in the .zst file and late-2 of 2026-11-05.
        XCTAssertEqual(
            result.standardOutput,
            """
            rate explain cus_1 --charge api in \(output.path) (period 2026-10-01T00:00:00Z – \
            2026-11-01T00:00:00Z)
            usage:
              api (starter): 115 events → quantity 115
            pricing:
              api (starter) usage: quantity 115; 100 × 0 = 0; 15 × 0.004 = 0.06; exact 0.06 → \
            0.06 USD
              catalog api (starter): meter api_calls (count)
            events counted, by input:
              events/2026-10-a.ndjson.zst: api_calls 86 events, quantity 86
              events/2026-10-b.ndjson.gz: api_calls 28 events, quantity 28
              events/late.ndjson: api_calls 1 event, quantity 0
            duplicates: 1
              events/late.ndjson:14: id late-9, first at events/late.ndjson:13
            superseded: 0
            replaced: 0
            out of period: 3
            rejected: 3
              events/late.ndjson:8: negative_quantity: quantity "-5" is negative
              events/late.ndjson:9: unknown_meter: meter "bandwidth" is not in the catalog
              events/late.ndjson:12: quantity_precision: quantity "1.0000000001" has more than \
            20 integer or 9 fractional digits

            """)

        // Another catalog, or inputs that are not the run's: exit 3, said.
        let other = try writeFile(
            "other.yaml",
            try readText(samples.appendingPathComponent("catalog.yaml")) + "# edited\n", in: work)
        let wrongCatalog = try runRate(
            [
                "explain", "--customer", "cus_1", "--catalog", other.path, "--inputs-root",
                samples.path, output.path,
            ], in: work)
        XCTAssertEqual(wrongCatalog.status, 3, wrongCatalog.transcript)
        XCTAssertTrue(
            wrongCatalog.standardError.contains("is not the catalog the run was rated with"))
        let copy = work.appendingPathComponent("copy/events")
        try FileManager.default.createDirectory(
            at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: samples.appendingPathComponent("events"), to: copy)
        let late = copy.appendingPathComponent("late.ndjson")
        try Data((try readText(late) + "\n").utf8).write(to: late)
        let changed = try runRate(
            [
                "explain", "--customer", "cus_1", "--inputs-root",
                copy.deletingLastPathComponent().path, output.path,
            ], in: work)
        XCTAssertEqual(changed.status, 3, changed.transcript)
        XCTAssertTrue(
            changed.standardError.contains("copy/events/late.ndjson: not the input the run read"),
            changed.transcript)
    }
}

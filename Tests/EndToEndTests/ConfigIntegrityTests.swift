import Foundation
import TestSupport
import XCTest

/// Limits, period range and arithmetic overflow through the executables (issue 8, items 8, 9,
/// 10, 15): each refused with the exit code of SPEC §10 and a message naming the place and the
/// limit, never a runtime trap and never exit 3 (which means a corrupt input).
final class ConfigIntegrityTests: XCTestCase {
    /// A catalog with `meters` count meters (the first one named `calls`) and one plan.
    static func catalog(meters: Int = 1, price: String = "0.50", aggregation: String = "count")
        -> String
    {
        var lines = ["version: 1", "currency: USD", "meters:"]
        lines.append("  calls: { aggregation: \(aggregation) }")
        for index in 1..<max(meters, 1) { lines.append("  m\(index): { aggregation: count }") }
        lines += [
            "plans:", "  basic:", "    charges:",
            "      - { key: api, meter: calls, model: per_unit, unit_price: \"\(price)\" }",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Runs `rate` on `catalog` and `events`; returns the result and the work folder.
    func rate(catalog: String, events: [String], period: String = "2026-10") throws
        -> (RunResult, URL)
    {
        let work = try makeTemporaryDirectory()
        let catalogURL = try writeFile("catalog.yaml", catalog, in: work)
        let customersURL = try writeFile("customers.yaml", Fixtures.customerOnBasic, in: work)
        let eventsURL = try writeFile(
            "events.ndjson", events.map { $0 + "\n" }.joined(), in: work)
        let result = try runRate(
            rateArguments(
                catalog: catalogURL, customers: customersURL, period: period,
                output: work.appendingPathComponent("out"), inputs: [eventsURL.path]),
            in: work)
        return (result, work)
    }

    // MARK: Item 9: the period range

    /// `--period 9999-12` trapped in `YearMonth.next`; 9998-12 is the last billable month.
    func testPeriodRangeIsAUsageError() throws {
        let (last, lastWork) = try rate(
            catalog: Self.catalog(), events: [Fixtures.callEvent("e1")], period: "9998-12")
        XCTAssertEqual(last.status, 0, last.transcript)
        let manifest = try readObject(lastWork.appendingPathComponent("out/manifest.json"))
        XCTAssertEqual((manifest["options"] as? [String: Any])?["period"] as? String, "9998-12")

        let (over, overWork) = try rate(
            catalog: Self.catalog(), events: [Fixtures.callEvent("e1")], period: "9999-12")
        XCTAssertEqual(over.status, 1, over.transcript)
        XCTAssertTrue(
            over.standardError.contains(
                "--period must be from 0001-01 to 9998-12 (a period ends in the next month); "
                    + "got 9999-12"),
            over.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: overWork.path + "/out"))

        let (first, _) = try rate(
            catalog: Self.catalog(), events: [Fixtures.callEvent("e1")], period: "0001-01")
        XCTAssertEqual(first.status, 0, first.transcript)
        let (zero, _) = try rate(
            catalog: Self.catalog(), events: [Fixtures.callEvent("e1")], period: "0000-12")
        XCTAssertEqual(zero.status, 1, zero.transcript)

        // invoice shares the option: the same check, before anything is read.
        let invoiced = try runProcess(
            try Executables.invoice(),
            ["--catalog", "catalog.yaml", "--customers", "customers.yaml", "--period", "9999-12",
             "--rated", "out", "--output", "invoiced"],
            in: overWork)
        XCTAssertEqual(invoiced.status, 1, invoiced.transcript)
        XCTAssertTrue(
            invoiced.standardError.contains("--period must be from 0001-01 to 9998-12"),
            invoiced.standardError)
    }

    // MARK: Item 8: limits on meters

    /// More than 32,767 meters trapped (an `Int16` meter index); the catalog now stops at
    /// 10,000 meters with exit 2, and the index is `Int32`.
    func testMetersLimitThroughRate() throws {
        let (atLimit, _) = try rate(
            catalog: Self.catalog(meters: 10_000), events: [Fixtures.callEvent("e1")])
        XCTAssertEqual(atLimit.status, 0, atLimit.transcript)
        let (over, work) = try rate(
            catalog: Self.catalog(meters: 10_001), events: [Fixtures.callEvent("e1")])
        XCTAssertEqual(over.status, 2, over.transcript)
        XCTAssertTrue(
            over.standardError.contains(
                "catalog.yaml:4:3: meters: has 10001 meters; the limit is 10000 meters"),
            over.standardError)
        XCTAssertEqual(folderEntries(work), ["catalog.yaml", "customers.yaml", "events.ndjson"])
    }

    // MARK: Item 15: oversized configuration refused early

    func testHugeCatalogIsRefusedEarly() throws {
        var text = "version: 1\ncurrency: USD\nmeters:\n"
        text.reserveCapacity(23_000_000)
        for index in 0..<700_000 { text += "  meter_\(index): { aggregation: count }\n" }
        let (result, _) = try rate(catalog: text, events: [Fixtures.callEvent("e1")])
        XCTAssertEqual(result.status, 2, result.transcript)
        XCTAssertTrue(
            result.standardError.contains(
                "catalog.yaml:500002: has more than 2000000 YAML nodes (aliases expanded); the "
                    + "limit is 2000000 nodes"),
            result.standardError)
        // The message proves the refusal came from the node count over libyaml's events, before
        // Yams composed a tree (the old path said "aliases expand too far" after 33 s and
        // 774 MB). How fast is a benchmark figure (docs/reliability.md), not a timed test.
    }

    // MARK: Item 10: arithmetic overflow

    /// The largest event quantity times a price that cannot hold it: refused when the catalog
    /// is loaded, naming the charge, before any event is read.
    func testCatalogThatOverflowsOnOneEventIsInvalid() throws {
        let (result, _) = try rate(
            catalog: Self.catalog(price: "1.123456789012", aggregation: "sum"),
            events: [Fixtures.callEvent("e1", quantity: "1")])
        XCTAssertEqual(result.status, 2, result.transcript)
        XCTAssertTrue(
            result.standardError.contains(
                "catalog.yaml:8:9: plans.basic.charges[0]: the largest event quantity "
                    + "99999999999999999999.999999999 priced by unit_price 1.123456789012 "
                    + "overflows 38 significant digits"),
            result.standardError)
    }

    /// A price that holds one largest event but not the sum of three: the run fails at
    /// rating with exit 2, naming the customer, plan, charge, quantity and price.
    func testUsageThatOverflowsNamesTheLine() throws {
        // 1500000001 × (10^29 − 1) < 2^127 for one event; three events triple the numerator
        // (3 × (10^29 − 1) is coprime with 10^9, so nothing cancels) and pass 2^127.
        let largest = "99999999999999999999.999999999"
        let (result, work) = try rate(
            catalog: Self.catalog(price: "0.001500000001", aggregation: "sum"),
            events: ["e1", "e2", "e3"].map { Fixtures.callEvent($0, quantity: largest) })
        XCTAssertEqual(result.status, 2, result.transcript)
        XCTAssertTrue(
            result.standardError.contains(
                "customer \"c1\", plan \"basic\", charge \"api\": cannot compute quantity "
                    + "299999999999999999999.999999997 priced by unit_price 0.001500000001: "
                    + "arithmetic overflow in multiplication"),
            result.standardError)
        XCTAssertFalse(result.standardError.contains("Fatal error"), result.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.path + "/out"))
    }

    /// A 28-digit amount taxed at a rate with many digits: invoice fails with exit 2 naming
    /// the customer and the numbers, and writes nothing.
    func testInvoiceTaxOverflowNamesTheCustomer() throws {
        let catalog = """
            version: 1
            currency: USD
            meters:
              calls: { aggregation: count }
            plans:
              basic:
                charges:
                  - { key: fee, amount: "1234567890123456789012345678", schedule: monthly }
            """
        let customers = """
            customers:
              c1:
                tax: { name: VAT, rate: "0.123456789012345" }
                subscriptions:
                  - { plan: basic, start: 2026-01-01 }
            """
        let work = try makeTemporaryDirectory()
        let catalogURL = try writeFile("catalog.yaml", catalog, in: work)
        let customersURL = try writeFile("customers.yaml", customers, in: work)
        let eventsURL = try writeFile("events.ndjson", "", in: work)
        let rated = try runRate(
            rateArguments(
                catalog: catalogURL, customers: customersURL, period: "2026-10",
                output: work.appendingPathComponent("rated"), inputs: [eventsURL.path]),
            in: work)
        XCTAssertEqual(rated.status, 0, rated.transcript)
        let invoiced = try runProcess(
            try Executables.invoice(),
            ["--catalog", catalogURL.path, "--customers", customersURL.path, "--period",
             "2026-10", "--rated", work.appendingPathComponent("rated").path, "--output",
             work.appendingPathComponent("invoiced").path],
            in: work)
        XCTAssertEqual(invoiced.status, 2, invoiced.transcript)
        XCTAssertTrue(
            invoiced.standardError.contains(
                "customer \"c1\": cannot compute tax VAT at rate 0.123456789012345 on "
                    + "1234567890123456789012345678.00 USD: arithmetic overflow in "
                    + "multiplication"),
            invoiced.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.path + "/invoiced"))
    }
}

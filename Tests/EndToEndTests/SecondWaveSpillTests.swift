import Foundation
import TestSupport
import XCTest

/// Issue 12: the spill path and the in-memory path give the same bytes on data that uses every
/// rule of SPEC §13 at once: event amounts priced `dynamic`, `percentage` fees with both
/// per-event bounds, a `time_weighted` gauge with an opening gauges file and a plan change,
/// block-priced tiers with `flat_price_at_zero`, and resolutions that keep, drop and replace
/// keys whose copies sit in different files.
final class SecondWaveSpillTests: XCTestCase {
    static let catalog = """
        version: 1
        currency: USD
        meters:
          payments: { aggregation: sum }
          llm: { aggregation: count, carries_amount: true }
          storage: { aggregation: time_weighted, per: hour }
          calls: { aggregation: count }
        plans:
          basic:
            charges:
              - { key: fees, meter: payments, model: percentage, rate: "2.9", fixed_fee: "0.30",
                  event_minimum: "0.50", event_maximum: "3.00" }
              - { key: llm, meter: llm, model: dynamic, markup: "1.2", group_by: [model] }
              - key: storage
                meter: storage
                model: graduated
                group_by: [region]
                tiers:
                  - { up_to: 100, block_size: 10, block_price: "0.50" }
                  - { up_to: null, unit_price: "0.01" }
              - key: calls
                meter: calls
                model: volume
                flat_price_at_zero: true
                tiers:
                  - { up_to: 10, flat_price: "5.00" }
                  - { up_to: null, block_size: 7, block_price: "0.03" }
          plus:
            charges:
              - { key: fees, meter: payments, model: percentage, rate: "2.5", fixed_fee: "0.25",
                  event_maximum: "2.00" }
              - { key: llm, meter: llm, model: dynamic, group_by: [model], maximum: "40.00" }
              - key: storage
                meter: storage
                model: volume
                group_by: [region]
                tiers:
                  - { up_to: 50, unit_price: "0.02" }
                  - { up_to: null, block_size: 25, block_price: "0.40", flat_price: "1.00" }
        """

    /// A SplitMix64 stream: the same data on every machine.
    struct Stream {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var value = state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((value ^ (value >> 31)) % UInt64(bound))
        }
    }

    func testEverySecondWaveRuleGivesTheSameBytesSpilledAndInMemory() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog + "\n", in: work)
        var customerLines = ["customers:"]
        for number in 0..<30 {
            customerLines.append("  c\(number):")
            if number % 3 == 0 { customerLines.append("    timezone: America/New_York") }
            if number % 4 == 0 {
                // A plan change mid-period: the gauge's integral splits at 15 Oct.
                customerLines.append(
                    "    subscriptions: [{ plan: basic, start: 2026-01-01, end: 2026-10-15 },"
                        + " { plan: plus, start: 2026-10-15 }]")
            } else {
                let plan = number % 2 == 0 ? "plus" : "basic"
                customerLines.append("    subscriptions: [{ plan: \(plan), start: 2026-01-01 }]")
            }
        }
        let customers = try writeFile(
            "customers.yaml", customerLines.joined(separator: "\n") + "\n", in: work)
        // Opening levels for a third of the gauges: each period starts where the last ended.
        var gauges: [String] = []
        for number in stride(from: 0, to: 30, by: 3) {
            gauges.append(
                #"{"customer":"c\#(number)","meter":"storage","#
                    + #""group":{"region":"r\#(number % 2)"},"#
                    + #""level":"\#(number).5","since":"2026-09-20T08:00:00Z"}"#)
        }
        let opening = try writeFile(
            "gauges.ndjson", gauges.joined(separator: "\n") + "\n", in: work)

        var random = Stream(state: 12)
        let meters = ["payments", "llm", "storage", "calls"]
        var files: [[String]] = [[], [], []]
        for _ in 0..<5000 {
            let day = random.next(33)
            let ts =
                day >= 1 && day <= 31
                ? "2026-10-\(day < 10 ? "0" : "")\(day)T\(10 + random.next(12)):0\(random.next(10))"
                    + ":00.\(random.next(1000))Z"
                : "2026-11-02T00:00:00Z"  // out of period
            let meter = meters[random.next(4)]
            let quantity = "\(random.next(400)).\(random.next(100))"
            var line =
                #"{"id":"e\#(random.next(3000))","customer":"c\#(random.next(30))","#
                + #""meter":"\#(meter)","ts":"\#(ts)","quantity":"\#(quantity)","#
                + #""dims":{"region":"r\#(random.next(2))","model":"m\#(random.next(3))"}"#
            if meter == "llm" { line += #","amount":"0.\#(random.next(100000))""# }
            line += "}"
            files[random.next(3)].append(line)
            // Now and then an identical copy of an earlier line, maybe in another file.
            let source = files[random.next(3)]
            if random.next(8) == 0, !source.isEmpty {
                files[random.next(3)].append(source[random.next(source.count)])
            }
        }
        let inputs = try writeCompressedEventFiles(files, in: work)
        let spill = work.appendingPathComponent("spill", isDirectory: true)
        try FileManager.default.createDirectory(at: spill, withIntermediateDirectories: true)

        func rate(_ name: String, _ extra: [String]) throws -> [String: String] {
            let output = work.appendingPathComponent(name, isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: catalog, customers: customers, period: "2026-10", output: output,
                    inputs: inputs, extra: ["--gauges", opening.path] + extra),
                in: work, environment: ["TMPDIR": spill.path])
            XCTAssertEqual(result.status, 0, "\(name): \(result.transcript)")
            return try folderDigests(output)
        }

        // Resolutions from a first run's conflicts: keep a copy of some, drop others, replace
        // others with one of their copies, and leave every fourth conflict undecided.
        _ = try rate("plain", [])
        let rejects = try readText(work.appendingPathComponent("plain/rejects.ndjson"))
        var resolutions: [String] = []
        var decided: Set<String> = []
        for line in rejects.split(separator: "\n") {
            let object = try XCTUnwrap(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard object["reason"] as? String == "conflict",
                let raw = object["raw"] as? String,
                let event = try JSONSerialization.jsonObject(with: Data(raw.utf8))
                    as? [String: Any],
                let customer = event["customer"] as? String, let id = event["id"] as? String,
                decided.insert(customer + "/" + id).inserted,
                let file = object["file"] as? String, let number = object["line"] as? Int
            else { continue }
            switch decided.count % 4 {
            case 0:
                continue
            case 1:
                resolutions.append(
                    #"{"customer":"\#(customer)","id":"\#(id)","action":"keep","#
                        + #""file":"\#(file)","line":\#(number),"reason":"checked"}"#)
            case 2:
                resolutions.append(
                    #"{"customer":"\#(customer)","id":"\#(id)","action":"drop"}"#)
            default:
                resolutions.append(
                    #"{"customer":"\#(customer)","id":"\#(id)","action":"replace","event":"#
                        + raw + "}")
            }
        }
        XCTAssertGreaterThan(resolutions.count, 30, "the data has conflicts to resolve")
        // A resolution no input line has: unused, it changes nothing.
        resolutions.append(
            #"{"customer":"c1","id":"unseen","action":"drop","reason":"never sent"}"#)
        let resolutionsFile = try writeFile(
            "resolutions.ndjson", resolutions.joined(separator: "\n") + "\n", in: work)

        let extra = ["--resolutions", resolutionsFile.path]
        let inMemory = try rate("memory", extra)
        let manifest = try readObject(work.appendingPathComponent("memory/manifest.json"))
        let counts = try XCTUnwrap(manifest["counts"] as? [String: Any])
        XCTAssertGreaterThan(counts["superseded"] as? Int ?? 0, 30)
        let rejected = try XCTUnwrap(counts["rejected"] as? [String: Any])
        XCTAssertGreaterThan(rejected["conflict"] as? Int ?? 0, 10, "undecided conflicts stay")
        XCTAssertGreaterThan(counts["duplicates"] as? Int ?? 0, 0)
        XCTAssertGreaterThan(counts["out_of_period"] as? Int ?? 0, 0)
        let rated = try readText(work.appendingPathComponent("memory/rated.ndjson"))
        for row in ["\"markup\":\"1.2\"", "\"adjustment\":\"event_minimum\"",
            "\"adjustment\":\"event_maximum\"", "\"block_size\":\"10\"", "\"blocks\":"]
        {
            XCTAssertTrue(rated.contains(row), "the rated lines use \(row)")
        }
        XCTAssertNotNil(inMemory["gauges.ndjson"])
        for limit in ["1K", "64K", "300K"] {
            XCTAssertEqual(
                try rate("spill-\(limit)", extra + ["--memory-limit", limit]), inMemory, limit)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spill.path), [])
    }
}

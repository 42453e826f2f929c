import Foundation
import TestSupport
import XCTest

/// SPEC §13.3 and §13.5 "Gauges" through the executable: time-weighted meters integrated over
/// each plan's active span, `gauges.ndjson` written and read back by the next period's run, and
/// every bad gauges row and catalog rule. Every expected quantity is derived by hand.
final class GaugeTests: XCTestCase {
    static let catalog = """
        version: 1
        currency: USD
        meters:
          storage: { aggregation: time_weighted, per: hour }
          seats: { aggregation: time_weighted, per: day }
          calls: { aggregation: count }
          unused: { aggregation: time_weighted, per: second }
        plans:
          store:
            charges:
              - { key: gb, meter: storage, model: per_unit, unit_price: "0.01" }
              - key: seats
                meter: seats
                model: per_unit
                unit_price: "1"
                group_by: [tier]
                filter: { region: [eu] }
          store2:
            charges:
              - { key: gb2, meter: storage, model: per_unit, unit_price: "0.02" }
              - { key: calls, meter: calls, model: per_unit, unit_price: "1" }
        """

    static let customers = """
        customers:
          acme:
            subscriptions:
              - { plan: store, start: 2026-01-01 }
          frac:
            subscriptions:
              - { plan: store, start: 2026-01-01 }
          grp:
            subscriptions:
              - { plan: store, start: 2026-01-01 }
          idle:
            subscriptions:
              - { plan: store2, start: 2026-01-01 }
          mover:
            subscriptions:
              - { plan: store, start: 2026-01-01, end: 2026-11-16 }
              - { plan: store2, start: 2026-11-16 }
          ny:
            timezone: America/New_York
            subscriptions:
              - { plan: store, start: 2026-01-01 }
        """

    static func event(
        _ id: String, _ customer: String, _ meter: String, _ ts: String, _ quantity: String,
        dims: String = ""
    ) -> String {
        let dimsField = dims.isEmpty ? "" : #","dims":{\#(dims)}"#
        return #"{"id":"\#(id)","customer":"\#(customer)","meter":"\#(meter)","ts":"\#(ts)","#
            + #""quantity":"\#(quantity)"\#(dimsField)}"#
    }

    /// November 2026 (UTC customers: [Nov 1, Dec 1), 720 hours).
    static let novemberEvents = [
        // acme: 10 for 10 days (240 h), then 20 for 10.5 days (252 h), then 5 for 9.5 days
        // (228 h): 2400 + 5040 + 1140 = 8580 GB-hours. At Nov 11 two events share the
        // instant: "b" > "a" bytewise, so 20 (not 99) is the level.
        event("a1", "acme", "storage", "2026-11-01T00:00:00Z", "10"),
        event("a", "acme", "storage", "2026-11-11T00:00:00Z", "99"),
        event("b", "acme", "storage", "2026-11-11T00:00:00Z", "20"),
        event("a3", "acme", "storage", "2026-11-21T12:00:00Z", "5"),
        // A meter without a charge is one ungrouped gauge (its dims do not split it).
        event("u1", "acme", "unused", "2026-11-10T00:00:00Z", "7", dims: #""x":"y""#),
        // Out of period (December): never moves the level.
        event("late", "acme", "storage", "2026-12-05T00:00:00Z", "1000"),
        // frac: 0 until Nov 30 23:40:00.5, then 1 for 19 min 59.5 s = 1199.5 s = 2399/7200 h.
        event("f1", "frac", "storage", "2026-11-30T23:40:00.500Z", "1"),
        // grp (seats, per day, group_by tier, filter region eu): gold 3 all month (30 days =
        // 90), silver 2 from Nov 16 (15 days = 30); the us event is left out by the filter
        // and does not move gold.
        event(
            "g1", "grp", "seats", "2026-11-01T00:00:00Z", "3",
            dims: #""tier":"gold","region":"eu""#),
        event(
            "g2", "grp", "seats", "2026-11-16T00:00:00Z", "2",
            dims: #""tier":"silver","region":"eu""#),
        event(
            "g3", "grp", "seats", "2026-11-05T00:00:00Z", "100",
            dims: #""tier":"gold","region":"us""#),
        // mover: store [Nov 1, Nov 16) = 360 h at 4 = 1440; store2 [Nov 16, Dec 1): 4 for 96 h
        // (384) + 8 for 264 h (2112) = 2496.
        event("m1", "mover", "storage", "2026-11-01T00:00:00Z", "4"),
        event("m2", "mover", "storage", "2026-11-20T00:00:00Z", "8"),
        // ny (America/New_York): the local month is [Nov 1 04:00Z, Dec 1 05:00Z), 721 real
        // hours (the fall-back hour counts): 2 × 721 = 1442.
        event("n1", "ny", "storage", "2026-11-01T04:00:00Z", "2"),
    ].joined(separator: "\n") + "\n"

    /// One `gauges.ndjson` line, byte for byte (`group` is the object's inside).
    static func row(
        _ customer: String, _ meter: String, _ group: String, _ level: String, _ since: String
    ) -> String {
        #"{"customer":"\#(customer)","meter":"\#(meter)","group":{\#(group)},"#
            + #""level":"\#(level)","since":"\#(since)"}"# + "\n"
    }

    /// Runs `rate` in `work` and returns the output folder and the run.
    func rate(
        _ work: URL, _ name: String, period: String, events: String, extra: [String] = [],
        catalog: String = GaugeTests.catalog
    ) throws -> (URL, RunResult) {
        let catalogURL = try writeFile("catalog.yaml", catalog, in: work)
        let customersURL = try writeFile("customers.yaml", GaugeTests.customers, in: work)
        let eventsURL = try writeFile("\(name).ndjson", events, in: work)
        let output = work.appendingPathComponent(name, isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalogURL, customers: customersURL, period: period, output: output,
                inputs: [eventsURL.path], extra: extra),
            in: work)
        return (output, result)
    }

    /// usage.ndjson as "customer plan charge group → quantity (events)".
    func usage(_ output: URL) throws -> [String] {
        try readObjects(output.appendingPathComponent("usage.ndjson")).map { line in
            let group = (line["group"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return "\(line["customer"]!) \(line["plan"]!) \(line["charge"]!) {\(group)} → "
                + "\(line["quantity"]!) (\(line["events"]!))"
        }
    }

    func testNovemberIntegralsGaugesFileAndTheNextPeriodReadingIt() throws {
        let work = try makeTemporaryDirectory()
        let (november, result) = try rate(
            work, "november", period: "2026-11", events: GaugeTests.novemberEvents)
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertEqual(
            try usage(november),
            [
                "acme store gb {} → 8580 (4)",
                "frac store gb {} → 2399/7200 (1)",
                "grp store gb {} → 0 (0)",
                "grp store seats {tier=gold} → 90 (1)",
                "grp store seats {tier=silver} → 30 (1)",
                "idle store2 calls {} → 0 (0)",
                "idle store2 gb2 {} → 0 (0)",
                "mover store gb {} → 1440 (1)",
                "mover store2 calls {} → 0 (0)",
                "mover store2 gb2 {} → 2496 (1)",
                "ny store gb {} → 1442 (1)",
            ])
        // 8580 GB-hours at 0.01 = 85.80.
        let rated = try readObjects(november.appendingPathComponent("rated.ndjson"))
        let acme = rated.first {
            $0["customer"] as? String == "acme" && $0["charge"] as? String == "gb"
        }
        XCTAssertEqual(acme?["amount"] as? String, "85.80")
        let gauges = november.appendingPathComponent("gauges.ndjson")
        XCTAssertEqual(
            try readText(gauges),
            [
                GaugeTests.row("acme", "storage", "", "5", "2026-11-21T12:00:00Z"),
                GaugeTests.row("acme", "unused", "", "7", "2026-11-10T00:00:00Z"),
                GaugeTests.row("frac", "storage", "", "1", "2026-11-30T23:40:00.5Z"),
                GaugeTests.row("grp", "seats", "\"tier\":\"gold\"", "3", "2026-11-01T00:00:00Z"),
                GaugeTests.row("grp", "seats", "\"tier\":\"silver\"", "2", "2026-11-16T00:00:00Z"),
                GaugeTests.row("mover", "storage", "", "8", "2026-11-20T00:00:00Z"),
                GaugeTests.row("ny", "storage", "", "2", "2026-11-01T04:00:00Z"),
            ].joined())
        let manifest = try readObject(november.appendingPathComponent("manifest.json"))
        let outputs = manifest["outputs"] as? [String: String] ?? [:]
        XCTAssertEqual(outputs["gauges.ndjson"], try sha256sum("gauges.ndjson", in: november))
        let verified = try runRate(["verify", november.path], in: work)
        XCTAssertEqual(verified.status, 0, verified.transcript)
        let schemas = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", Executables.packageRoot.appendingPathComponent("schemas/check.py").path,
             november.path], in: work)
        XCTAssertEqual(
            schemas.standardOutput, "\(november.path): 6 files checked\n", schemas.transcript)

        // December reads November's levels, with one event: mover drops to 0 on Dec 11.
        // Every level holds from Dec 1 (31 days = 744 h): acme 5 × 744 = 3720, frac 744,
        // grp gold 3 × 31 = 93 and silver 2 × 31 = 62 (lines without events: a non-zero
        // integral), mover 8 × 240 h = 1920 then 0; ny's December is [Dec 1 05:00Z,
        // Jan 1 05:00Z), 744 h: 1488.
        let (december, next) = try rate(
            work, "december", period: "2026-12",
            events: GaugeTests.event("m3", "mover", "storage", "2026-12-11T00:00:00Z", "0") + "\n",
            extra: ["--gauges", gauges.path])
        XCTAssertEqual(next.status, 0, next.transcript)
        XCTAssertEqual(
            try usage(december),
            [
                "acme store gb {} → 3720 (0)",
                "frac store gb {} → 744 (0)",
                "grp store gb {} → 0 (0)",
                "grp store seats {tier=gold} → 93 (0)",
                "grp store seats {tier=silver} → 62 (0)",
                "idle store2 calls {} → 0 (0)",
                "idle store2 gb2 {} → 0 (0)",
                "mover store2 calls {} → 0 (0)",
                "mover store2 gb2 {} → 1920 (1)",
                "ny store gb {} → 1488 (0)",
            ])
        // Carried rows keep their level and since; mover's closing row at level 0 is written.
        XCTAssertEqual(
            try readText(december.appendingPathComponent("gauges.ndjson")),
            [
                GaugeTests.row("acme", "storage", "", "5", "2026-11-21T12:00:00Z"),
                GaugeTests.row("acme", "unused", "", "7", "2026-11-10T00:00:00Z"),
                GaugeTests.row("frac", "storage", "", "1", "2026-11-30T23:40:00.5Z"),
                GaugeTests.row("grp", "seats", "\"tier\":\"gold\"", "3", "2026-11-01T00:00:00Z"),
                GaugeTests.row("grp", "seats", "\"tier\":\"silver\"", "2", "2026-11-16T00:00:00Z"),
                GaugeTests.row("mover", "storage", "", "0", "2026-12-11T00:00:00Z"),
                GaugeTests.row("ny", "storage", "", "2", "2026-11-01T04:00:00Z"),
            ].joined())
        // The opening file is an input of the run, hashed.
        let gaugesInput = try readObject(december.appendingPathComponent("manifest.json"))[
            "gauges"] as? [String: Any]
        XCTAssertEqual(gaugesInput?["file"] as? String, "gauges.ndjson")
        // invoice reads a rate folder whose manifest names the gauges file; the page shows
        // a time-weighted line without a display unit as meter-pers (1,920 storage-hours).
        let invoiced = try runInvoice(
            [
                "--catalog", work.appendingPathComponent("catalog.yaml").path,
                "--customers", work.appendingPathComponent("customers.yaml").path,
                "--period", "2026-12", "--rated", december.path,
                "--output", work.appendingPathComponent("invoices").path,
            ], in: work)
        XCTAssertEqual(invoiced.status, 0, invoiced.transcript)
        let page = try readHTML(
            try readBytes(work.appendingPathComponent("invoices/invoices/mover.html")))
        XCTAssertTrue(
            page.rows("lines").contains { $0.contains("| 1,920 | storage-hours |") },
            "\(page.rows("lines"))")
        XCTAssertEqual(
            gaugesInput?["sha256"] as? String, try sha256sum("gauges.ndjson", in: november))
    }

    /// An opening level holds from the period start whatever its `since`; `since` null is
    /// kept null.
    func testOpeningLevelHoldsFromThePeriodStart() throws {
        let work = try makeTemporaryDirectory()
        let opening = try writeFile(
            "opening.ndjson",
            #"{"customer":"acme","meter":"storage","group":{},"level":"1.5","since":null,"x":1}"#
                + "\n", in: work)
        // 1.5 from Nov 1 to Nov 2 00:00 (24 h = 36), then 3 for 696 h (2088): 2124.
        let (output, result) = try rate(
            work, "out", period: "2026-11",
            events: GaugeTests.event("e1", "acme", "storage", "2026-11-02T00:00:00Z", "3") + "\n",
            extra: ["--gauges", opening.path])
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertTrue(try usage(output).contains("acme store gb {} → 2124 (1)"))
        XCTAssertEqual(
            try readText(output.appendingPathComponent("gauges.ndjson")),
            GaugeTests.row("acme", "storage", "", "3", "2026-11-02T00:00:00Z"))
    }

    func testEveryBadGaugesRowIsListedAndExitsOne() throws {
        let work = try makeTemporaryDirectory()
        let rows = [
            #"{"customer":"acme","meter":"storage","group":{},"level":"1","since":null}"#,
            #"not json"#,
            #"{"customer":"nobody","meter":"storage","group":{},"level":"1","since":null}"#,
            #"{"customer":"acme","meter":"disk","group":{},"level":"1","since":null}"#,
            #"{"customer":"acme","meter":"calls","group":{},"level":"1","since":null}"#,
            #"{"customer":"grp","meter":"seats","group":{"size":"l"},"level":"1","since":null}"#,
            #"{"customer":"frac","meter":"storage","group":{},"level":"-1","since":null}"#,
            #"{"customer":"ny","meter":"storage","group":{},"level":"1","since":"yesterday"}"#,
            #"{"customer":"acme","meter":"storage","group":{},"level":"2","since":null}"#,
            #"[1]"#,
        ]
        let opening = try writeFile("bad.ndjson", rows.joined(separator: "\n") + "\n", in: work)
        let (output, result) = try rate(
            work, "out", period: "2026-11", events: "", extra: ["--gauges", opening.path])
        XCTAssertEqual(result.status, 1, result.transcript)
        for expected in [
            "bad.ndjson:2: not valid JSON",
            "bad.ndjson:3: unknown customer \"nobody\"",
            "bad.ndjson:4: unknown meter \"disk\"",
            "bad.ndjson:5: meter \"calls\" is not time_weighted",
            "bad.ndjson:6: wrong group keys [\"size\"]; the meter's charges group by [\"tier\"]",
            "bad.ndjson:7: bad level: quantity \"-1\" is negative",
            "bad.ndjson:8: bad since \"yesterday\"",
            "bad.ndjson:9: repeats the gauge of line 1",
            "bad.ndjson:10: not a JSON object",
        ] {
            XCTAssertTrue(result.standardError.contains(expected), expected + result.transcript)
        }
        XCTAssertFalse(result.standardError.contains("bad.ndjson:1:"), result.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    func testChargesOnOneGaugeMeterMustGroupAndFilterAlike() throws {
        let work = try makeTemporaryDirectory()
        let catalog = """
            version: 1
            currency: USD
            meters:
              storage: { aggregation: time_weighted, per: hour }
              disk: { aggregation: time_weighted }
              ram: { aggregation: time_weighted, per: week }
              calls: { aggregation: sum, per: hour }
            plans:
              store:
                charges:
                  - { key: gb, meter: storage, model: per_unit, unit_price: "1", group_by: [a] }
              store2:
                charges:
                  - key: gb
                    meter: storage
                    model: per_unit
                    unit_price: "1"
                    group_by: [b]
                    filter: { a: [x] }
            """
        let (_, result) = try rate(work, "out", period: "2026-11", events: "", catalog: catalog)
        XCTAssertEqual(result.status, 2, result.transcript)
        for expected in [
            "plans.store2.charges[0].group_by: differs from plans.store.charges[0].group_by; "
                + "every charge on time_weighted meter \"storage\" must have the same group_by",
            "plans.store2.charges[0].filter: differs from plans.store.charges[0].filter",
            "meters.disk.per: missing; time_weighted needs per: one of second, minute, hour, day",
            "meters.ram.per: unknown per \"week\"; expected one of: second, minute, hour, day",
            "meters.calls.per: only time_weighted meters take per",
        ] {
            XCTAssertTrue(result.standardError.contains(expected), expected + result.transcript)
        }
    }

    /// Many gauge events over several customers and groups, with same-instant ties and
    /// duplicates: the same bytes whether the events stay in memory or spill.
    func testSpilledRunGivesTheBytesOfTheInMemoryRun() throws {
        let work = try makeTemporaryDirectory()
        var lines: [String] = []
        let customers = ["acme", "frac", "grp", "mover", "ny"]
        for index in 0..<4000 {
            let customer = customers[index % customers.count]
            let day = 1 + (index * 7) % 30
            let hour = (index * 5) % 24
            let ts = String(format: "2026-11-%02dT%02d:00:00Z", day, hour)
            let quantity = String((index * 37) % 1000) + ".5"
            if index % 3 == 0 {
                let tier = ["gold", "silver", "bronze"][index % 3 == 0 ? (index / 3) % 3 : 0]
                let region = index % 4 == 0 ? "us" : "eu"
                lines.append(
                    GaugeTests.event(
                        "s\(index)", customer, "seats", ts, quantity,
                        dims: #""tier":"\#(tier)","region":"\#(region)""#))
            } else {
                lines.append(GaugeTests.event("e\(index)", customer, "storage", ts, quantity))
            }
            if index % 50 == 0 { lines.append(lines.last!) }
        }
        let events = lines.joined(separator: "\n") + "\n"
        let (inMemory, first) = try rate(work, "memory", period: "2026-11", events: events)
        XCTAssertEqual(first.status, 0, first.transcript)
        let (spilled, second) = try rate(
            work, "spilled", period: "2026-11", events: events, extra: ["--memory-limit", "1K"])
        XCTAssertEqual(second.status, 0, second.transcript)
        for file in ["usage.ndjson", "rated.ndjson", "gauges.ndjson"] {
            XCTAssertEqual(
                try readBytes(spilled.appendingPathComponent(file)),
                try readBytes(inMemory.appendingPathComponent(file)), file)
        }
        XCTAssertGreaterThan(
            try readLines(inMemory.appendingPathComponent("gauges.ndjson")).count, 8)
    }
}

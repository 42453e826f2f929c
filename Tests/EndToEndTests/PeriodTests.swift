import Foundation
import TestSupport
import XCTest

/// SPEC §4 and §11 through the executable: periods in the customer's time zone across DST,
/// cron schedules on repeated and skipped local times, anniversary billing clamped to short
/// months, a plan change mid-period and prorated fees. Every expected line is written by hand.
final class PeriodTests: XCTestCase {
    /// Runs `rate` for `period` on one events file and returns the output folder.
    func rate(
        catalog: String, customers: String, events: String, period: String
    ) throws -> URL {
        let work = try makeTemporaryDirectory()
        let catalogURL = try writeFile("catalog.yaml", catalog, in: work)
        let customersURL = try writeFile("customers.yaml", customers, in: work)
        let eventsURL = try writeFile("events.ndjson", events, in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalogURL, customers: customersURL, period: period, output: output,
                inputs: [eventsURL.path]),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        return output
    }

    /// The manifest's `counts` object.
    func counts(_ output: URL) throws -> [String: Any] {
        try readObject(output.appendingPathComponent("manifest.json"))["counts"]
            as? [String: Any] ?? [:]
    }

    // MARK: DST

    static let nightCatalog = """
        version: 1
        currency: USD
        meters:
          calls: { aggregation: count }
        plans:
          night:
            charges:
              - key: api
                meter: calls
                model: per_unit
                unit_price: "0.10"
              - key: backup
                type: recurring
                amount: "0.20"
                schedule: daily
              - key: at_0130
                type: recurring
                amount: "1.00"
                schedule: { cron: "30 1 * * *" }
              - key: at_0230
                type: recurring
                amount: "1.00"
                schedule: { cron: "30 2 * * *" }
        """

    static let newYork = """
        customers:
          ny:
            timezone: America/New_York
            subscriptions:
              - { plan: night, start: 2026-01-01 }
        """

    /// November 2026 in New York: EDT (−04:00) until Nov 1 06:00Z, when 02:00 EDT falls back
    /// to 01:00 EST (−05:00); the local month is [Nov 1 04:00Z, Dec 1 05:00Z), 30 days.
    func testFallBackMonthInNewYork() throws {
        let events = [
            ("out-before", "2026-11-01T03:59:59Z"),  // Oct 31 23:59:59 EDT: October
            ("start", "2026-11-01T04:00:00Z"),  // Nov 1 00:00 EDT: the period's first instant
            ("before-fall-back", "2026-11-01T04:30:00Z"),  // 00:30 EDT
            ("first-0130", "2026-11-01T05:30:00Z"),  // 01:30 EDT, the first 01:30
            ("second-0130", "2026-11-01T06:30:00Z"),  // 01:30 EST, the repeated 01:30
            ("last", "2026-12-01T04:59:59Z"),  // Nov 30 23:59:59 EST
            ("out-after", "2026-12-01T05:00:00Z"),  // Dec 1 00:00 EST: December
        ].map { #"{"id":"\#($0.0)","customer":"ny","meter":"calls","ts":"\#($0.1)"}"# }
        let output = try rate(
            catalog: Self.nightCatalog, customers: Self.newYork,
            events: events.joined(separator: "\n") + "\n", period: "2026-11")

        let period = #"{"start":"2026-11-01T00:00:00-04:00","end":"2026-12-01T00:00:00-05:00"}"#
        let prefix = #"{"customer":"ny","period":\#(period),"plan":"night","#
        // 5 in-period calls; the api line at 0.10 each: 0.5. backup fires on each of the 30
        // local days: 30 × 0.20 = 6. The 01:30 cron: 01:30 happens twice on Nov 1 but fires
        // once, so 30 times, 30.00. The 02:30 cron: 02:30 exists once every day (Nov 1's
        // 02:00 EDT became 01:00 EST, and 02:30 EST follows), so 30 as well.
        XCTAssertEqual(try readLines(output.appendingPathComponent("usage.ndjson")), [
            prefix + #""charge":"api","group":{},"quantity":"5","events":5}"#,
        ])
        XCTAssertEqual(try readLines(output.appendingPathComponent("rated.ndjson")), [
            prefix + #""charge":"api","kind":"usage","group":{},"quantity":"5","#
                + #""currency":"USD","amount_exact":"0.5","amount":"0.50","#
                + #""tiers":[{"quantity":"5","unit_price":"0.1","amount":"0.5"}]}"#,
            prefix + #""charge":"at_0130","kind":"recurring","group":{},"quantity":"30","#
                + #""currency":"USD","amount_exact":"30","amount":"30.00","#
                + #""tiers":[{"quantity":"30","unit_price":"1","amount":"30"}]}"#,
            prefix + #""charge":"at_0230","kind":"recurring","group":{},"quantity":"30","#
                + #""currency":"USD","amount_exact":"30","amount":"30.00","#
                + #""tiers":[{"quantity":"30","unit_price":"1","amount":"30"}]}"#,
            prefix + #""charge":"backup","kind":"recurring","group":{},"quantity":"30","#
                + #""currency":"USD","amount_exact":"6","amount":"6.00","#
                + #""tiers":[{"quantity":"30","unit_price":"0.2","amount":"6"}]}"#,
        ])
        let counts = try counts(output)
        XCTAssertEqual(counts["accepted"] as? Int, 7)
        XCTAssertEqual(counts["out_of_period"] as? Int, 2)
        XCTAssertEqual(counts["billed"] as? Int, 5)
        XCTAssertEqual(try readLines(output.appendingPathComponent("rejects.ndjson")), [])
    }

    /// March 2027 in New York: 02:00 EST springs forward to 03:00 EDT on Mar 14, so 02:30 does
    /// not exist that day and the 02:30 cron fires 31 − 1 = 30 times; 01:30 fires all 31.
    func testSpringForwardSkipsTheMissingCronTime() throws {
        let events = #"{"id":"a","customer":"ny","meter":"calls","ts":"2027-03-14T07:30:00Z"}"#
        let output = try rate(
            catalog: Self.nightCatalog, customers: Self.newYork, events: events + "\n",
            period: "2027-03")
        let rated = try readObjects(output.appendingPathComponent("rated.ndjson"))
        let summary = rated.map {
            "\($0["charge"] ?? "") \($0["quantity"] ?? "") \($0["amount"] ?? "")"
        }
        // Mar 14 07:30Z = 03:30 EDT: in period. backup: 31 days × 0.20 = 6.20.
        XCTAssertEqual(
            summary, ["api 1 0.10", "at_0130 31 31.00", "at_0230 30 30.00", "backup 31 6.20"])
        let period = rated.first?["period"] as? [String: String]
        XCTAssertEqual(period?["start"], "2027-03-01T00:00:00-05:00")
        XCTAssertEqual(period?["end"], "2027-04-01T00:00:00-04:00")
    }

    /// America/Santiago springs forward at local midnight: 2026-09-06 00:00 −04:00 does not
    /// exist (the clock jumps to 01:00 −03:00 = 04:00Z). A period anchored on day 6 then starts
    /// at the first instant of that local day (SPEC §11). The file also exercises the line
    /// rules end to end: a byte-order mark, CRLF endings, `t`/`z`, `-00:00`, `dims: null`,
    /// `unique_count` and `latest`.
    func testPeriodStartingAtAMissingLocalMidnight() throws {
        let catalog = """
            version: 1
            currency: USD
            meters:
              calls: { aggregation: count }
              users: { aggregation: unique_count, field: user }
              balance: { aggregation: latest }
            plans:
              p:
                charges:
                  - key: api
                    meter: calls
                    model: per_unit
                    unit_price: "1"
                  - key: balance
                    meter: balance
                    model: per_unit
                    unit_price: "1"
                  - key: fee
                    type: recurring
                    amount: "10"
                    schedule: daily
                  - key: users
                    meter: users
                    model: per_unit
                    unit_price: "1"
            """
        let customers = """
            customers:
              cl:
                timezone: America/Santiago
                anchor_day: 6
                subscriptions:
                  - { plan: p, start: 2026-01-01 }
            """
        func event(_ id: String, _ meter: String, _ ts: String, _ rest: String = "") -> String {
            #"{"id":"\#(id)","customer":"cl","meter":"\#(meter)","ts":"\#(ts)"\#(rest)}"#
        }
        let events = "\u{FEFF}" + [
            // 04:00Z = 01:00 −03:00, the period's first instant; one second earlier is Sep 5.
            event("a", "calls", "2026-09-06T04:00:00Z") + "\r",
            event("b", "calls", "2026-09-06T03:59:59z") + "\r",
            // Distinct non-empty dims.user: "x" (twice), "" and none do not count → 1.
            event("u1", "users", "2026-09-10t00:00:00-00:00", #","dims":{"user":"x"}"#),
            event("u2", "users", "2026-09-10T00:00:00Z", #","dims":{"user":"x"}"#),
            event("u3", "users", "2026-09-10T00:00:00Z", #","dims":{"user":""}"#),
            event("u4", "users", "2026-09-10T00:00:00Z", #","dims":null"#),
            // Latest by instant, then id: l0 and l1 tie on the instant, l1 is last → 5.
            event("l1", "balance", "2026-09-10T00:00:00Z", #","quantity":"5""#),
            event("l0", "balance", "2026-09-10T00:00:00Z", #","quantity":"7""#),
            event("l2", "balance", "2026-09-09T00:00:00Z", #","quantity":"9""#),
        ].joined(separator: "\n") + "\n"
        let output = try rate(
            catalog: catalog, customers: customers, events: events, period: "2026-09")
        let period = #"{"start":"2026-09-06T01:00:00-03:00","end":"2026-10-06T00:00:00-03:00"}"#
        let prefix = #"{"customer":"cl","period":\#(period),"plan":"p","#
        XCTAssertEqual(try readLines(output.appendingPathComponent("usage.ndjson")), [
            prefix + #""charge":"api","group":{},"quantity":"1","events":1}"#,
            prefix + #""charge":"balance","group":{},"quantity":"5","events":3}"#,
            prefix + #""charge":"users","group":{},"quantity":"1","events":4}"#,
        ])
        // The daily fee fires on each local day of [Sep 6, Oct 6): 25 + 5 = 30 days × 10.
        let rated = try readObjects(output.appendingPathComponent("rated.ndjson"))
        XCTAssertEqual(
            rated.map { "\($0["charge"] ?? "") \($0["quantity"] ?? "") \($0["amount"] ?? "")" },
            ["api 1 1.00", "balance 5 5.00", "fee 30 300.00", "users 1 1.00"])
        let counts = try counts(output)
        XCTAssertEqual(counts["lines"] as? Int, 9)
        XCTAssertEqual(counts["accepted"] as? Int, 9)
        XCTAssertEqual(counts["out_of_period"] as? Int, 1)
        XCTAssertEqual(try readLines(output.appendingPathComponent("rejects.ndjson")), [])
    }

    // MARK: Anniversary billing, plan change, proration

    static let planCatalog = """
        version: 1
        currency: USD
        meters:
          calls: { aggregation: count }
        plans:
          basic:
            charges:
              - key: fee
                type: recurring
                amount: "49.00"
                schedule: monthly
                prorate: true
              - key: api
                meter: calls
                model: per_unit
                unit_price: "0.10"
          plus:
            charges:
              - key: fee
                type: recurring
                amount: "49.00"
                schedule: monthly
                prorate: true
              - key: api
                meter: calls
                model: per_unit
                unit_price: "0.07"
        """

    /// `a31` bills on day 31, clamped to the month's last day, and moves from basic to plus on
    /// 2027-03-15. `mid` bills by calendar month and starts on 2027-03-15.
    static let planCustomers = """
        customers:
          a31:
            anchor_day: 31
            subscriptions:
              - { plan: basic, start: 2026-01-31, end: 2027-03-15 }
              - { plan: plus, start: 2027-03-15 }
          mid:
            subscriptions:
              - { plan: basic, start: 2027-03-15 }
        """

    static let planEvents = [
        ("e0", "a31", "2027-02-27T23:59:59Z"),  // before the period: out_of_period
        ("e1", "a31", "2027-02-28T00:00:00Z"),  // the period's first instant: basic
        ("e2", "a31", "2027-03-14T23:59:59Z"),  // basic's last second
        ("e3", "a31", "2027-03-15T00:00:00Z"),  // plus's first instant
        ("e4", "a31", "2027-03-30T23:59:59Z"),  // plus
        ("e5", "a31", "2027-03-31T00:00:00Z"),  // the next period: out_of_period
        ("m1", "mid", "2027-02-10T00:00:00Z"),  // mid has no plan in February
    ].map { #"{"id":"\#($0.0)","customer":"\#($0.1)","meter":"calls","ts":"\#($0.2)"}"# }
        .joined(separator: "\n") + "\n"

    /// Period 2027-02 for anchor day 31: February has 28 days, so the period starting in
    /// February is [Feb 28, Mar 31), 31 days. The plan changes on Mar 15.
    func testAnchorDay31InFebruaryWithAPlanChange() throws {
        let output = try rate(
            catalog: Self.planCatalog, customers: Self.planCustomers, events: Self.planEvents,
            period: "2027-02")
        let period = #"{"start":"2027-02-28T00:00:00Z","end":"2027-03-31T00:00:00Z"}"#
        let prefix = #"{"customer":"a31","period":\#(period),"plan":"#
        XCTAssertEqual(try readLines(output.appendingPathComponent("usage.ndjson")), [
            prefix + #""basic","charge":"api","group":{},"quantity":"2","events":2}"#,
            prefix + #""plus","charge":"api","group":{},"quantity":"2","events":2}"#,
        ])
        // basic: e1, e2 → 2 × 0.10 = 0.2; active Feb 28 – Mar 14 = 15 of 31 days:
        //   49 × 15/31 = 735/31 = 23.709677… → 23.71.
        // plus: e3, e4 → 2 × 0.07 = 0.14; active Mar 15 – Mar 30 = 16 of 31 days:
        //   49 × 16/31 = 784/31 = 25.290322… → 25.29. (735 + 784 = 1519 = 49 × 31: the two
        //   plans together bill the whole month's fee exactly.)
        XCTAssertEqual(try readLines(output.appendingPathComponent("rated.ndjson")), [
            prefix + #""basic","charge":"api","kind":"usage","group":{},"quantity":"2","#
                + #""currency":"USD","amount_exact":"0.2","amount":"0.20","#
                + #""tiers":[{"quantity":"2","unit_price":"0.1","amount":"0.2"}]}"#,
            prefix + #""basic","charge":"fee","kind":"recurring","group":{},"quantity":"1","#
                + #""currency":"USD","amount_exact":"735/31","amount":"23.71","#
                + #""tiers":[{"quantity":"15/31","unit_price":"49","amount":"735/31"}]}"#,
            prefix + #""plus","charge":"api","kind":"usage","group":{},"quantity":"2","#
                + #""currency":"USD","amount_exact":"0.14","amount":"0.14","#
                + #""tiers":[{"quantity":"2","unit_price":"0.07","amount":"0.14"}]}"#,
            prefix + #""plus","charge":"fee","kind":"recurring","group":{},"quantity":"1","#
                + #""currency":"USD","amount_exact":"784/31","amount":"25.29","#
                + #""tiers":[{"quantity":"16/31","unit_price":"49","amount":"784/31"}]}"#,
        ])
        // mid's February is in period but no plan covers it.
        let rejects = try readObjects(output.appendingPathComponent("rejects.ndjson"))
        XCTAssertEqual(rejects.map { $0["reason"] as? String }, ["no_subscription"])
        XCTAssertEqual(rejects.first?["line"] as? Int, 7)
        let counts = try counts(output)
        XCTAssertEqual(counts["accepted"] as? Int, 6)
        XCTAssertEqual(counts["out_of_period"] as? Int, 2)
        XCTAssertEqual(counts["billed"] as? Int, 4)
    }

    /// Period 2027-03: mid starts on the 15th of a 31-day month, so it is active 17 of 31
    /// days: 49.00 × 17/31 = 833/31 = 26.870967… → 26.87. a31's next period, starting Mar 31,
    /// ends on April's last day, Apr 30 (day 31 clamped), with the full plus fee.
    func testFeeProratedFromTheFifteenthOfAThirtyOneDayMonth() throws {
        let output = try rate(
            catalog: Self.planCatalog, customers: Self.planCustomers, events: Self.planEvents,
            period: "2027-03")
        let rated = try readObjects(output.appendingPathComponent("rated.ndjson"))
        let fees = rated.filter { $0["charge"] as? String == "fee" }
        XCTAssertEqual(fees.count, 2)
        let midFee = objects(fees, where: "customer", is: "mid").first
        XCTAssertEqual(midFee?["amount_exact"] as? String, "833/31")
        XCTAssertEqual(midFee?["amount"] as? String, "26.87")
        XCTAssertEqual(midFee?["period"] as? [String: String], [
            "start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z",
        ])
        let a31Fee = objects(fees, where: "customer", is: "a31").first
        XCTAssertEqual(a31Fee?["plan"] as? String, "plus")
        XCTAssertEqual(a31Fee?["amount_exact"] as? String, "49")
        XCTAssertEqual(a31Fee?["amount"] as? String, "49.00")
        XCTAssertEqual(a31Fee?["period"] as? [String: String], [
            "start": "2027-03-31T00:00:00Z", "end": "2027-04-30T00:00:00Z",
        ])
        // e5 (Mar 31 00:00) is a31's only event in this period; the others are out of period.
        let usage = try readObjects(output.appendingPathComponent("usage.ndjson"))
        XCTAssertEqual(
            usage.map { "\($0["customer"] ?? "") \($0["plan"] ?? "") \($0["quantity"] ?? "")" },
            ["a31 plus 1", "mid basic 0"])
    }
}

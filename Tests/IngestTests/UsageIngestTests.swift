import Formats
import Pricing
import XCTest

@testable import Ingest

/// UsageIngest with parsed events, a loaded catalog and real time zones (SPEC §3, §4, §11).
final class UsageIngestTests: XCTestCase {
    static let catalogText = """
        version: 1
        currency: EUR
        meters:
          calls: { aggregation: count }
          tokens: { aggregation: sum }
          seats: { aggregation: max }
          floor: { aggregation: min }
          balance: { aggregation: latest }
          users: { aggregation: unique_count, field: user }
        plans:
          basic:
            charges:
              - { key: calls, meter: calls, model: per_unit, unit_price: "0.01" }
          pro:
            charges:
              - { key: calls, meter: calls, model: per_unit, unit_price: "0.005" }
              - { key: tokens, meter: tokens, model: per_unit, unit_price: "1" }
              - key: tokens_eu
                meter: tokens
                model: per_unit
                unit_price: "2"
                group_by: [model]
                filter: { region: [eu-west-1, eu-central-1] }
              - { key: seats, meter: seats, model: per_unit, unit_price: "1" }
              - { key: floor, meter: floor, model: per_unit, unit_price: "1" }
              - { key: balance, meter: balance, model: per_unit, unit_price: "1" }
              - { key: users, meter: users, model: per_unit, unit_price: "1" }
        """

    static let customersText = """
        customers:
          c_utc:
            subscriptions: [{ plan: pro, start: 2026-01-01 }]
          c_berlin:
            timezone: Europe/Berlin
            subscriptions: [{ plan: basic, start: 2026-01-01 }]
          c_anchor:
            anchor_day: 31
            subscriptions: [{ plan: basic, start: 2026-01-01 }]
          c_switch:
            timezone: Europe/Berlin
            subscriptions:
              - { plan: basic, start: 2026-09-01, end: 2026-10-15 }
              - { plan: pro, start: 2026-10-15 }
          c_late:
            subscriptions: [{ plan: basic, start: 2026-10-15 }]
        """

    var catalog: Catalog!
    var customers: [Customer]!

    override func setUpWithError() throws {
        catalog = try CatalogLoader.load(text: Self.catalogText, file: "catalog.yaml")
        customers = try CustomersLoader.load(
            text: Self.customersText, file: "customers.yaml", catalog: catalog,
            zones: TimeZoneDirectory())
    }

    /// One input line: its source index, line number and text.
    struct Line {
        let source: Int32
        let number: Int64
        let text: String
    }

    /// Lines of one source, numbered from 1.
    func source(_ index: Int32, _ texts: [String]) -> [Line] {
        texts.enumerated().map {
            Line(source: index, number: Int64($0.offset + 1), text: $0.element)
        }
    }

    /// An event line; `extra` is appended inside the object (`"quantity":"2"`).
    func line(
        _ id: String, _ customer: String, _ meter: String, _ ts: String, _ extra: String = ""
    ) -> String {
        let tail = extra.isEmpty ? "" : "," + extra
        return #"{"id":"\#(id)","customer":"\#(customer)","meter":"\#(meter)","#
            + #""ts":"\#(ts)"\#(tail)}"#
    }

    /// A finished run: `finish()` hands back its result, as the collector's did.
    struct Finished {
        let usage: CollectedUsage
        func finish() -> CollectedUsage { usage }
    }

    /// Feeds lines through the parser into a `UsageIngest`, as `rate` does, and finishes it;
    /// returns the result and each line's final outcome: `accepted` (the first copy of a key
    /// whose copies are identical), `duplicate` (a later identical copy), `conflict` (every
    /// copy of a key whose copies differ), `blank` or the reject reason.
    func collect(
        _ lines: [Line], month: String = "2026-10", limits: IngestLimits = IngestLimits()
    ) throws -> (Finished, [String]) {
        let ingest = UsageIngest(
            catalog: catalog, customers: customers, month: try XCTUnwrap(YearMonth(month)),
            limits: limits)
        var codes: [String] = []
        var keys: [(customer: String, id: String)?] = []
        for line in lines {
            let outcome = Array(line.text.utf8).withUnsafeBytes { EventLineParser().parse($0) }
            var key: (String, String)?
            switch outcome {
            case .blank:
                ingest.addBlank()
                codes.append("blank")
            case .rejected(let reason, _):
                ingest.addRejected(reason)
                codes.append(reason.rawValue)
            case .event(let event):
                let location = LineLocation(source: line.source, line: line.number)
                switch try ingest.add(event, at: location) {
                case .admitted:
                    codes.append("admitted")
                    key = (event.customer, event.id)
                case .rejected(let reason, _): codes.append(reason.rawValue)
                }
            }
            keys.append(key)
        }
        let usage = try ingest.finish()
        let conflicting = Set(usage.conflicts.map(\.location))
        var seen = Set<[String]>()
        for (index, line) in lines.enumerated() {
            guard let key = keys[index] else { continue }
            if conflicting.contains(LineLocation(source: line.source, line: line.number)) {
                codes[index] = "conflict"
            } else {
                codes[index] =
                    seen.insert([key.customer, key.id]).inserted ? "accepted" : "duplicate"
            }
        }
        return (Finished(usage: usage), codes)
    }

    /// `customer plan charge {k=v,…} quantity ×events`, one per aggregate.
    func summary(_ usage: CollectedUsage) -> [String] {
        usage.aggregates.map { aggregate in
            let group = aggregate.group.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return "\(aggregate.customer) \(aggregate.plan) \(aggregate.charge) {\(group)} "
                + "\(aggregate.quantity) ×\(aggregate.events)"
        }
    }

    /// The aggregates of one customer and charge.
    func summary(_ usage: CollectedUsage, customer: String, charge: String) -> [String] {
        summary(usage).filter { $0.hasPrefix("\(customer) ") && $0.contains(" \(charge) {") }
    }

    /// Counts as `lines blank accepted duplicates outOfPeriod billed` plus non-zero rejects.
    func countsText(_ counts: LineCounts) -> String {
        var text =
            "lines=\(counts.lines) blank=\(counts.blank) accepted=\(counts.accepted) "
            + "duplicates=\(counts.duplicates) out_of_period=\(counts.outOfPeriod) "
            + "billed=\(counts.billed)"
        for (reason, count) in counts.rejected.sorted(by: { $0.key < $1.key }) where count != 0 {
            text += " \(reason.rawValue)=\(count)"
        }
        return text
    }

    // MARK: Counts and check order

    func testCatalogChecksInSpecOrder() throws {
        let (collector, codes) = try collect(
            source(
                0,
                [
                    // Unknown meter, no quantity, unknown customer: unknown_meter first.
                    line("e1", "nobody", "nope", "2026-10-05T00:00:00Z"),
                    // Known sum meter without quantity, unknown customer: missing_field first.
                    line("e2", "nobody", "tokens", "2026-10-05T00:00:00Z"),
                    // quantity: null is absent too.
                    line("e3", "c_utc", "tokens", "2026-10-05T00:00:00Z", #""quantity":null"#),
                    // Known meter with quantity, unknown customer.
                    line("e4", "nobody", "tokens", "2026-10-05T00:00:00Z", #""quantity":"1""#),
                    // count and unique_count may omit the quantity.
                    line("e5", "c_utc", "calls", "2026-10-05T00:00:00Z"),
                    line("e6", "c_utc", "users", "2026-10-05T00:00:00Z"),
                    // max, min, latest need one.
                    line("e7", "c_utc", "seats", "2026-10-05T00:00:00Z"),
                    line("e8", "c_utc", "floor", "2026-10-05T00:00:00Z"),
                    line("e9", "c_utc", "balance", "2026-10-05T00:00:00Z"),
                    // c_late subscribes from 2026-10-15: in period, before that, no plan covers it.
                    line("e10", "c_late", "calls", "2026-10-14T23:59:59Z"),
                    line("e11", "c_late", "calls", "2026-10-15T00:00:00Z"),
                    // Out of period whatever the subscriptions: September, before c_late's plan.
                    line("e12", "c_late", "calls", "2026-09-20T00:00:00Z"),
                    // Out of period is decided after unknown_customer.
                    line("e13", "nobody", "calls", "2026-09-20T00:00:00Z"),
                    "",
                    "not json",
                ]))
        XCTAssertEqual(
            codes,
            [
                "unknown_meter", "missing_field", "missing_field", "unknown_customer", "accepted",
                "accepted", "missing_field", "missing_field", "missing_field", "no_subscription",
                "accepted", "accepted", "unknown_customer", "blank", "malformed_json",
            ])
        let usage = collector.finish()
        // 15 lines = 1 blank + 4 accepted + 0 duplicates + 10 rejected (1 malformed, 5 missing,
        // 1 no_subscription, 2 unknown_customer, 1 unknown_meter); billed = 4 − 1 (e12) = 3.
        XCTAssertEqual(
            countsText(usage.counts),
            "lines=15 blank=1 accepted=4 duplicates=0 out_of_period=1 billed=3 malformed_json=1 "
                + "missing_field=5 no_subscription=1 unknown_customer=2 unknown_meter=1")
        XCTAssertTrue(usage.counts.addsUp)
        // Every reason code is listed, zeros included.
        XCTAssertEqual(Set(usage.counts.rejected.keys), Set(RejectReason.allCases))
    }

    // MARK: Dedupe and conflicts

    func testDuplicatesWithinAndAcrossSources() throws {
        let first = line("a", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"1.5""#)
        let (collector, codes) = try collect(
            source(
                0,
                [
                    first,
                    // Same content, written differently: same instant in +02:00, "1.50" = 1.5,
                    // key order changed.
                    #"{"quantity":1.50,"ts":"2026-10-05T12:00:00+02:00","meter":"tokens","#
                        + #""customer":"c_utc","id":"a","dims":null}"#,
                    line("b", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"2""#),
                ])
                + source(
                    1,
                    [
                        first,
                        // Same id, different customer: a different key.
                        line("a", "c_berlin", "calls", "2026-10-05T10:00:00Z"),
                    ]))
        XCTAssertEqual(codes, ["accepted", "duplicate", "accepted", "duplicate", "accepted"])
        let usage = collector.finish()
        XCTAssertEqual(
            countsText(usage.counts),
            "lines=5 blank=0 accepted=3 duplicates=2 out_of_period=0 billed=3")
        // tokens: 1.5 (a, once) + 2 (b) = 3.5 from 2 events.
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "tokens"),
            ["c_utc pro tokens {} 3.5 ×2"])
        XCTAssertTrue(usage.conflicts.isEmpty)
    }

    func testCopiesAABAreAllThreeConflicts() throws {
        let a = line("k", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"1""#)
        let b = line("k", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"2""#)
        let other = line("z", "c_utc", "tokens", "2026-10-06T10:00:00Z", #""quantity":"7""#)
        let (collector, codes) = try collect(source(0, [a, other, a]) + source(1, [b]))
        // B makes A and its identical copy conflicts too, though they were read first.
        XCTAssertEqual(codes, ["conflict", "accepted", "conflict", "conflict"])
        let usage = collector.finish()
        // lines 4 = accepted 1 (z) + duplicates 0 + rejected 3 (conflict).
        XCTAssertEqual(
            countsText(usage.counts),
            "lines=4 blank=0 accepted=1 duplicates=0 out_of_period=0 billed=1 conflict=3")
        XCTAssertTrue(usage.counts.addsUp)
        // Only z is billed.
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "tokens"),
            ["c_utc pro tokens {} 7 ×1"])
        // Every copy listed in location order with the others' locations.
        let copies = usage.conflicts.map { copy in
            "\(copy.location.source):\(copy.location.line) "
                + copy.others.map { "\($0.source):\($0.line)" }.joined(separator: ",")
        }
        XCTAssertEqual(copies, ["0:1 0:3,1:1", "0:3 0:1,1:1", "1:1 0:1,0:3"])
        XCTAssertEqual(usage.conflicts.map(\.id), ["k", "k", "k"])
        XCTAssertEqual(usage.conflicts.map(\.customer), ["c_utc", "c_utc", "c_utc"])
    }

    func testCopiesABAAreAllConflictsAndTheResultDoesNotDependOnOrder() throws {
        let a = line("k", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"1""#)
        let b = line("k", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"2""#)
        for order in [[a, b, a], [b, a, a], [a, a, b], [b, b, a]] {
            let (collector, _) = try collect(source(0, order))
            let usage = collector.finish()
            XCTAssertEqual(
                countsText(usage.counts),
                "lines=3 blank=0 accepted=0 duplicates=0 out_of_period=0 billed=0 conflict=3")
            XCTAssertEqual(usage.conflicts.count, 3)
            // The ungrouped tokens line stays, at zero.
            XCTAssertEqual(
                summary(usage, customer: "c_utc", charge: "tokens"),
                ["c_utc pro tokens {} 0 ×0"])
        }
    }

    func testContentDifferencesThatMakeAConflict() throws {
        let base = line("k", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"1""#)
        let variants = [
            line("k", "c_utc", "seats", "2026-10-05T10:00:00Z", #""quantity":"1""#),
            line("k", "c_utc", "tokens", "2026-10-05T10:00:00.000000001Z", #""quantity":"1""#),
            line("k", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"1.000000001""#),
            line(
                "k", "c_utc", "tokens", "2026-10-05T10:00:00Z",
                #""quantity":"1","dims":{"a":""}"#),
        ]
        for variant in variants {
            let (_, codes) = try collect(source(0, [base, variant]))
            XCTAssertEqual(codes, ["conflict", "conflict"], variant)
        }
        // Equal dims in another order are the same content.
        let (_, codes) = try collect(
            source(
                0,
                [
                    line(
                        "d", "c_utc", "calls", "2026-10-05T10:00:00Z", #""dims":{"a":"1","b":"2"}"#),
                    line(
                        "d", "c_utc", "calls", "2026-10-05T10:00:00Z", #""dims":{"b":"2","a":"1"}"#),
                ]))
        XCTAssertEqual(codes, ["accepted", "duplicate"])
    }

    func testCountEventWithoutQuantityEqualsOneWithOne() throws {
        let (collector, codes) = try collect(
            source(
                0,
                [
                    line("a", "c_utc", "calls", "2026-10-05T10:00:00Z"),
                    line("a", "c_utc", "calls", "2026-10-05T10:00:00Z", #""quantity":"1""#),
                    line("a", "c_utc", "calls", "2026-10-05T10:00:00Z", #""quantity":1.0"#),
                    line("b", "c_utc", "calls", "2026-10-05T10:00:00Z", #""quantity":"1""#),
                    line("b", "c_utc", "calls", "2026-10-05T10:00:00Z", #""quantity":null"#),
                    // Another quantity is other content: 5 ≠ 1.
                    line("c", "c_utc", "calls", "2026-10-05T10:00:00Z"),
                    line("c", "c_utc", "calls", "2026-10-05T10:00:00Z", #""quantity":"5""#),
                ]))
        XCTAssertEqual(
            codes,
            ["accepted", "duplicate", "duplicate", "accepted", "duplicate", "conflict", "conflict"])
        let usage = collector.finish()
        // count counts events: a and b (c conflicts), whatever their quantity: 2.
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "calls"),
            ["c_utc pro calls {} 2 ×2"])
    }

    func testOutOfPeriodEventsTakePartInDedupe() throws {
        let september = line("s", "c_utc", "tokens", "2026-09-05T10:00:00Z", #""quantity":"1""#)
        let (collector, codes) = try collect(
            source(
                0,
                [
                    september, september,
                    // A copy of an out-of-period key that differs is a conflict; the key is then no
                    // longer out_of_period.
                    line("t", "c_utc", "tokens", "2026-09-05T10:00:00Z", #""quantity":"1""#),
                    line("t", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"1""#),
                    // ...also when the in-period copy comes first.
                    line("u", "c_utc", "tokens", "2026-10-05T10:00:00Z", #""quantity":"1""#),
                    line("u", "c_utc", "tokens", "2026-11-05T10:00:00Z", #""quantity":"1""#),
                ]))
        XCTAssertEqual(
            codes, ["accepted", "duplicate", "conflict", "conflict", "conflict", "conflict"])
        let usage = collector.finish()
        // 6 lines = accepted 1 (s, out of period) + duplicate 1 + conflict 4; billed 0.
        XCTAssertEqual(
            countsText(usage.counts),
            "lines=6 blank=0 accepted=1 duplicates=1 out_of_period=1 billed=0 conflict=4")
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "tokens"),
            ["c_utc pro tokens {} 0 ×0"])
    }

    func testRejectedLinesDoNotTakePartInDedupe() throws {
        let (_, codes) = try collect(
            source(
                0,
                [
                    line("k", "c_late", "calls", "2026-10-20T00:00:00Z"),
                    // Same key, differing, but rejected for no_subscription: no conflict.
                    line("k", "c_late", "calls", "2026-10-02T00:00:00Z"),
                    line("k", "c_late", "tokens", "2026-10-20T00:00:00Z"),
                ]))
        XCTAssertEqual(codes, ["accepted", "no_subscription", "missing_field"])
    }

    // MARK: Periods in time zones

    func testBerlinPeriodBoundsAreLocalMidnights() throws {
        // October 2026 in Europe/Berlin: 2026-10-01T00:00+02:00 = 2026-09-30T22:00:00Z to
        // 2026-11-01T00:00+01:00 (DST ended on 2026-10-25) = 2026-10-31T23:00:00Z, half-open.
        let (collector, codes) = try collect(
            source(
                0,
                [
                    line("1", "c_berlin", "calls", "2026-09-30T21:59:59.999999999Z"),
                    line("2", "c_berlin", "calls", "2026-09-30T22:00:00Z"),
                    line("3", "c_berlin", "calls", "2026-10-25T01:30:00Z"),
                    line("4", "c_berlin", "calls", "2026-10-31T22:59:59.999999999Z"),
                    line("5", "c_berlin", "calls", "2026-10-31T23:00:00Z"),
                    line("6", "c_berlin", "calls", "2026-11-01T00:30:00+01:00"),
                ]))
        XCTAssertEqual(codes, Array(repeating: "accepted", count: 6))
        let usage = collector.finish()
        // Events 2, 3, 4 are billed; 1, 5, 6 are out of period.
        XCTAssertEqual(
            countsText(usage.counts),
            "lines=6 blank=0 accepted=6 duplicates=0 out_of_period=3 billed=3")
        XCTAssertEqual(
            summary(usage, customer: "c_berlin", charge: "calls"),
            ["c_berlin basic calls {} 3 ×3"])
        let period = customers.first { $0.id == "c_berlin" }!
            .billingPeriod(startingIn: YearMonth(year: 2026, month: 10)!)
        XCTAssertEqual(period.startText, "2026-10-01T00:00:00+02:00")
        XCTAssertEqual(period.endText, "2026-11-01T00:00:00+01:00")
    }

    func testAnchorDay31InFebruary() throws {
        // anchor_day 31 in February 2027 clamps to the 28th; the period ends on March 31.
        let (collector, _) = try collect(
            source(
                0,
                [
                    line("1", "c_anchor", "calls", "2027-02-27T23:59:59Z"),
                    line("2", "c_anchor", "calls", "2027-02-28T00:00:00Z"),
                    line("3", "c_anchor", "calls", "2027-03-30T23:59:59Z"),
                    line("4", "c_anchor", "calls", "2027-03-31T00:00:00Z"),
                ]), month: "2027-02")
        let usage = collector.finish()
        XCTAssertEqual(
            countsText(usage.counts),
            "lines=4 blank=0 accepted=4 duplicates=0 out_of_period=2 billed=2")
        XCTAssertEqual(
            summary(usage, customer: "c_anchor", charge: "calls"),
            ["c_anchor basic calls {} 2 ×2"])
        let period = customers.first { $0.id == "c_anchor" }!
            .billingPeriod(startingIn: YearMonth(year: 2027, month: 2)!)
        XCTAssertEqual(period.startText, "2027-02-28T00:00:00Z")
        XCTAssertEqual(period.endText, "2027-03-31T00:00:00Z")
        XCTAssertEqual(period.dayCount, 31)
    }

    func testPlanChangeMidPeriodRatesEachEventUnderItsPlan() throws {
        // c_switch (Europe/Berlin): basic until 2026-10-15 local, pro from then;
        // 2026-10-15T00:00+02:00 = 2026-10-14T22:00:00Z.
        let (collector, _) = try collect(
            source(
                0,
                [
                    line("1", "c_switch", "calls", "2026-10-01T10:00:00Z"),
                    line("2", "c_switch", "calls", "2026-10-14T21:59:59Z"),
                    line("3", "c_switch", "calls", "2026-10-14T22:00:00Z"),
                    line("4", "c_switch", "calls", "2026-10-20T00:00:00Z"),
                    line("5", "c_switch", "calls", "2026-10-21T00:00:00Z"),
                    // tokens exist only in pro; before the switch there is no charge for them.
                    line("6", "c_switch", "tokens", "2026-10-02T00:00:00Z", #""quantity":"9""#),
                    line("7", "c_switch", "tokens", "2026-10-16T00:00:00Z", #""quantity":"4""#),
                ]))
        let usage = collector.finish()
        XCTAssertEqual(
            summary(usage, customer: "c_switch", charge: "calls"),
            [
                "c_switch basic calls {} 2 ×2",
                "c_switch pro calls {} 3 ×3",
            ])
        XCTAssertEqual(
            summary(usage, customer: "c_switch", charge: "tokens"),
            ["c_switch pro tokens {} 4 ×1"])
        // All seven were accepted and billed (event 6 feeds no charge of basic).
        XCTAssertEqual(usage.counts.billed, 7)
    }

    // MARK: Aggregations

    func testAggregations() throws {
        let (collector, _) = try collect(
            source(
                0,
                [
                    line(
                        "s1", "c_utc", "tokens", "2026-10-02T00:00:00Z",
                        #""quantity":"0.000000001""#),
                    line(
                        "s2", "c_utc", "tokens", "2026-10-03T00:00:00Z",
                        #""quantity":"99999999999""#),
                    line("m1", "c_utc", "seats", "2026-10-02T00:00:00Z", #""quantity":"3""#),
                    line("m2", "c_utc", "seats", "2026-10-03T00:00:00Z", #""quantity":"12.5""#),
                    line("m3", "c_utc", "seats", "2026-10-04T00:00:00Z", #""quantity":"0""#),
                    line("n1", "c_utc", "floor", "2026-10-02T00:00:00Z", #""quantity":"3""#),
                    line("n2", "c_utc", "floor", "2026-10-03T00:00:00Z", #""quantity":"0.5""#),
                    line("n3", "c_utc", "floor", "2026-10-04T00:00:00Z", #""quantity":"8""#),
                ]))
        let usage = collector.finish()
        // sum: 0.000000001 + 99999999999 = 99999999999.000000001.
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "tokens"),
            ["c_utc pro tokens {} 99999999999.000000001 ×2"])
        // max of 3, 12.5, 0; min of 3, 0.5, 8.
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "seats"),
            ["c_utc pro seats {} 12.5 ×3"])
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "floor"),
            ["c_utc pro floor {} 0.5 ×3"])
    }

    func testLatestByInstantThenID() throws {
        let events = [
            // The latest instant is 2026-10-20T00:00:00Z (two events in other offsets); between
            // ids "b" and "a" there, "b" is later bytewise: its quantity 5 wins.
            line("b", "c_utc", "balance", "2026-10-20T02:00:00+02:00", #""quantity":"5""#),
            line("a", "c_utc", "balance", "2026-10-19T19:00:00-05:00", #""quantity":"7""#),
            // Earlier instant, larger id: loses.
            line("z", "c_utc", "balance", "2026-10-19T23:59:59.999999999Z", #""quantity":"9""#),
            // "B" (0x42) sorts before "a": loses the tie too.
            line("B", "c_utc", "balance", "2026-10-20T00:00:00Z", #""quantity":"11""#),
        ]
        for order in [events, events.reversed(), [events[2], events[0], events[3], events[1]]] {
            let (collector, _) = try collect(source(0, order))
            let usage = collector.finish()
            XCTAssertEqual(
                summary(usage, customer: "c_utc", charge: "balance"),
                ["c_utc pro balance {} 5 ×4"])
        }
    }

    func testUniqueCountIgnoresEmptyAndMissingValues() throws {
        let (collector, _) = try collect(
            source(
                0,
                [
                    line("1", "c_utc", "users", "2026-10-02T00:00:00Z", #""dims":{"user":"u1"}"#),
                    line("2", "c_utc", "users", "2026-10-02T00:00:00Z", #""dims":{"user":"u2"}"#),
                    line("3", "c_utc", "users", "2026-10-02T00:00:00Z", #""dims":{"user":"u1"}"#),
                    line("4", "c_utc", "users", "2026-10-02T00:00:00Z", #""dims":{"user":""}"#),
                    line("5", "c_utc", "users", "2026-10-02T00:00:00Z", #""dims":{"other":"u3"}"#),
                    line("6", "c_utc", "users", "2026-10-02T00:00:00Z"),
                    // Case matters: "U1" is another value.
                    line("7", "c_utc", "users", "2026-10-02T00:00:00Z", #""dims":{"user":"U1"}"#),
                ]))
        let usage = collector.finish()
        // Distinct non-empty values: u1, u2, U1 = 3, from 7 events.
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "users"),
            ["c_utc pro users {} 3 ×7"])
    }

    func testFilterAndGroupByWithMissingValue() throws {
        let (collector, _) = try collect(
            source(
                0,
                [
                    line(
                        "1", "c_utc", "tokens", "2026-10-02T00:00:00Z",
                        #""quantity":"1","dims":{"region":"eu-west-1","model":"m-large"}"#),
                    line(
                        "2", "c_utc", "tokens", "2026-10-02T00:00:00Z",
                        #""quantity":"2","dims":{"region":"eu-central-1","model":"m-large"}"#),
                    // No model: grouped under "".
                    line(
                        "3", "c_utc", "tokens", "2026-10-02T00:00:00Z",
                        #""quantity":"4","dims":{"region":"eu-west-1"}"#),
                    // Filtered out: another region, no region, empty region.
                    line(
                        "4", "c_utc", "tokens", "2026-10-02T00:00:00Z",
                        #""quantity":"8","dims":{"region":"us-east-1","model":"m-large"}"#),
                    line(
                        "5", "c_utc", "tokens", "2026-10-02T00:00:00Z",
                        #""quantity":"16","dims":{"model":"m-small"}"#),
                    line(
                        "6", "c_utc", "tokens", "2026-10-02T00:00:00Z",
                        #""quantity":"32","dims":{"region":"","model":"m-small"}"#),
                    line(
                        "7", "c_utc", "tokens", "2026-10-02T00:00:00Z",
                        #""quantity":"64","dims":{"region":"eu-west-1","model":"m-small"}"#),
                ]))
        let usage = collector.finish()
        // tokens_eu: "" ← 4; m-large ← 1 + 2 = 3; m-small ← 64. Groups sorted bytewise.
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "tokens_eu"),
            [
                "c_utc pro tokens_eu {model=} 4 ×1",
                "c_utc pro tokens_eu {model=m-large} 3 ×2",
                "c_utc pro tokens_eu {model=m-small} 64 ×1",
            ])
        // The unfiltered charge sees all: 1+2+4+8+16+32+64 = 127.
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "tokens"),
            ["c_utc pro tokens {} 127 ×7"])
    }

    func testZeroUsageLinesForEveryActivePlan() throws {
        let (collector, _) = try collect([])
        let usage = collector.finish()
        // Every ungrouped usage charge of each plan active in October 2026, at 0 and 0 events;
        // tokens_eu (grouped) has no line. c_switch has both plans; c_late has basic from the
        // 15th. Sorted by customer, plan, charge (bytewise: "c_anchor" < "c_berlin" < "c_late"
        // < "c_switch" < "c_utc").
        XCTAssertEqual(
            summary(usage),
            [
                "c_anchor basic calls {} 0 ×0",
                "c_berlin basic calls {} 0 ×0",
                "c_late basic calls {} 0 ×0",
                "c_switch basic calls {} 0 ×0",
                "c_switch pro balance {} 0 ×0",
                "c_switch pro calls {} 0 ×0",
                "c_switch pro floor {} 0 ×0",
                "c_switch pro seats {} 0 ×0",
                "c_switch pro tokens {} 0 ×0",
                "c_switch pro users {} 0 ×0",
                "c_utc pro balance {} 0 ×0",
                "c_utc pro calls {} 0 ×0",
                "c_utc pro floor {} 0 ×0",
                "c_utc pro seats {} 0 ×0",
                "c_utc pro tokens {} 0 ×0",
                "c_utc pro users {} 0 ×0",
            ])
        XCTAssertEqual(
            countsText(usage.counts),
            "lines=0 blank=0 accepted=0 duplicates=0 out_of_period=0 billed=0")
    }

    func testNoZeroUsageLineForAPlanNotActiveInThePeriod() throws {
        // In September 2026, c_late (from 2026-10-15) has no plan and c_switch only basic.
        let (collector, _) = try collect([], month: "2026-09")
        let usage = collector.finish()
        XCTAssertFalse(summary(usage).contains { $0.hasPrefix("c_late ") })
        XCTAssertEqual(
            summary(usage).filter { $0.hasPrefix("c_switch ") },
            ["c_switch basic calls {} 0 ×0"])
    }

    func testResultDoesNotDependOnLineOrder() throws {
        var lines: [String] = []
        for index in 0..<60 {
            let customer = ["c_utc", "c_switch", "c_berlin"][index % 3]
            let meter = ["calls", "tokens", "balance"][index % 5 % 3]
            let day = 1 + index % 28
            let ts = "2026-10-\(day < 10 ? "0" : "")\(day)T0\(index % 10):00:00Z"
            lines.append(line("id\(index % 40)", customer, meter, ts, #""quantity":"\#(index)""#))
        }
        var generator = SeededGenerator(seed: 20_261_001)
        let (first, _) = try collect(source(0, lines))
        let reference = first.finish()
        for round in 0..<5 {
            let shuffled = lines.shuffled(using: &generator)
            let (collector, _) = try collect(source(0, shuffled))
            let usage = collector.finish()
            XCTAssertEqual(summary(usage), summary(reference), "round \(round), seed 20261001")
            XCTAssertEqual(usage.counts, reference.counts)
            XCTAssertEqual(usage.conflicts.count, reference.conflicts.count)
        }
    }

    // MARK: Spilling

    /// Seeded lines over every aggregation, five customers (two time zones, a plan change),
    /// repeated ids with identical and differing copies (three-copy conflicts across sources),
    /// out-of-period and uncovered events, dims in both orders, rejects and blanks.
    func mixedLines(seed: UInt64, count: Int) -> [Line] {
        var random = SeededGenerator(seed: seed)
        let customers = ["c_utc", "c_berlin", "c_anchor", "c_switch", "c_late", "nobody"]
        let meters = ["calls", "tokens", "seats", "floor", "balance", "users", "nope"]
        let regions = ["eu-west-1", "eu-central-1", "us-east-1"]
        var lines: [Line] = []
        for index in 0..<count {
            let source = Int32(index % 3)
            let customer = customers[Int(random.next() % UInt64(customers.count))]
            let meter = meters[Int(random.next() % UInt64(meters.count))]
            // Days from 28 September to 3 November: some out of period, some before c_late's plan.
            let day = Int(random.next() % 37)
            let month = day < 3 ? "09" : day < 34 ? "10" : "11"
            let dayOfMonth = day < 3 ? 28 + day : day < 34 ? day - 2 : day - 33
            let ts =
                "2026-\(month)-\(dayOfMonth < 10 ? "0" : "")\(dayOfMonth)T"
                + "\(random.next() % 2 == 0 ? "00:30:00Z" : "23:59:59.5+01:00")"
            let id = "e\(random.next() % UInt64(count / 2 + 1))"
            let quantity = "\(random.next() % 1000).\(random.next() % 10)"
            let region = regions[Int(random.next() % 3)]
            let dims =
                random.next() % 2 == 0
                ? #"{"region":"\#(region)","model":"m\#(random.next() % 3)","user":"u\#(random.next() % 4)"}"#
                : #"{"user":"u\#(random.next() % 4)","region":"\#(region)"}"#
            switch random.next() % 40 {
            case 0: lines.append(Line(source: source, number: 0, text: ""))
            case 1: lines.append(Line(source: source, number: 0, text: "{not json"))
            case 2 where !lines.isEmpty:
                // An exact copy of an earlier line, maybe in another source.
                let earlier = lines[Int(random.next() % UInt64(lines.count))]
                lines.append(Line(source: source, number: 0, text: earlier.text))
            default:
                lines.append(
                    Line(
                        source: source, number: 0,
                        text: line(
                            id, customer, meter, ts, #""quantity":"\#(quantity)","dims":\#(dims)"#))
                )
            }
        }
        // Number the lines within their source.
        var next: [Int32: Int64] = [:]
        return lines.map { line in
            next[line.source, default: 0] += 1
            return Line(source: line.source, number: next[line.source]!, text: line.text)
        }
    }

    func testSpillingAndPartitionCountsGiveTheSameResult() throws {
        let lines = mixedLines(seed: 42, count: 3000)
        let (reference, _) = try collect(lines)
        let expected = reference.finish()
        // The data exercises what it should.
        XCTAssertGreaterThan(expected.counts.duplicates, 20)
        XCTAssertGreaterThan(expected.counts.rejected[.conflict]!, 100)
        XCTAssertGreaterThan(expected.counts.outOfPeriod, 20)
        XCTAssertGreaterThan(expected.aggregates.count, 15)
        XCTAssertTrue(expected.conflicts.contains { $0.others.count >= 2 })
        let runs = [
            (1, 1, 1), (1, 7, 2), (4096, 64, 2), (1 << 30, 1, 2), (1 << 30, 3, 3), (1 << 30, 64, 1),
        ]
        for (memory, partitions, threads) in runs {
            var limits = IngestLimits()
            limits.memoryBytes = memory
            limits.partitionCount = partitions
            limits.finishThreads = threads
            let (run, _) = try collect(lines, limits: limits)
            let usage = run.finish()
            let label = "memory \(memory), partitions \(partitions), threads \(threads)"
            XCTAssertEqual(summary(usage), summary(expected), label)
            XCTAssertEqual(usage.counts, expected.counts, label)
            XCTAssertEqual(
                usage.conflicts.map { "\($0.location) \($0.others) \($0.customer) \($0.id)" },
                expected.conflicts.map { "\($0.location) \($0.others) \($0.customer) \($0.id)" },
                label)
        }
    }

    /// Issue 9: admitted events kept on a thread of their own (`intakeThreads` 2, as `rate`
    /// runs) give the same result as one thread, whatever the hand-over block size, memory
    /// limit, partitions and finishing threads.
    func testKeepingThreadGivesTheSameResult() throws {
        let lines = mixedLines(seed: 42, count: 3000)
        let (reference, _) = try collect(lines)
        let expected = reference.finish()
        // (memory, partitions, finishing threads, hand-over block bytes): blocks of one event
        // (an entry larger than the block grows it), of a few events, and of all of them.
        let runs = [
            (1, 1, 1, 8), (1, 7, 2, 300), (4096, 64, 2, 1000), (1 << 30, 3, 2, 1 << 20),
            (1 << 30, 256, 1, 4096),
        ]
        for (memory, partitions, threads, blockBytes) in runs {
            var limits = IngestLimits()
            limits.memoryBytes = memory
            limits.partitionCount = partitions
            limits.finishThreads = threads
            limits.intakeThreads = 2
            limits.handOverBlockBytes = blockBytes
            let (run, codes) = try collect(lines, limits: limits)
            let usage = run.finish()
            let label = "memory \(memory), partitions \(partitions), threads \(threads), "
                + "block \(blockBytes)"
            XCTAssertEqual(summary(usage), summary(expected), label)
            XCTAssertEqual(usage.counts, expected.counts, label)
            XCTAssertEqual(
                usage.conflicts.map { "\($0.location) \($0.others) \($0.customer) \($0.id)" },
                expected.conflicts.map { "\($0.location) \($0.others) \($0.customer) \($0.id)" },
                label)
            XCTAssertEqual(codes, try collect(lines).1, label)
        }
    }

    /// A spill file that cannot be written on the keeping thread fails `finish` with the error
    /// one thread throws.
    func testKeepingThreadReportsASpillFailure() throws {
        let lines = mixedLines(seed: 7, count: 500)
        var failures: [String] = []
        for threads in [1, 2] {
            var limits = IngestLimits()
            limits.memoryBytes = 1
            limits.spillFolder = "/nonexistent-ratebook-spill"
            limits.intakeThreads = threads
            limits.handOverBlockBytes = 512
            do {
                _ = try collect(lines, limits: limits)
                XCTFail("threads \(threads): no failure")
            } catch {
                failures.append("\(error)")
            }
        }
        XCTAssertEqual(failures.count, 2)
        XCTAssertEqual(failures.first, failures.last)
        XCTAssertTrue(
            failures[0].hasPrefix("cannot create a spill file in /nonexistent-ratebook-spill"),
            failures[0])
    }

    func testTinyMemoryLimitSpills() throws {
        var limits = IngestLimits()
        limits.memoryBytes = 1
        let ingest = UsageIngest(
            catalog: catalog, customers: customers, month: try XCTUnwrap(YearMonth("2026-10")),
            limits: limits)
        XCTAssertFalse(ingest.isSpilling)
        let event = UsageEvent(
            id: "a", customer: "c_utc", meter: "calls",
            instant: Instant(secondsSinceEpoch: 1_791_158_400), quantityNanos: nil, dims: [])
        _ = try ingest.add(event, at: LineLocation(source: 0, line: 1))
        XCTAssertTrue(ingest.isSpilling)
        let usage = try ingest.finish()
        XCTAssertEqual(
            summary(usage, customer: "c_utc", charge: "calls"), ["c_utc pro calls {} 1 ×1"])
    }

    func testMemoryLimitText() {
        XCTAssertEqual(IngestLimits.bytes("1G"), 1 << 30)
        XCTAssertEqual(IngestLimits.bytes("256M"), 256 << 20)
        XCTAssertEqual(IngestLimits.bytes("256MiB"), 256 << 20)
        XCTAssertEqual(IngestLimits.bytes("512k"), 512 << 10)
        XCTAssertEqual(IngestLimits.bytes("1048576"), 1_048_576)
        for bad in ["", "0", "-1", "1.5G", "G", "1X", "999999999999999999G", "1 G"] {
            XCTAssertNil(IngestLimits.bytes(bad), bad)
        }
    }
}

/// A small deterministic generator (SplitMix64) so shuffles are reproducible from the seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

import Formats
import Foundation
import Pricing
import XCTest

@testable import Ingest

/// SPEC §13.1 and §13.5: events that carry their price (`carries_amount`), through both event
/// readers (the in-place scanner and the strict parser), admission, dedupe and aggregation.
final class EventAmountTests: XCTestCase {
    static let catalogText = """
        version: 1
        currency: USD
        meters:
          llm: { aggregation: count, carries_amount: true }
          gpu: { aggregation: sum, carries_amount: true }
          calls: { aggregation: count }
        plans:
          pro:
            charges:
              - { key: llm, meter: llm, model: dynamic, markup: "1.2" }
              - key: llm_eu
                meter: llm
                model: dynamic
                group_by: [model]
                filter: { region: [eu] }
              - { key: gpu, meter: gpu, model: dynamic }
              - { key: calls, meter: calls, model: per_unit, unit_price: "0.01" }
        """

    static let customersText = """
        customers:
          c1:
            subscriptions: [{ plan: pro, start: 2026-01-01 }]
        """

    var catalog: Catalog!
    var customers: [Customer]!

    override func setUpWithError() throws {
        catalog = try CatalogLoader.load(text: Self.catalogText, file: "catalog.yaml")
        customers = try CustomersLoader.load(
            text: Self.customersText, file: "customers.yaml", catalog: catalog,
            zones: TimeZoneDirectory())
    }

    /// An event line of `meter` with `extra` members appended (`"amount":"1.5"`).
    func line(
        _ id: String, _ meter: String, _ extra: String = "", customer: String = "c1",
        ts: String = "2026-10-05T10:00:00Z"
    ) -> String {
        let tail = extra.isEmpty ? "" : "," + extra
        return #"{"id":"\#(id)","customer":"\#(customer)","meter":"\#(meter)","ts":"\#(ts)""#
            + tail + "}"
    }

    /// Each line's outcome (`admitted` or `reason: detail`) and the finished usage, through
    /// `LineIntake` (the scanner where it can, the parser otherwise) when `fast`, else through
    /// the parser alone, under `limits`.
    func run(
        _ lines: [String], fast: Bool, limits: IngestLimits = IngestLimits()
    ) throws -> (outcomes: [String], usage: CollectedUsage) {
        let ingest = UsageIngest(
            catalog: catalog, customers: customers, month: try XCTUnwrap(YearMonth("2026-10")),
            limits: limits)
        var intake = LineIntake(ingest: ingest, lineBytesMax: 1 << 20)
        var outcomes: [String] = []
        for (index, text) in lines.enumerated() {
            let location = LineLocation(source: 0, line: Int64(index + 1))
            let bytes = Array(text.utf8)
            if fast {
                let rejected = try bytes.withUnsafeBytes {
                    try intake.take($0, isTooLong: false, at: location)
                }
                outcomes.append(
                    rejected.map { "\($0.reason.rawValue): \($0.detail)" } ?? "admitted")
                continue
            }
            switch bytes.withUnsafeBytes({ EventLineParser().parse($0) }) {
            case .blank: outcomes.append("blank")
            case .rejected(let reason, let detail):
                ingest.addRejected(reason)
                outcomes.append("\(reason.rawValue): \(detail)")
            case .event(let event):
                switch try ingest.add(event, at: location) {
                case .admitted: outcomes.append("admitted")
                case .rejected(let reason, let detail):
                    outcomes.append("\(reason.rawValue): \(detail)")
                }
            }
        }
        return (outcomes, try ingest.finish())
    }

    /// `charge {group} quantity ×events amount`, one per aggregate (amount `-` when none).
    func summary(_ usage: CollectedUsage) -> [String] {
        usage.aggregates.map { aggregate in
            let group = aggregate.group.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return "\(aggregate.charge) {\(group)} \(aggregate.quantity) ×\(aggregate.events) "
                + (aggregate.amount.map(\.description) ?? "-")
        }
    }

    // MARK: Checks and reason codes

    func testAmountChecksTheirOrderAndReasonsOnBothReaders() throws {
        let lines = [
            // 1: absent on a carries_amount meter: missing_field, before unknown_customer.
            line("e1", "llm", customer: "nobody"),
            // 2: null is absent.
            line("e2", "llm", #""amount":null"#),
            // 3: the quantity's missing_field comes first on a sum meter.
            line("e3", "gpu"),
            // 4–6: neither a string nor a number.
            line("e4", "llm", #""amount":{"usd":1}"#),
            line("e5", "llm", #""amount":true"#),
            line("e6", "llm", #""amount":[1]"#),
            // 7, 8: not a decimal.
            line("e7", "llm", #""amount":"1,50""#),
            line("e8", "llm", #""amount":"""#),
            // 9, 10: negative, as a string and a number.
            line("e9", "llm", #""amount":"-0.01""#),
            line("e10", "llm", #""amount":-1"#),
            // 11: 13 fractional digits by value.
            line("e11", "llm", #""amount":"0.0000000000001""#),
            // 12: 21 integer digits; 13: 1e20 has 21 too (as a number).
            line("e12", "llm", #""amount":"100000000000000000000""#),
            line("e13", "llm", #""amount":1e20"#),
            // 14: an unknown customer with a valid amount: unknown_customer.
            line("e14", "llm", #""amount":"1""#, customer: "nobody"),
            // 15: the quantity's own checks come before the amount's.
            line("e15", "gpu", #""quantity":"x","amount":"-1""#),
            // 16–20 pass: 12 fractional digits; 13 written but the value has 12 (trailing
            // zero); 20 integer digits; "-0" is 0; a number with exponent 1.5e-3 = 0.0015.
            line("e16", "llm", #""amount":"0.000000000001""#),
            line("e17", "llm", #""amount":"0.0000000000010""#),
            line("e18", "llm", #""amount":"99999999999999999999""#),
            line("e19", "llm", #""amount":"-0""#),
            line("e20", "llm", #""amount":1.5e-3"#),
            // 21, 22: on a meter without carries_amount the amount is ignored, whatever it is.
            line("e21", "calls", #""amount":{"bad":true}"#),
            line("e22", "calls", #""amount":"-5""#),
        ]
        let expected = [
            #"missing_field: missing field "amount" (meter "llm" carries amounts)"#,
            #"missing_field: missing field "amount" (meter "llm" carries amounts)"#,
            #"missing_field: missing field "quantity" (meter "gpu" aggregates sum)"#,
            #"invalid_amount: "amount" must be a string or a number, not an object"#,
            #"invalid_amount: "amount" must be a string or a number, not a boolean"#,
            #"invalid_amount: "amount" must be a string or a number, not an array"#,
            #"invalid_amount: amount "1,50" is not a decimal number"#,
            #"invalid_amount: amount "" is not a decimal number"#,
            #"negative_amount: amount "-0.01" is negative"#,
            #"negative_amount: amount "-1" is negative"#,
            #"amount_precision: amount "0.0000000000001" has more than 20 integer or 12 "#
                + "fractional digits",
            #"amount_precision: amount "100000000000000000000" has more than 20 integer or "#
                + "12 fractional digits",
            #"amount_precision: amount "1e20" has more than 20 integer or 12 fractional digits"#,
            #"unknown_customer: customer "nobody" is not in the customers file"#,
            #"invalid_quantity: quantity "x" is not a decimal number"#,
            "admitted", "admitted", "admitted", "admitted", "admitted", "admitted", "admitted",
        ]
        for fast in [true, false] {
            let (outcomes, usage) = try run(lines, fast: fast)
            XCTAssertEqual(outcomes, expected, "fast: \(fast)")
            // 22 lines = 7 accepted + 15 rejected: missing_field 3, invalid_amount 5,
            // negative_amount 2, amount_precision 3, unknown_customer 1, invalid_quantity 1.
            let counts = usage.counts
            XCTAssertEqual(counts.lines, 22)
            XCTAssertEqual(counts.accepted, 7)
            XCTAssertEqual(counts.rejected[.missingField], 3)
            XCTAssertEqual(counts.rejected[.invalidAmount], 5)
            XCTAssertEqual(counts.rejected[.negativeAmount], 2)
            XCTAssertEqual(counts.rejected[.amountPrecision], 3)
            XCTAssertTrue(counts.addsUp)
            // llm (markup line, all llm events): e16 0.000000000001 + e17 0.000000000001
            // + e18 99999999999999999999 + e19 0 + e20 0.0015 = 99999999999999999999.001500000002.
            // gpu and llm_eu saw nothing (no gpu event passed; no event has region eu).
            XCTAssertEqual(
                summary(usage),
                [
                    "calls {} 2 ×2 -", "gpu {} 0 ×0 0",
                    "llm {} 5 ×5 99999999999999999999.001500000002",
                ], "fast: \(fast)")
        }
    }

    func testTheScannerReadsPlainAmountsInPlace() throws {
        var scanner = EventScanner()
        var event = ScannedEvent()
        let cases: [(String, AmountInput.Kind, String?)] = [
            (line("a", "llm", #""amount":"1.50""#), .text, "1.50"),
            (line("a", "llm", #""amount": 0.25 "#), .text, "0.25"),
            (line("a", "llm", #""amount":-2"#), .text, "-2"),
            (line("a", "llm", #""amount":null"#), .null, nil),
            (line("a", "llm"), .absent, nil),
        ]
        for (text, kind, amount) in cases {
            let bytes = Array(text.utf8)
            let scanned = bytes.withUnsafeBytes { line in
                scanner.scan(line, into: &event)
            }
            XCTAssertTrue(scanned, text)
            XCTAssertEqual(event.amountKind, kind, text)
            if let amount {
                let read = bytes.withUnsafeBytes {
                    String(decoding: event.amountText.bytes(in: $0), as: UTF8.self)
                }
                XCTAssertEqual(read, amount, text)
            }
        }
        // Values the parser must decide (other types, escapes, a repeated key) fall back.
        for text in [
            line("a", "llm", #""amount":{"x":1}"#), line("a", "llm", #""amount":"\u0031""#),
            line("a", "llm", #""amount":"1","amount":"2""#), line("a", "llm", #""amount":true"#),
        ] {
            let scanned = Array(text.utf8).withUnsafeBytes { scanner.scan($0, into: &event) }
            XCTAssertFalse(scanned, text)
        }
        // An escaped string reads like a quantity string: "\u0031" is "1" (parser path).
        let (outcomes, usage) = try run(
            [line("u", "llm", #""amount":"\u0031.5""#)], fast: true)
        XCTAssertEqual(outcomes, ["admitted"])
        XCTAssertEqual(summary(usage).last, "llm {} 1 ×1 1.5")
    }

    // MARK: Dedupe

    func testTheAmountIsPartOfAnEventsContent() throws {
        let lines = [
            // k1: "1.50" and 1.5 are the same amount: a duplicate.
            line("k1", "llm", #""amount":"1.50""#),
            line("k1", "llm", #""amount":1.5"#),
            // k2: 1.5 and 1.51 differ: both copies are conflicts.
            line("k2", "llm", #""amount":"1.5""#),
            line("k2", "llm", #""amount":"1.51""#),
            // k3: amounts of a meter without carries_amount are not content: a duplicate.
            line("k3", "calls", #""amount":"1""#),
            line("k3", "calls", #""amount":"2""#),
            // k4: same amount, different quantity on a sum meter: a conflict as before.
            line("k4", "gpu", #""quantity":"1","amount":"3""#),
            line("k4", "gpu", #""quantity":"2","amount":"3""#),
            // k5: 1e-12 apart at the last allowed digit: a conflict.
            line("k5", "gpu", #""quantity":"1","amount":"0.000000000001""#),
            line("k5", "gpu", #""quantity":"1","amount":"0.000000000002""#),
        ]
        for fast in [true, false] {
            let (_, usage) = try run(lines, fast: fast)
            // 10 lines = accepted 2 (k1, k3) + duplicates 2 + conflict 6.
            XCTAssertEqual(usage.counts.accepted, 2)
            XCTAssertEqual(usage.counts.duplicates, 2)
            XCTAssertEqual(usage.counts.rejected[.conflict], 6)
            XCTAssertEqual(usage.conflicts.map(\.id), ["k2", "k2", "k4", "k4", "k5", "k5"])
            // Only k1 bills on llm: 1.5 once.
            XCTAssertEqual(
                summary(usage), ["calls {} 1 ×1 -", "gpu {} 0 ×0 0", "llm {} 1 ×1 1.5"],
                "fast: \(fast)")
        }
    }

    // MARK: Aggregation

    func testDynamicChargesSumAmountsWithFilterAndGroups() throws {
        let lines = [
            line("a", "llm", #""amount":"0.0125","dims":{"region":"eu","model":"m-large"}"#),
            line("b", "llm", #""amount":0.5,"dims":{"region":"eu","model":"m-large"}"#),
            line("c", "llm", #""amount":"1.50","dims":{"region":"eu","model":"m-large"}"#),
            line("d", "llm", #""amount":"0.25","dims":{"region":"eu","model":"m-small"}"#),
            line("e", "llm", #""amount":"7","dims":{"region":"us","model":"m-large"}"#),
            line("f", "gpu", #""quantity":"2.5","amount":"0.333333333333""#),
            line("g", "gpu", #""quantity":"1","amount":"0.666666666667""#),
            // Out of period: not summed.
            line("h", "llm", #""amount":"100""#, ts: "2026-11-01T00:00:00Z"),
        ]
        for fast in [true, false] {
            let (_, usage) = try run(lines, fast: fast)
            // gpu: quantity 2.5 + 1 = 3.5, amounts 0.333333333333 + 0.666666666667 = 1.
            // llm (no filter): 0.0125 + 0.5 + 1.5 + 0.25 + 7 = 9.2625 over 5 events.
            // llm_eu (region eu, by model): m-large 0.0125 + 0.5 + 1.5 = 2.0125 over 3;
            // m-small 0.25 over 1; the us event is filtered out.
            XCTAssertEqual(
                summary(usage),
                [
                    "calls {} 0 ×0 -", "gpu {} 3.5 ×2 1", "llm {} 5 ×5 9.2625",
                    "llm_eu {model=m-large} 3 ×3 2.0125", "llm_eu {model=m-small} 1 ×1 0.25",
                ], "fast: \(fast)")
            XCTAssertEqual(usage.counts.outOfPeriod, 1)
        }
    }

    /// Amounts ride in the partitions' id bytes: the same sums and dedupe whether records stay
    /// in memory, spill at once (`memoryBytes` 1) over few or many partitions, or are kept on
    /// a second thread.
    func testAmountsSurviveSpillingAndTheKeepingThread() throws {
        var lines: [String] = []
        // 300 events, amount i + (i mod 10) × 10⁻¹² (12 fractional digits); every 7th id
        // repeats with the same amount written with a trailing zero (a duplicate), every 50th
        // with another amount (a conflict).
        for index in 1...300 {
            let amount = "\(index).00000000000\(index % 10)"
            lines.append(line("n\(index)", "llm", #""amount":"\#(amount)""#))
            if index % 7 == 0 {
                lines.append(line("n\(index)", "llm", #""amount":"\#(amount)0""#))
            }
            if index % 50 == 0 { lines.append(line("n\(index)", "llm", #""amount":"9""#)) }
        }
        var reference: [String]?
        let settings = [(1 << 30, 256, 1), (1, 3, 1), (1, 256, 2), (64, 1, 2)]
        for (memory, partitions, threads) in settings {
            var limits = IngestLimits()
            limits.memoryBytes = memory
            limits.partitionCount = partitions
            limits.intakeThreads = threads
            limits.handOverBlockBytes = 256
            limits.spillFolder = NSTemporaryDirectory()
            let (_, usage) = try run(lines, fast: true, limits: limits)
            let result =
                summary(usage) + [
                    "accepted=\(usage.counts.accepted) duplicates=\(usage.counts.duplicates) "
                        + "conflict=\(usage.counts.rejected[.conflict] ?? 0)"
                ]
            if let reference {
                XCTAssertEqual(result, reference, "memory \(memory), partitions \(partitions)")
            } else {
                reference = result
            }
        }
        // 300 ids: the 6 multiples of 50 conflict (2 copies each: 12 rejects), 294 are
        // accepted; the 42 multiples of 7 (none also a multiple of 50 below 350) have one
        // duplicate each. Sum: Σ i over 1…300 = 45150, less the multiples of 50 (1050) = 44100;
        // Σ (i mod 10) over 1…300 = 30 × 45 = 1350 (multiples of 50 end in 0), so 1350 × 10⁻¹².
        XCTAssertEqual(
            reference,
            [
                "calls {} 0 ×0 -", "gpu {} 0 ×0 0", "llm {} 294 ×294 44100.00000000135",
                "accepted=294 duplicates=42 conflict=12",
            ])
    }

    /// Two events of 2^126 picos each sum past Int128.max: an `AmountOverflow` naming the line,
    /// like the quantity sum's. (Valid amounts stay below 10³² picos, so the records are made
    /// here: reaching 2^127 with real lines would take about 1.7 million maximal events.)
    func testAmountSumOverflowNamesTheLine() throws {
        let ingest = UsageIngest(
            catalog: catalog, customers: customers, month: try XCTUnwrap(YearMonth("2026-10")))
        let plan = AggregationPlan(catalog: catalog, admission: ingest.admission)
        let states = AggregationStates(plan: plan)
        let dims = DimsTable()
        let noDims = DimsKeyBuilder()
        noDims.reset()
        let dimsNumber = noDims.withBytes { dims.intern($0) }
        let meter = Int32(try XCTUnwrap(ingest.admission.meterKeys.firstIndex(of: "llm")))
        var ids: [UInt8] = []
        var records: [EventRecord] = []
        for (index, id) in ["e1", "e2"].enumerated() {
            let offset = ids.count
            ids += Array(id.utf8)
            StoredAmount.withBytes(Int128(1) << 126) { ids += $0 }
            records.append(
                EventRecord(
                    quantityLow: 1_000_000_000, quantityHigh: 0, seconds: 1_791_158_400,
                    line: Int64(index + 1), idOffset: Int64(offset), customer: 0, meter: meter,
                    dims: dimsNumber, source: 0, nanoseconds: 0, subscription: 0, idLength: 2))
        }
        XCTAssertThrowsError(
            try states.add(survivors: [0, 1], records: records, ids: ids, dims: dims)
        ) { error in
            XCTAssertEqual(
                (error as? AmountOverflow)?.description,
                #"customer "c1", plan "pro", charge "llm": cannot compute the sum of meter "#
                    + #""llm" amounts over 2 events: arithmetic overflow in amount sum: the "#
                    + "value exceeds 38 significant digits; use fewer digits in the prices, "
                    + "rates or amounts involved")
        }
        // One such event alone is no overflow: the sum is 2^126 picos.
        let single = AggregationStates(plan: plan)
        XCTAssertNoThrow(
            try single.add(survivors: [0], records: records, ids: ids, dims: dims))
    }
}

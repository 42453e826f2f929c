import Formats
import Pricing
import XCTest

@testable import Ingest

/// `percentage` charges' per-event state (SPEC §13.2): each event's fee bounded on its own as
/// the events arrive, merged exactly across partitions, workers and spill files.
final class PercentageAggregationTests: XCTestCase {
    static let catalogText = """
        version: 1
        currency: USD
        meters:
          payments: { aggregation: sum }
        plans:
          pro:
            charges:
              - key: cards
                meter: payments
                model: percentage
                rate: "2.9"
                fixed_fee: "0.30"
                event_minimum: "0.50"
                event_maximum: "1.50"
              - { key: plain, meter: payments, model: per_unit, unit_price: "1" }
        """

    /// The aggregates of `events` (quantities in cents) of customer `c1`, under `limits`.
    func collect(
        _ cents: [Int128], catalogText: String = PercentageAggregationTests.catalogText,
        limits: IngestLimits = IngestLimits()
    ) throws -> CollectedUsage {
        let catalog = try CatalogLoader.load(text: catalogText, file: "catalog.yaml")
        let customers = try CustomersLoader.load(
            text: "customers:\n  c1:\n    subscriptions: [{ plan: pro, start: 2026-01-01 }]\n",
            file: "customers.yaml", catalog: catalog, zones: TimeZoneDirectory())
        let ingest = UsageIngest(
            catalog: catalog, customers: customers, month: try XCTUnwrap(YearMonth("2026-10")),
            limits: limits)
        // 2026-10-05T00:00:00Z.
        let instant = Instant(secondsSinceEpoch: 1_791_158_400)
        for (index, amount) in cents.enumerated() {
            let event = UsageEvent(
                id: "p\(index)", customer: "c1", meter: "payments", instant: instant,
                quantityNanos: amount * 10_000_000, dims: [])
            guard
                case .admitted = try ingest.add(
                    event, at: LineLocation(source: 0, line: Int64(index + 1)))
            else {
                XCTFail("event \(index) should be admitted")
                continue
            }
        }
        return try ingest.finish()
    }

    func aggregate(_ usage: CollectedUsage, _ charge: String) throws -> UsageAggregate {
        try XCTUnwrap(usage.aggregates.first { $0.charge == charge })
    }

    func testEachEventIsBoundedOnItsOwn() throws {
        // $5 → 0.145 + 0.30 = 0.445, raised by 0.055; $20 → 0.58 + 0.30 = 0.88, untouched;
        // $50 → 1.45 + 0.30 = 1.75, capped by 0.25; $100 → 3.20, capped by 1.70; $6.90 →
        // 0.2001 + 0.30 = 0.5001, just above the minimum: untouched.
        let usage = try collect([500, 2000, 5000, 10000, 690])
        let cards = try aggregate(usage, "cards")
        XCTAssertEqual(cards.events, 5)
        XCTAssertEqual(cards.quantity, try Rational(numerator: 18190, denominator: 100))
        let adjustments = try XCTUnwrap(cards.percentage)
        XCTAssertEqual(adjustments.raisedEvents, 1)
        XCTAssertEqual(adjustments.raisedAmount, try Rational(numerator: 55, denominator: 1000))
        XCTAssertEqual(adjustments.cappedEvents, 2)
        XCTAssertEqual(adjustments.cappedAmount, try Rational(numerator: 195, denominator: 100))
        // Other models carry no per-event state.
        XCTAssertNil(try aggregate(usage, "plain").percentage)
    }

    func testZeroEventsHaveNoAdjustments() throws {
        let cards = try aggregate(try collect([]), "cards")
        XCTAssertEqual(cards.events, 0)
        XCTAssertEqual(cards.percentage, PercentageAdjustments.none)
    }

    /// 1,500 events over partitions and finishing workers, in memory and spilled: the same
    /// figures as adding the events' fees one by one with `Rational` (a reference computed here
    /// independently of the scaled arithmetic).
    func testStatesMergeExactlyAcrossPartitionsWorkersAndSpills() throws {
        let cents = (0..<1500).map { Int128(($0 * 7919) % 6000) }  // $0.00 … $59.99
        var raisedEvents: Int64 = 0
        var cappedEvents: Int64 = 0
        var raised = Rational.zero
        var capped = Rational.zero
        let minimum = try Rational(numerator: 1, denominator: 2)
        let maximum = try Rational(numerator: 3, denominator: 2)
        for amount in cents {
            let fee =
                try Rational(numerator: amount * 29, denominator: 100_000)
                + Rational(numerator: 3, denominator: 10)
            if fee < minimum {
                raisedEvents += 1
                raised = try raised + (minimum - fee)
            } else if maximum < fee {
                cappedEvents += 1
                capped = try capped + (fee - maximum)
            }
        }
        // The data raises and caps many events.
        XCTAssertGreaterThan(raisedEvents, 100)
        XCTAssertGreaterThan(cappedEvents, 100)
        let expected = PercentageAdjustments(
            raisedEvents: raisedEvents, raisedAmount: raised, cappedEvents: cappedEvents,
            cappedAmount: capped)
        for (memory, partitions, threads) in [
            (1 << 30, 1, 1), (1, 1, 1), (1, 7, 2), (4096, 64, 2), (1 << 30, 256, 2),
        ] {
            var limits = IngestLimits()
            limits.memoryBytes = memory
            limits.partitionCount = partitions
            limits.finishThreads = threads
            let cards = try aggregate(try collect(cents, limits: limits), "cards")
            let label = "memory \(memory), partitions \(partitions), threads \(threads)"
            XCTAssertEqual(cards.events, 1500, label)
            XCTAssertEqual(cards.percentage, expected, label)
        }
    }

    /// Each event's fee fits (the catalog checks the largest event), but their capped parts
    /// add up past Int128: an error naming the line, not a trap.
    func testAdjustmentsPastInt128AreAnErrorNamingTheLine() throws {
        // 100% of 10^19 − 0.01 is 10^19 − 0.01: 10^36 − 10^15 at scale 17. Capped to 0, each
        // event adds that to the capped sum: 171 events pass Int128.max ≈ 1.7014 × 10^38 (their
        // quantities, 1.71 × 10^30 billionths, do not).
        let catalog = """
            version: 1
            currency: USD
            meters:
              payments: { aggregation: sum }
            plans:
              pro:
                charges:
                  - { key: fees, meter: payments, model: percentage, rate: "100", event_maximum: 0 }
            """
        let huge: Int128 = 999_999_999_999_999_999_999  // cents: 10^19 − 0.01 dollars
        do {
            _ = try collect(Array(repeating: huge, count: 200), catalogText: catalog)
            XCTFail("the adjustments should overflow")
        } catch let error as AmountOverflow {
            XCTAssertEqual(error.charge, "fees")
            XCTAssertTrue(
                error.description.hasPrefix(
                    #"customer "c1", plan "pro", charge "fees": cannot compute the percentage "#
                        + #"fees (rate 100%, event_maximum 0) of meter "payments" quantities "#
                        + "over "),
                error.description)
        }
    }
}

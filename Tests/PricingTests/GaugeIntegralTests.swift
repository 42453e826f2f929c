import XCTest

@testable import Pricing

/// SPEC §13.3: the integral of a gauge's step function over a customer's spans.
final class GaugeIntegralTests: XCTestCase {
    let unit: Int128 = 1_000_000_000

    func at(_ seconds: Int64, _ nanoseconds: Int32 = 0) -> Instant {
        Instant(secondsSinceEpoch: seconds, nanoseconds: nanoseconds)
    }

    /// Two spans [0, 100) and [100, 300) s. Opening 2; a step to 5 at 50 s, a step to 1 at
    /// 100 s exactly (the second span starts from 1), a step to 4 at 200.5 s, and one at
    /// 300 s (the end: never counted). First span: 2 × 50 + 5 × 50 = 350; second: 1 × 100.5 +
    /// 4 × 99.5 = 498.5. In level-billionths × nanoseconds: × 10^18.
    func testStepsSplitAtSpanBoundaries() throws {
        let steps = [
            GaugeIntegral.Step(instant: at(50), levelNanos: 5 * unit),
            GaugeIntegral.Step(instant: at(100), levelNanos: 1 * unit),
            GaugeIntegral.Step(instant: at(200, 500_000_000), levelNanos: 4 * unit),
            GaugeIntegral.Step(instant: at(300), levelNanos: 1000 * unit),
        ]
        let spans = [
            TimeRange(start: at(0), end: at(100)), TimeRange(start: at(100), end: at(300)),
        ]
        let integrals = try GaugeIntegral.integrate(opening: 2 * unit, steps: steps, spans: spans)
        XCTAssertEqual(integrals, [350 * unit * unit, 498_500_000_000 * unit])
        // 350 level-seconds per minute = 35/6; 498.5 per hour = 997/7200.
        XCTAssertEqual(
            try GaugeIntegral.quantity(integrals[0], per: .minute).description, "35/6")
        XCTAssertEqual(
            try GaugeIntegral.quantity(integrals[1], per: .hour).description, "997/7200")
        XCTAssertEqual(try GaugeIntegral.quantity(integrals[0], per: .second).description, "350")
    }

    /// A gap between spans (no plan): steps in it still set the level of the next span.
    func testAGapBetweenSpansCarriesTheLevel() throws {
        let steps = [GaugeIntegral.Step(instant: at(150), levelNanos: 3 * unit)]
        let spans = [
            TimeRange(start: at(0), end: at(100)), TimeRange(start: at(200), end: at(210)),
        ]
        // 0 × 100 = 0; 3 × 10 = 30.
        XCTAssertEqual(
            try GaugeIntegral.integrate(opening: 0, steps: steps, spans: spans),
            [0, 30 * unit * unit])
    }

    func testOverflowThrows() {
        let huge = GaugeIntegral.Step(instant: at(0), levelNanos: Int128.max / 2)
        XCTAssertThrowsError(
            try GaugeIntegral.integrate(
                opening: 0, steps: [huge], spans: [TimeRange(start: at(0), end: at(10))]))
    }
}

import XCTest

@testable import Pricing

/// A `percentage` line's rows and amount from its events' figures (SPEC §13.2, §13.5), priced
/// by `Rater` as `rate` does. Each expected value is derived by hand beside it.
final class PercentageFeeTests: XCTestCase {
    let usd = Currency(code: "USD", minorUnitDigits: 2)

    func value(_ text: String) -> Rational {
        guard case .success(let parsed) = DecimalText.rational(text) else {
            XCTFail("bad literal \(text)")
            return .zero
        }
        return parsed
    }

    /// The line of one aggregate of a charge with these terms and line bounds.
    func line(
        _ fee: PercentageFee, quantity: String, events: Int64,
        adjustments: PercentageAdjustments = .none, minimum: String? = nil,
        maximum: String? = nil
    ) throws -> RatedLine {
        let charge = UsageCharge(
            key: "cards", meter: "payments", groupBy: [], filter: [], model: .percentage(fee),
            freeQuantity: nil, divideBy: nil, roundQuantity: .none, minimum: minimum.map(value),
            maximum: maximum.map(value))
        let plan = Plan(
            key: "pro", currency: usd, charges: [.usage(charge)], minimumCommitment: nil,
            includedCredits: nil)
        let catalog = Catalog(
            version: 1, seller: nil, currency: usd, rounding: .halfUp, currencies: [:],
            meters: ["payments": Meter(key: "payments", aggregation: .sum, field: nil)],
            plans: ["pro": plan], accounts: AccountNames())
        let aggregate = UsageAggregate(
            customer: "c1", plan: "pro", charge: "cards", group: [], quantity: value(quantity),
            events: events, percentage: adjustments)
        return try Rater(catalog: catalog, month: try XCTUnwrap(YearMonth(year: 2026, month: 10)))
            .usageLine(aggregate)
    }

    /// `quantity unit_price? adjustment? amount` per row.
    func rows(_ line: RatedLine) -> [String] {
        line.tiers.map { row in
            [
                row.quantity.description, row.unitPrice?.description, row.adjustment,
                row.amount.description,
            ].compactMap { $0 }.joined(separator: " ")
        }
    }

    func testRateOnly() throws {
        // 3 events of 12,345.67 in all at 2.9%: 358.02443 → 358.02; one row, no fixed fee.
        let fee = PercentageFee(
            rate: value("2.9"), fixedFee: nil, eventMinimum: nil, eventMaximum: nil)
        let rated = try line(fee, quantity: "12345.67", events: 3)
        XCTAssertEqual(rows(rated), ["12345.67 0.029 358.02443"])
        XCTAssertEqual(rated.amountExact, value("358.02443"))
        XCTAssertEqual(rated.amount.description, "358.02")
        XCTAssertEqual(rated.quantity, value("12345.67"))
        // The line has no unit price on documents, though its one row spans the quantity.
        XCTAssertEqual(rated.unitPrice, value("0.029"))
        XCTAssertNil(rated.unitPrice(charge: .usage(try chargeOf(fee))))
    }

    func chargeOf(_ fee: PercentageFee) throws -> UsageCharge {
        UsageCharge(
            key: "cards", meter: "payments", groupBy: [], filter: [], model: .percentage(fee),
            freeQuantity: nil, divideBy: nil, roundQuantity: .none, minimum: nil, maximum: nil)
    }

    func testFixedFeeZeroStillHasItsRowAndZeroQuantityStillHasTheRateRow() throws {
        // Two events of quantity 0 at 1.5% + 0: a rate row 0 × 0.015 = 0 and a fixed-fee row
        // 2 × 0 = 0 (SPEC §13.5: rows whenever there are events; the fee is set, even "0").
        let fee = PercentageFee(
            rate: value("1.5"), fixedFee: .zero, eventMinimum: nil, eventMaximum: nil)
        let rated = try line(fee, quantity: "0", events: 2)
        XCTAssertEqual(rows(rated), ["0 0.015 0", "2 0 0"])
        XCTAssertEqual(rated.amount.description, "0.00")
    }

    func testAdjustmentRowsAndLineBoundsOnTop() throws {
        // 4 events, 1,000 in all, at 1% + 0.25: 10 + 1 = 11; one event raised by 0.2, two
        // capped by 3.5 in all: 11 + 0.2 − 3.5 = 7.7, then the line maximum 5 → 5.00.
        let fee = PercentageFee(
            rate: value("1"), fixedFee: value("0.25"), eventMinimum: value("0.5"),
            eventMaximum: value("2"))
        let adjustments = PercentageAdjustments(
            raisedEvents: 1, raisedAmount: value("0.2"), cappedEvents: 2,
            cappedAmount: value("3.5"))
        let capped = try line(
            fee, quantity: "1000", events: 4, adjustments: adjustments, maximum: "5")
        XCTAssertEqual(
            rows(capped),
            ["1000 0.01 10", "4 0.25 1", "1 event_minimum 0.2", "2 event_maximum -3.5"])
        XCTAssertEqual(try PriceModels.total(capped.tiers), value("7.7"))
        XCTAssertEqual(capped.amountExact, value("5"))
        // The same with a line minimum of 9: 7.7 → 9.00.
        let raised = try line(
            fee, quantity: "1000", events: 4, adjustments: adjustments, minimum: "9")
        XCTAssertEqual(raised.amountExact, value("9"))
        XCTAssertEqual(raised.amount.description, "9.00")
    }

    func testZeroEventsHaveNoRowsAndTheLineMinimum() throws {
        let fee = PercentageFee(
            rate: value("2.9"), fixedFee: value("0.30"), eventMinimum: value("0.5"),
            eventMaximum: nil)
        let bare = try line(fee, quantity: "0", events: 0)
        XCTAssertEqual(rows(bare), [])
        XCTAssertEqual(bare.amountExact, .zero)
        let floored = try line(fee, quantity: "0", events: 0, minimum: "1.25")
        XCTAssertEqual(rows(floored), [])
        XCTAssertEqual(floored.amount.description, "1.25")
    }

    func testScaledFeesAreExactPerEvent() throws {
        // 2.9% of 12.345 = 0.358005, + 0.30: 0.658005 = 65,800,500,000,000,000 at scale 17.
        let fee = PercentageFee(
            rate: value("2.9"), fixedFee: value("0.30"), eventMinimum: nil, eventMaximum: nil)
        let scaled = try fee.scaled()
        XCTAssertEqual(scaled.fee(quantityNanos: 12_345_000_000), 65_800_500_000_000_000)
        // 0.000001% of 0.000000001 (one billionth) is 10^-17: the scale's last digit.
        let tiny = PercentageFee(
            rate: value("0.000001"), fixedFee: nil, eventMinimum: nil, eventMaximum: nil)
        XCTAssertEqual(try tiny.scaled().fee(quantityNanos: 1), 1)
        // A fee that does not end (only a catalog built in code can hold one) has no exact
        // value at the scale: refused, never rounded.
        let precise = PercentageFee(
            rate: value("1"), fixedFee: try Rational(numerator: 1, denominator: 3),
            eventMinimum: nil, eventMaximum: nil)
        XCTAssertThrowsError(try precise.scaled())
    }
}

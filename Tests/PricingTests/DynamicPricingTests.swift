import XCTest

@testable import Pricing

/// `model: dynamic` (SPEC §13.1, §13.5) rated from usage aggregates built by hand: the sum of
/// the events' amounts times the markup, the line's minimum and maximum, the one breakdown row
/// (also at zero events), rounding once, and an overflow naming the line. October 2026, UTC.
final class DynamicPricingTests: XCTestCase {
    let usd = Currency(code: "USD", minorUnitDigits: 2)

    func value(_ text: String) -> Rational { DecimalText.exact(text)! }

    func dynamic(
        _ key: String, markup: String = "1", groupBy: [String] = [], minimum: String? = nil,
        maximum: String? = nil
    ) -> Charge {
        .usage(
            UsageCharge(
                key: key, meter: "llm", groupBy: groupBy, filter: [],
                model: .dynamic(markup: value(markup)), freeQuantity: nil, divideBy: nil,
                roundQuantity: .none, minimum: minimum.map(value), maximum: maximum.map(value)))
    }

    /// Rates `charges` (plan `pro`, USD) for customer `c1` with `aggregates` of
    /// (charge, group value of `model`, quantity, events, amount sum).
    func rate(
        _ charges: [Charge], _ aggregates: [(String, String?, String, Int64, String)],
        rounding: RoundingRule = .halfUp
    ) throws -> [RatedLine] {
        let plan = Plan(
            key: "pro", currency: usd, charges: charges, minimumCommitment: nil,
            includedCredits: nil)
        let catalog = Catalog(
            version: 1, seller: nil, currency: usd, rounding: rounding, currencies: [:],
            meters: [
                "llm": Meter(key: "llm", aggregation: .count, field: nil, carriesAmount: true)
            ],
            plans: ["pro": plan], accounts: AccountNames())
        let customer = Customer(
            id: "c1", name: nil, address: nil, taxID: nil, timeZone: FixedOffsetZone.utc,
            anchorDay: nil, currency: nil, tax: nil, discounts: [],
            subscriptions: [
                Subscription(
                    plan: "pro", start: CivilDate(year: 2026, month: 1, day: 1)!, end: nil)
            ])
        let usage = aggregates.map { charge, model, quantity, events, amount in
            UsageAggregate(
                customer: "c1", plan: "pro", charge: charge,
                group: model.map { [Dimension(key: "model", value: $0)] } ?? [],
                quantity: value(quantity), events: events, amount: value(amount))
        }
        return try Rater(catalog: catalog, month: YearMonth(year: 2026, month: 10)!)
            .rate(customers: [customer], aggregates: usage).lines
    }

    /// `quantity amount_exact amount [row quantity/markup/amount]` of a line.
    func text(_ line: RatedLine) -> String {
        let rows = line.tiers.map { row in
            "\(row.quantity)/\(row.markup.map(\.description) ?? "-")/\(row.amount)"
                + (row.unitPrice == nil ? "" : "/unit \(row.unitPrice!)")
        }
        let breakdown = rows.joined(separator: " ")
        return "\(line.quantity) \(line.amountExact) \(line.amount) [\(breakdown)]"
    }

    func testAmountIsTheSumTimesTheMarkupRoundedOnce() throws {
        let lines = try rate(
            [dynamic("llm", markup: "1.2"), dynamic("plain"), dynamic("free", markup: "0")],
            [
                // 0.0125 + 0.5 + 1.5 = 2.0125 over 3 events; × 1.2 = 2.415 → 2.42 (half up).
                ("llm", nil, "3", 3, "2.0125"),
                // Markup defaults to 1: 0.004999999999 stays exact, rounds to 0.00.
                ("plain", nil, "2", 2, "0.004999999999"),
                // Markup 0: the costs are passed through free; the row still shows them.
                ("free", nil, "1", 1, "9.99"),
            ])
        XCTAssertEqual(
            lines.map(text),
            [
                "1 0 0.00 [1/0/9.99]", "3 2.415 2.42 [3/1.2/2.0125]",
                "2 0.004999999999 0.00 [2/1/0.004999999999]",
            ])
        // No unit price: the amount is not quantity × one price.
        XCTAssertEqual(lines.map(\.unitPrice), [nil, nil, nil])
        // Rounded once, by the catalog's mode: 2.415 is a tie between 2.41 and 2.42; half even
        // takes the even cent, 2.42; down takes 2.41.
        let even = try rate(
            [dynamic("llm", markup: "1.2")], [("llm", nil, "3", 3, "2.0125")],
            rounding: .halfEven)
        XCTAssertEqual(even.map(\.amount.description), ["2.42"])
        let down = try rate(
            [dynamic("llm", markup: "1.2")], [("llm", nil, "3", 3, "2.0125")], rounding: .down)
        XCTAssertEqual(down.map(\.amount.description), ["2.41"])
    }

    func testLineMinimumAndMaximumBoundTheMarkedUpSum() throws {
        let lines = try rate(
            [dynamic("llm", markup: "1.2", groupBy: ["model"], minimum: "1.00", maximum: "10")],
            [
                // 0.25 × 1.2 = 0.3 < 1.00: the minimum; the row keeps 0.25.
                ("llm", "m-small", "1", 1, "0.25"),
                // 2.0125 × 1.2 = 2.415: inside the bounds.
                ("llm", "m-large", "3", 3, "2.0125"),
                // 9 × 1.2 = 10.8 > 10: the maximum.
                ("llm", "m-xl", "4", 4, "9"),
            ])
        XCTAssertEqual(
            lines.map(text),
            ["3 2.415 2.42 [3/1.2/2.0125]", "1 1 1.00 [1/1.2/0.25]", "4 10 10.00 [4/1.2/9]"])
        XCTAssertEqual(lines.map(\.group.first?.value), ["m-large", "m-small", "m-xl"])
    }

    /// SPEC §13.5: the breakdown is always one row; at zero events `quantity 0, amount 0`.
    func testZeroEventsHaveOneZeroRowAndTheMinimum() throws {
        let lines = try rate(
            [dynamic("llm", markup: "1.5"), dynamic("floor", minimum: "5")],
            [("llm", nil, "0", 0, "0"), ("floor", nil, "0", 0, "0")])
        XCTAssertEqual(lines.map(text), ["0 5 5.00 [0/1/0]", "0 0 0.00 [0/1.5/0]"])
    }

    /// The row's amount × markup is the exact amount: the invariant that re-checks rated lines
    /// (`RateInvariants`) multiplies dynamic rows by their markup.
    func testRowShareIsAmountTimesMarkup() throws {
        let row = PriceModels.dynamicRow(events: 3, amount: value("2.0125"), markup: value("1.2"))
        XCTAssertEqual(try row.lineShare(), value("2.415"))
        let plain = TierAmount(
            quantity: Rational(3), unitPrice: value("2"), amount: value("6"), flatPrice: nil)
        XCTAssertEqual(try plain.lineShare(), value("6"))
    }

    func testOverflowNamesTheLineAndTheSum() throws {
        // 10^37 × 10^37 overflows 38 significant digits.
        XCTAssertThrowsError(
            try rate(
                [dynamic("llm", markup: "10000000000000000000000000000000000000")],
                [("llm", nil, "1", 1, "10000000000000000000000000000000000000")])
        ) { error in
            XCTAssertEqual(
                (error as? AmountOverflow)?.computation,
                "the amounts of 1 events, summing to 10000000000000000000000000000000000000, "
                    + "times markup 10000000000000000000000000000000000000")
        }
    }
}

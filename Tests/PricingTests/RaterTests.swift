import XCTest

@testable import Pricing

/// `Rater.rate` on a tiny catalog built in code (SPEC §5, §11 "Pricing"): true-ups, per-line
/// bounds, proration, recurring counts, rounding modes and included-credit grants. Every
/// expected value is derived by hand in the comment beside it. Customers are in UTC and the
/// period is October 2026 (31 days, 2026-10-01T00:00Z to 2026-11-01T00:00Z).
final class RaterTests: XCTestCase {
    let usd = Currency(code: "USD", minorUnitDigits: 2)
    let jpy = Currency(code: "JPY", minorUnitDigits: 0)

    func value(_ text: String) -> Rational {
        guard case .success(let parsed) = DecimalText.rational(text) else {
            XCTFail("bad literal \(text)")
            return .zero
        }
        return parsed
    }

    func date(_ text: String) throws -> CivilDate {
        try XCTUnwrap(CivilDate(iso: text), "bad date \(text)")
    }

    func usage(
        _ key: String, price: String, minimum: String? = nil, maximum: String? = nil
    ) -> Charge {
        .usage(
            UsageCharge(
                key: key, meter: "api_calls", groupBy: [], filter: [],
                model: .perUnit(.single(value(price))), freeQuantity: nil, divideBy: nil,
                roundQuantity: .none, minimum: minimum.map(value), maximum: maximum.map(value)))
    }

    func recurring(
        _ key: String, amount: String, schedule: Schedule, prorate: Bool = false,
        minimum: String? = nil, maximum: String? = nil
    ) -> Charge {
        .recurring(
            RecurringCharge(
                key: key, amount: value(amount), schedule: schedule, prorate: prorate,
                minimum: minimum.map(value), maximum: maximum.map(value)))
    }

    func plan(
        _ key: String, currency: Currency? = nil, _ charges: [Charge],
        commitment: String? = nil, included: String? = nil
    ) -> Plan {
        Plan(
            key: key, currency: currency ?? usd, charges: charges,
            minimumCommitment: commitment.map(value), includedCredits: included.map(value))
    }

    /// A UTC customer subscribed to `plan` over `[start, end)`.
    func customer(
        _ id: String, _ subscriptions: [(plan: String, start: String, end: String?)]
    ) throws -> Customer {
        Customer(
            id: id, name: nil, address: nil, taxID: nil, timeZone: FixedOffsetZone.utc,
            anchorDay: nil, currency: nil, tax: nil, discounts: [],
            subscriptions: try subscriptions.map { subscription in
                Subscription(
                    plan: subscription.plan, start: try date(subscription.start),
                    end: try subscription.end.map(date))
            })
    }

    /// Rates October 2026. `usage` lists (customer, plan, charge, quantity) aggregates.
    func rate(
        _ plans: [Plan], rounding: RoundingRule = .halfUp, customers: [Customer],
        usage: [(String, String, String, String)] = []
    ) throws -> RatingResult {
        var plansByKey: [String: Plan] = [:]
        for plan in plans { plansByKey[plan.key] = plan }
        let catalog = Catalog(
            version: 1, seller: nil, currency: usd, rounding: rounding, currencies: [:],
            meters: ["api_calls": Meter(key: "api_calls", aggregation: .sum, field: nil)],
            plans: plansByKey, accounts: AccountNames())
        let month = try XCTUnwrap(YearMonth(year: 2026, month: 10))
        let aggregates = usage.map { customer, plan, charge, quantity in
            UsageAggregate(
                customer: customer, plan: plan, charge: charge, group: [],
                quantity: value(quantity), events: 1)
        }
        return try Rater(catalog: catalog, month: month)
            .rate(customers: customers, aggregates: aggregates)
    }

    func line(_ result: RatingResult, _ customer: String, _ charge: String) throws -> RatedLine {
        let matches = result.lines.filter { $0.customer == customer && $0.charge == charge }
        XCTAssertEqual(matches.count, 1, "\(customer) \(charge)")
        return try XCTUnwrap(matches.first)
    }

    // MARK: - minimum_commitment

    func testMinimumCommitmentTrueUpAddsTheExactDifferenceOfRoundedLines() throws {
        let pro = plan(
            "pro",
            [
                usage("api", price: "0.0004"),
                recurring("platform_fee", amount: "10.00", schedule: .monthly),
            ], commitment: "100.00")
        let result = try rate(
            [pro],
            customers: [
                try customer("cus_low", [("pro", "2026-09-01", nil)]),
                try customer("cus_exact", [("pro", "2026-09-01", nil)]),
                try customer("cus_high", [("pro", "2026-09-01", nil)]),
            ],
            usage: [
                // 123,457 × 0.0004 = 49.3828 → 49.38.
                ("cus_low", "pro", "api", "123457"),
                // 225,000 × 0.0004 = 90 exactly: 90 + 10 meets the commitment to the cent.
                ("cus_exact", "pro", "api", "225000"),
                // 300,000 × 0.0004 = 120: above the commitment.
                ("cus_high", "pro", "api", "300000"),
            ])
        // 100.00 - (49.38 + 10.00) = 40.62: the commitment is held against the rounded lines,
        // so the true-up is 40.62 exactly, not 100 - 59.3828 = 40.6172.
        let trueUp = try line(result, "cus_low", Rater.trueUpCharge)
        XCTAssertEqual(trueUp.kind, .minimumTrueUp)
        XCTAssertEqual(trueUp.plan, "pro")
        XCTAssertEqual(trueUp.charge, "minimum_true_up")
        XCTAssertEqual(trueUp.quantity, .one)
        XCTAssertEqual(trueUp.amountExact, value("40.62"))
        XCTAssertEqual(trueUp.amount.description, "40.62")
        XCTAssertEqual(trueUp.tiers.map(\.amount), [value("40.62")])
        // The customer's lines, in charge order, add up to the commitment.
        let low = result.lines.filter { $0.customer == "cus_low" }
        XCTAssertEqual(low.map(\.charge), ["api", "minimum_true_up", "platform_fee"])
        XCTAssertEqual(low.map(\.amount.description), ["49.38", "40.62", "10.00"])
        // Met exactly (shortfall 0) or exceeded: no true-up line.
        for id in ["cus_exact", "cus_high"] {
            XCTAssertFalse(
                result.lines.contains { $0.customer == id && $0.kind == .minimumTrueUp }, id)
        }
    }

    // MARK: - minimum / maximum

    func testPerLineMinimumAndMaximumBoundTheExactAmountBeforeRounding() throws {
        let metered = plan(
            "metered",
            [
                usage("api", price: "0.001", minimum: "0.118", maximum: "50.004"),
                // Also on recurring lines: 31 days × 1.00 = 31, capped at 5.005.
                recurring("seat_fee", amount: "1.00", schedule: .daily, maximum: "5.005"),
            ])
        // (customer, quantity, exact after bounds, rounded half_up, unbounded breakdown total)
        let table: [(String, String, String, String, String)] = [
            // 0.1 < 0.118: raised to 0.118, then rounded: 0.12.
            ("cus_small", "100", "0.118", "0.12", "0.1"),
            // 0.117 < 0.118: raised to 0.118. Rounding first would give 0.12, inside the bounds,
            // and keep 0.12 as the exact amount.
            ("cus_near_minimum", "117", "0.118", "0.12", "0.117"),
            ("cus_mid", "20000", "20", "20.00", "20"),
            // 50.0041 > 50.004: capped at 50.004, then 50.00. Rounding first would give 50.00,
            // inside the bounds, and keep 50.00 as the exact amount.
            ("cus_near_maximum", "50004.1", "50.004", "50.00", "50.0041"),
            ("cus_big", "60000", "50.004", "50.00", "60"),
        ]
        let customers = try table.map { row in
            try customer(row.0, [("metered", "2026-10-01", nil)])
        }
        let result = try rate(
            [metered], customers: customers,
            usage: table.map { row in (row.0, "metered", "api", row.1) })
        for (id, _, exact, rounded, breakdown) in table {
            let api = try line(result, id, "api")
            XCTAssertEqual(api.amountExact, value(exact), id)
            XCTAssertEqual(api.amount.description, rounded, id)
            // The breakdown still shows what the usage itself cost.
            XCTAssertEqual(try PriceModels.total(api.tiers), value(breakdown), id)
            let seats = try line(result, id, "seat_fee")
            XCTAssertEqual(seats.quantity, Rational(31), id)
            XCTAssertEqual(seats.amountExact, value("5.005"), id)
            XCTAssertEqual(seats.amount.description, "5.01", id)  // 5.005 half_up
        }
    }

    // MARK: - Recurring fees

    func testProratedMonthlyFeeIsTheExactShareRoundedOnce() throws {
        let pro = plan(
            "pro", [recurring("platform_fee", amount: "49.00", schedule: .monthly, prorate: true)])
        let result = try rate(
            [pro], customers: [try customer("cus_001", [("pro", "2026-10-15", nil)])])
        // Active 15th..31st = 17 of 31 days: 49 × 17/31 = 833/31 = 26.8709… → 26.87.
        let fee = try line(result, "cus_001", "platform_fee")
        XCTAssertEqual(fee.kind, .recurring)
        XCTAssertEqual(fee.quantity, .one)
        XCTAssertEqual(fee.amountExact.description, "833/31")
        XCTAssertEqual(fee.amount.description, "26.87")
        XCTAssertEqual(fee.tiers.map(\.quantity.description), ["17/31"])
        XCTAssertEqual(fee.tiers.map(\.unitPrice), [value("49")])
    }

    func testMonthlyWithoutProrateBillsTheFullFeeForAPlanActiveOneDay() throws {
        let pro = plan("pro", [recurring("platform_fee", amount: "49.00", schedule: .monthly)])
        let result = try rate(
            [pro],
            customers: [
                try customer("cus_first_day", [("pro", "2026-09-01", "2026-10-02")]),
                try customer("cus_last_day", [("pro", "2026-10-31", nil)]),
                // Ends (exclusive) at the period start: never active in October.
                try customer("cus_ended", [("pro", "2026-09-01", "2026-10-01")]),
            ])
        for id in ["cus_first_day", "cus_last_day"] {
            let fee = try line(result, id, "platform_fee")
            XCTAssertEqual(fee.quantity, .one, id)
            XCTAssertEqual(fee.amountExact, value("49"), id)
            XCTAssertEqual(fee.amount.description, "49.00", id)
        }
        XCTAssertFalse(result.lines.contains { $0.customer == "cus_ended" })
    }

    func testDailyFeeCountsTheDaysOfAPartialSubscription() throws {
        let pro = plan("pro", [recurring("support", amount: "2.00", schedule: .daily)])
        let result = try rate(
            [pro],
            customers: [
                // [10th, 20th): 10 days × 2.00 = 20.00.
                try customer("cus_middle", [("pro", "2026-10-10", "2026-10-20")]),
                // 25th..31st: 7 days × 2.00 = 14.00.
                try customer("cus_tail", [("pro", "2026-10-25", nil)]),
                // Two spans of one plan: [1st, 3rd) and [30th, …): 2 + 2 days = 8.00.
                try customer(
                    "cus_split", [("pro", "2026-09-20", "2026-10-03"), ("pro", "2026-10-30", nil)]),
            ])
        let table: [(String, Int, String)] = [
            ("cus_middle", 10, "20.00"), ("cus_tail", 7, "14.00"), ("cus_split", 4, "8.00"),
        ]
        for (id, days, amount) in table {
            let fee = try line(result, id, "support")
            XCTAssertEqual(fee.quantity, Rational(days), id)
            XCTAssertEqual(fee.amount.description, amount, id)
        }
    }

    // MARK: - Rounding mode

    func testJPYRoundsTiesByTheCatalogRule() throws {
        let tokyo = plan("tokyo", currency: jpy, [usage("api", price: "0.5")])
        let customers = try ["cus_a", "cus_b"].map {
            try customer($0, [("tokyo", "2026-10-01", nil)])
        }
        let usage = [
            ("cus_a", "tokyo", "api", "2469"),  // 1234.5: the neighbours are 1234 and 1235
            ("cus_b", "tokyo", "api", "2467"),  // 1233.5: the neighbours are 1233 and 1234
        ]
        // (rule, cus_a, cus_b): half_up goes away from zero; half_even to the even neighbour.
        let table: [(RoundingRule, String, String)] = [
            (.halfUp, "1235", "1234"),
            (.halfEven, "1234", "1234"),
        ]
        for (rule, expectedA, expectedB) in table {
            let result = try rate([tokyo], rounding: rule, customers: customers, usage: usage)
            let a = try line(result, "cus_a", "api")
            let b = try line(result, "cus_b", "api")
            XCTAssertEqual(a.amountExact, value("1234.5"))
            XCTAssertEqual(a.amount.description, expectedA, "\(rule)")
            XCTAssertEqual(b.amount.description, expectedB, "\(rule)")
            XCTAssertEqual(a.currency, jpy)
        }
    }

    // MARK: - included_credits

    func testIncludedCreditsAreGrantedPerActivePlanWithADeterministicID() throws {
        let pro = plan("pro", [usage("api", price: "0.0004")], included: "10.00")
        let basic = plan("basic", [usage("api", price: "0.0005")], included: "2.5")
        let plain = plan("plain", [usage("api", price: "0.0005")])
        let result = try rate(
            [pro, basic, plain],
            customers: [
                // Switches from basic to pro mid-period: both plans grant their full amount.
                try customer(
                    "cus_001", [("basic", "2026-09-01", "2026-10-10"), ("pro", "2026-10-10", nil)]),
                try customer("cus_002", [("plain", "2026-10-01", nil)]),
                try customer("cus_003", [("pro", "2026-11-01", nil)]),  // starts next period
            ])
        XCTAssertEqual(
            result.includedCredits.map(\.id),
            ["included_2026-10_cus_001_basic", "included_2026-10_cus_001_pro"])
        XCTAssertEqual(result.includedCredits.map(\.amount.description), ["2.50", "10.00"])
        for credit in result.includedCredits {
            XCTAssertEqual(credit.customer, "cus_001")
            XCTAssertEqual(credit.amount.currency, usd)
            // Dated at the period start, expiring at its end: 2026-10-01 and 2026-11-01 UTC.
            XCTAssertEqual(credit.start, Instant(secondsSinceEpoch: 1_790_812_800))
            XCTAssertEqual(credit.end, Instant(secondsSinceEpoch: 1_793_491_200))
            XCTAssertEqual(credit.startOffsetSeconds, 0)
            XCTAssertEqual(credit.endOffsetSeconds, 0)
        }
    }
}

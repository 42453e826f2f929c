import Pricing
import XCTest

@testable import Formats

/// The `percentage` model's catalog rules (SPEC §13.2, §13.5): every error at load time, with its
/// YAML path, line and message.
final class CatalogPercentageTests: XCTestCase {
    /// A catalog with a sum meter `payments`, a count meter `calls` and plan `pro` holding
    /// `charges` (list items indented under `charges:`).
    func catalog(_ charges: String) -> String {
        """
        version: 1
        currency: USD
        meters:
          payments: { aggregation: sum }
          calls: { aggregation: count }
        plans:
          pro:
            charges:

        """ + charges
    }

    /// `line path: message` of each error, in reported order.
    func errors(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try CatalogLoader.load(text: text, file: "catalog.yaml")
            XCTFail("the catalog loaded", file: file, line: line)
            return []
        } catch let errors as ConfigErrors {
            return errors.errors.map {
                "\($0.line.map(String.init) ?? "-") \($0.path): \($0.message)"
            }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    func testTermsLoad() throws {
        let loaded = try CatalogLoader.load(
            text: catalog(
                """
                      - key: cards
                        meter: payments
                        model: percentage
                        rate: "2.9"
                        fixed_fee: "0.30"
                        event_minimum: 0.5
                        event_maximum: "10"
                        minimum: "1.00"
                      - { key: wires, meter: payments, model: percentage, rate: 0.000001 }
                """), file: "catalog.yaml")
        let charges = try XCTUnwrap(loaded.plans["pro"]).charges
        guard case .usage(let cards) = charges[0], case .percentage(let fee) = cards.model,
            case .usage(let wires) = charges[1], case .percentage(let wireFee) = wires.model
        else { return XCTFail("not percentage charges: \(charges)") }
        XCTAssertEqual(fee.rate, try Rational(numerator: 29, denominator: 10))
        XCTAssertEqual(fee.unitPrice, try Rational(numerator: 29, denominator: 1000))
        XCTAssertEqual(fee.fixedFee, try Rational(numerator: 3, denominator: 10))
        XCTAssertEqual(fee.eventMinimum, try Rational(numerator: 1, denominator: 2))
        XCTAssertEqual(fee.eventMaximum, Rational(10))
        XCTAssertEqual(cards.minimum, Rational(1))
        // 0.000001% is 10^-8 per unit: 1 per billionth of a unit at scale 17.
        XCTAssertEqual(wireFee.fixedFee, nil)
        XCTAssertEqual(try wireFee.scaled().ratePerNano, 1)
        // 2.9% → 0.029 per unit → 2,900,000 at scale 8; 0.30 → 3 × 10^16 at scale 17.
        let scaled = try fee.scaled()
        XCTAssertEqual(scaled.ratePerNano, 2_900_000)
        XCTAssertEqual(scaled.fixedFee, 30_000_000_000_000_000)
        XCTAssertEqual(scaled.eventMaximum, 1_000_000_000_000_000_000)
    }

    func testOtherModelsKeysAreErrorsWithTheirPaths() {
        let text = catalog(
            """
                  - key: cards
                    meter: payments
                    model: percentage
                    rate: "2.9"
                    unit_price: "1"
                    tiers: [{ up_to: null, unit_price: "1" }]
                    package_size: 5
                    package_price: "1"
                    round_packages: up
                    prices_by: region
                    free_quantity: 10
                    divide_by: 100
                    round_quantity: up
                    flat_price_at_zero: true
            """)
        // The keys of other models in name order, then the transforms of the aggregate.
        XCTAssertEqual(
            errors(text),
            [
                "22 plans.pro.charges[0].flat_price_at_zero: not used by model percentage",
                "16 plans.pro.charges[0].package_price: not used by model percentage",
                "15 plans.pro.charges[0].package_size: not used by model percentage",
                "18 plans.pro.charges[0].prices_by: not used by model percentage",
                "17 plans.pro.charges[0].round_packages: not used by model percentage",
                "14 plans.pro.charges[0].tiers: not used by model percentage",
                "13 plans.pro.charges[0].unit_price: not used by model percentage",
                "20 plans.pro.charges[0].divide_by: not used by model percentage",
                "19 plans.pro.charges[0].free_quantity: not used by model percentage",
                "21 plans.pro.charges[0].round_quantity: not used by model percentage",
            ])
    }

    func testPercentageKeysOnOtherModelsAndOnRecurringCharges() {
        let text = catalog(
            """
                  - { key: a, meter: calls, model: per_unit, unit_price: "1", rate: "2.9" }
                  - { key: b, meter: calls, model: package, package_size: 1, package_price: "1",
                      fixed_fee: "0.30", event_minimum: "1", event_maximum: "2" }
                  - { key: c, amount: "5", schedule: monthly, rate: "1" }
            """)
        XCTAssertEqual(
            errors(text),
            [
                "9 plans.pro.charges[0].rate: not used by model per_unit",
                "11 plans.pro.charges[1].event_maximum: not used by model package",
                "11 plans.pro.charges[1].event_minimum: not used by model package",
                "11 plans.pro.charges[1].fixed_fee: not used by model package",
                "12 plans.pro.charges[2].rate: not allowed on a recurring charge",
            ])
    }

    func testTermsAreCheckedAndEveryProblemListed() {
        let text = catalog(
            """
                  - { key: a, meter: calls, model: percentage, rate: "2.9" }
                  - { key: b, meter: payments, model: percentage }
                  - { key: c, meter: payments, model: percentage, rate: "2.9000001" }
                  - { key: d, meter: payments, model: percentage, rate: "-1" }
                  - key: e
                    meter: payments
                    model: percentage
                    rate: "2.9"
                    fixed_fee: "-0.30"
                    event_minimum: "0.0000000000001"
                  - key: f
                    meter: payments
                    model: percentage
                    rate: "2.9"
                    event_minimum: "0.50"
                    event_maximum: "0.25"
                  - { key: g, meter: payments, model: percentage, rate: "2.9", fixed_fee: x }
            """)
        XCTAssertEqual(
            errors(text),
            [
                "9 plans.pro.charges[0].model: percentage prices each event's quantity as money "
                    + "and needs a sum meter; meter \"calls\" aggregates by count",
                "10 plans.pro.charges[1].rate: missing; percentage needs a rate (a percent)",
                "11 plans.pro.charges[2].rate: at most 6 fractional digits are allowed",
                "12 plans.pro.charges[3].rate: expected a number >= 0, found -1",
                "17 plans.pro.charges[4].fixed_fee: expected a number >= 0, found -0.30",
                "18 plans.pro.charges[4].event_minimum: at most 12 fractional digits are allowed",
                "24 plans.pro.charges[5].event_maximum: is below event_minimum (0.25 < 0.5)",
                "25 plans.pro.charges[6].fixed_fee: expected a decimal number such as \"12.50\", "
                    + "found \"x\"",
            ])
    }

    func testTermsThatOverflowTheLargestEventAreRefused() throws {
        // The largest event quantity is 10^20 − 10^-9: 10^29 − 1 billionths. a: 1,000,000% is
        // 10^4 per unit, 10^12 per billionth at scale 17: (10^29 − 1) × 10^12 ≈ 10^41, past
        // Int128.max ≈ 1.7 × 10^38.
        let text = catalog(
            """
                  - { key: a, meter: payments, model: percentage, rate: "1000000" }
                  - { key: b, meter: payments, model: percentage, rate: "1",
                      fixed_fee: "10000000000000000000000" }
                  - { key: c, meter: payments, model: percentage, rate: "1701" }
                  - { key: d, meter: payments, model: percentage, rate: "1702" }
                  - { key: e, meter: payments, model: percentage, rate: "1",
                      maximum: "10000000000000000000000000000000000000" }
            """)
        // b: a fee of 10^22 is 10^39 at scale 17, past Int128. Both sides of the largest rate:
        // c, 1701% is 1.701 × 10^9 per billionth: (10^29 − 1) × 1.701 × 10^9 < 1.701 × 10^38,
        // it fits; d, 1702%: about 1.702 × 10^38, it does not. e: a line maximum of 10^37 is
        // 10^39 cents, past 38 digits in minor units.
        let largest = "99999999999999999999.999999999"
        XCTAssertEqual(
            errors(text),
            [
                "9 plans.pro.charges[0]: the fee of the largest event quantity \(largest) "
                    + "priced by rate 1000000% overflows 38 significant digits at 17 fractional "
                    + "digits; use a smaller rate or fee",
                "10 plans.pro.charges[1]: the fee of the largest event quantity \(largest) "
                    + "priced by rate 1%, fixed_fee 10000000000000000000000 overflows 38 "
                    + "significant digits at 17 fractional digits; use a smaller rate or fee",
                "13 plans.pro.charges[3]: the fee of the largest event quantity \(largest) "
                    + "priced by rate 1702% overflows 38 significant digits at 17 fractional "
                    + "digits; use a smaller rate or fee",
                "14 plans.pro.charges[4]: minimum or maximum "
                    + "10000000000000000000000000000000000000 overflows 38 significant digits in "
                    + "minor units; use fewer digits",
            ])
    }
}

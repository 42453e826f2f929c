import Pricing
import TestSupport
import XCTest

@testable import Formats

/// SPEC §13.1 and §13.5 in the catalog (`carries_amount`, `model: dynamic`, `markup`; every
/// error with its YAML path) and on the invoice page and lines file.
final class DynamicCatalogTests: XCTestCase {
    static let head = """
        version: 1
        currency: USD
        meters:
          llm: { aggregation: count, carries_amount: true }
          calls: { aggregation: count }
        plans:
          pro:
            charges:

        """

    /// `line path: message` of each error of a catalog that must fail.
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

    func testDynamicChargesLoad() throws {
        let catalog = try CatalogLoader.load(
            text: Self.head + """
                      - { key: llm, meter: llm, model: dynamic, markup: "1.2", minimum: "1" }
                      - key: llm_eu
                        meter: llm
                        model: dynamic
                        group_by: [model]
                        filter: { region: [eu] }
                        maximum: "100"
                """, file: "catalog.yaml")
        XCTAssertEqual(catalog.meters["llm"]?.carriesAmount, true)
        XCTAssertEqual(catalog.meters["calls"]?.carriesAmount, false)
        let charges = catalog.plans["pro"]!.charges
        guard case .usage(let llm) = charges[0], case .usage(let eu) = charges[1] else {
            return XCTFail("usage charges expected")
        }
        XCTAssertEqual(llm.model, .dynamic(markup: DecimalText.exact("1.2")!))
        XCTAssertEqual(llm.minimum, DecimalText.exact("1"))
        // Markup defaults to 1.
        XCTAssertEqual(eu.model, .dynamic(markup: .one))
        XCTAssertEqual(eu.groupBy, ["model"])
        XCTAssertEqual(eu.filter.map(\.dimension), ["region"])
    }

    func testEveryKeyOfAnotherModelIsAnErrorWithItsPath() {
        let text =
            Self.head + """
                      - key: llm
                        meter: llm
                        model: dynamic
                        unit_price: "1"
                        prices_by: model
                        tiers: [{ up_to: null, unit_price: "1" }]
                        package_size: 5
                        package_price: "1"
                        round_packages: up
                        free_quantity: 10
                        divide_by: 1000
                        round_quantity: up
                """
        // Lines 12–20 each name one key the dynamic model does not use (the model keys in
        // name order, then the quantity transforms in name order).
        XCTAssertEqual(
            errors(text),
            [
                "16 plans.pro.charges[0].package_price: not used by model dynamic",
                "15 plans.pro.charges[0].package_size: not used by model dynamic",
                "13 plans.pro.charges[0].prices_by: not used by model dynamic",
                "17 plans.pro.charges[0].round_packages: not used by model dynamic",
                "14 plans.pro.charges[0].tiers: not used by model dynamic",
                "12 plans.pro.charges[0].unit_price: not used by model dynamic",
                "19 plans.pro.charges[0].divide_by: not used by model dynamic",
                "18 plans.pro.charges[0].free_quantity: not used by model dynamic",
                "20 plans.pro.charges[0].round_quantity: not used by model dynamic",
            ])
    }

    func testDynamicNeedsACarriesAmountMeterAndAValidMarkup() {
        let text =
            Self.head + """
                      - { key: a, meter: calls, model: dynamic }
                      - { key: b, meter: llm, model: dynamic, markup: "-1" }
                      - { key: c, meter: llm, model: dynamic, markup: "0.0000000000001" }
                      - { key: d, meter: llm, model: per_unit, unit_price: "1", markup: "2" }
                      - { key: e, meter: llm, model: dynamic, minimum: "5", maximum: "1" }
                """
        XCTAssertEqual(
            errors(text),
            [
                "9 plans.pro.charges[0].model: model dynamic bills the amounts events carry; "
                    + #"meter "calls" needs carries_amount: true"#,
                "10 plans.pro.charges[1].markup: expected a number >= 0, found -1",
                "11 plans.pro.charges[2].markup: at most 12 fractional digits are allowed",
                "12 plans.pro.charges[3].markup: not used by model per_unit",
                "13 plans.pro.charges[4].maximum: is below minimum",
            ])
    }

    func testCarriesAmountIsABooleanAndMarkupIsUsageOnly() {
        let text = """
            version: 1
            currency: USD
            meters:
              llm: { aggregation: count, carries_amount: yes }
            plans:
              pro:
                charges:
                  - { key: fee, amount: "1", schedule: monthly, markup: "2" }
            """
        XCTAssertEqual(
            errors(text),
            [
                #"4 meters.llm.carries_amount: expected true or false, found "yes""#,
                "8 plans.pro.charges[0].markup: not allowed on a recurring charge",
            ])
    }

    func testAMarkupThatCannotPriceTheLargestAmountIsRefused() {
        // 10^20 − 10^-12 (the largest amount) × 10^19 needs more than 38 significant digits.
        let text =
            Self.head + """
                      - { key: llm, meter: llm, model: dynamic, markup: "10000000000000000000" }
                """
        XCTAssertEqual(
            errors(text),
            [
                "9 plans.pro.charges[0]: the largest event amount "
                    + "99999999999999999999.999999999999 times markup 10000000000000000000 "
                    + "overflows 38 significant digits; use a markup with fewer digits"
            ])
    }

    // MARK: The invoice

    func testPageAndLinesFileShowAPassThroughLine() throws {
        let usd = Currency(code: "USD", minorUnitDigits: 2)
        func value(_ text: String) -> Rational { DecimalText.exact(text)! }
        // 2.0125 × 1.2 = 2.415 → 2.42; the small group: 0.25 × 1.2 = 0.3, raised to 1.00.
        func line(_ model: String, _ events: Int, _ sum: String, _ exact: String) -> RatedLine {
            RatedLine(
                customer: "cus_1", plan: "pro", charge: "llm", kind: .usage,
                group: [Dimension(key: "model", value: model)], quantity: Rational(events),
                amountExact: value(exact),
                amount: try! Money(rounding: value(exact), currency: usd, rule: .halfUp),
                tiers: [
                    PriceModels.dynamicRow(
                        events: Int64(events), amount: value(sum), markup: value("1.2"))
                ])
        }
        let lines = [line("m-large", 3, "2.0125", "2.415"), line("m-small", 1, "0.25", "1")]
        let charge = UsageCharge(
            key: "llm", meter: "llm", groupBy: ["model"], filter: [],
            model: .dynamic(markup: value("1.2")), freeQuantity: nil, divideBy: nil,
            roundQuantity: .none, minimum: value("1.00"), maximum: nil)
        let plan = Plan(
            key: "pro", currency: usd, charges: [.usage(charge)], minimumCommitment: nil,
            includedCredits: nil)
        let customer = Customer(
            id: "cus_1", name: "Northwind", address: nil, taxID: nil,
            timeZone: FixedOffsetZone.utc, anchorDay: nil, currency: usd, tax: nil, discounts: [],
            subscriptions: [
                Subscription(
                    plan: "pro", start: CivilDate(year: 2026, month: 1, day: 1)!, end: nil)
            ])
        let invoice = try InvoiceBuilder(month: YearMonth("2026-10")!, rounding: .halfUp)
            .draft(customer: customer, lines: lines, number: 1, issueDate: nil)
        let settings = InvoicePageSettings(
            display: CatalogDisplay(plans: [:], charges: [:]), plans: ["pro": plan])
        let page = try readHTML(InvoiceHTML.render(invoice, seller: nil, settings: settings))
        // No unit price; the breakdown says what the amount is; the minimum is explained.
        XCTAssertEqual(
            page.rows("lines"),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "llm model: m-large | pro | 3 |  |  | $2.42", "pass-through cost × 1.2",
                "llm model: m-small | pro | 1 |  |  | $1.00", "pass-through cost × 1.2",
                "Minimum charge of $1.00 applied",
            ])
        XCTAssertEqual(LineExplanation.passThrough(markup: .one), "pass-through cost")
        // invoice-lines.csv leaves the unit price empty: the line has none.
        XCTAssertEqual(lines.map(\.unitPrice), [nil, nil])
    }
}

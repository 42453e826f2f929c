import Pricing
import XCTest

@testable import Formats

/// `invoice-lines.csv`'s own rules: the group string splits back unambiguously, and exact
/// values become plain decimals of 12 places that DECIMAL(38,12) takes as they are.
final class InvoiceLinesCSVTests: XCTestCase {
    func testGroupsAreOneStableStringThatSplitsBack() {
        XCTAssertEqual(InvoiceLinesCSV.group([]), "")
        XCTAssertEqual(
            InvoiceLinesCSV.group([
                Dimension(key: "region", value: "eu-west-1"), Dimension(key: "model", value: "m"),
            ]), "model=m;region=eu-west-1")
        XCTAssertEqual(
            InvoiceLinesCSV.group([Dimension(key: "a=b", value: "x;y%z")]), "a%3Db=x%3By%25z")
    }

    func testDecimalsAreRoundedToTwelvePlacesWithoutTrailingZeros() throws {
        XCTAssertEqual(
            try InvoiceLinesCSV.decimal(try Rational(numerator: 833, denominator: 31)),
            "26.870967741935")
        XCTAssertEqual(
            try InvoiceLinesCSV.decimal(try Rational(numerator: 2, denominator: 3)),
            "0.666666666667")
        XCTAssertEqual(try InvoiceLinesCSV.decimal(Rational(-5)), "-5")
        XCTAssertEqual(try InvoiceLinesCSV.decimal(DecimalText.exact("0.5000")!), "0.5")
    }

    func testUnitPriceOnlyWhereTheAmountIsQuantityTimesOnePrice() throws {
        let usd = Currency.iso("USD")!
        func line(_ quantity: String, _ exact: String, _ tiers: [TierAmount]) -> RatedLine {
            RatedLine(
                customer: "c", plan: "p", charge: "k", kind: .usage, group: [],
                quantity: DecimalText.exact(quantity)!, amountExact: DecimalText.exact(exact)!,
                amount: try! Money(
                    rounding: DecimalText.exact(exact)!, currency: usd, rule: .halfUp),
                tiers: tiers)
        }
        func tier(
            _ quantity: String, _ price: String, _ amount: String, flat: String? = nil
        )
            -> TierAmount
        {
            TierAmount(
                quantity: DecimalText.exact(quantity)!, unitPrice: DecimalText.exact(price)!,
                amount: DecimalText.exact(amount)!, flatPrice: flat.flatMap(DecimalText.exact))
        }
        XCTAssertEqual(
            line("79", "35.55", [tier("79", "0.45", "35.55")]).unitPrice, DecimalText.exact("0.45"))
        // Two tiers, a flat price, a package count, a minimum: no single unit price.
        XCTAssertNil(
            line("115", "0.06", [tier("100", "0", "0"), tier("15", "0.004", "0.06")]).unitPrice)
        XCTAssertNil(line("10", "6", [tier("10", "0.1", "6", flat: "5")]).unitPrice)
        XCTAssertNil(line("250", "1000", [tier("50", "20", "1000")]).unitPrice)
        XCTAssertNil(line("1", "20", [tier("1", "5", "5")]).unitPrice)
        XCTAssertNil(line("0", "20", []).unitPrice)
    }
}

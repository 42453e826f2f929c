import Pricing
import XCTest

@testable import Formats

/// Amounts and quantities as invoice pages show them: one convention per currency, no locale.
final class DisplayTextTests: XCTestCase {
    func value(_ text: String) -> Rational { DecimalText.exact(text)! }
    let usd = Currency.iso("USD")!
    let eur = Currency.iso("EUR")!
    let jpy = Currency.iso("JPY")!
    let bhd = Currency.iso("BHD")!
    let chf = Currency.iso("CHF")!
    let credits = Currency(code: "CREDITS", minorUnitDigits: 0)

    func testMoneyPerCurrency() {
        let cases: [(String, Currency, String)] = [
            ("1011.37", usd, "$1,011.37"), ("-10.31", eur, "-€10.31"),
            ("1011.37", eur, "€1,011.37"),
            ("44636", jpy, "¥44,636"), ("1234.567", bhd, "BHD 1,234.567"),
            ("12.5", chf, "CHF 12.50"),
            ("1500", credits, "1,500 CREDITS"), ("0", usd, "$0.00"), ("999", usd, "$999.00"),
            ("1000", usd, "$1,000.00"), ("-1234567.89", usd, "-$1,234,567.89"),
            // Rounded half up to minor units, and no "-$0.00".
            ("-0.004", usd, "$0.00"), ("0.005", usd, "$0.01"),
        ]
        for (amount, currency, expected) in cases {
            XCTAssertEqual(
                DisplayText.money(value(amount), currency: currency), expected, amount)
        }
    }

    func testUnitPricesKeepTheirDigitsUpToSix() {
        XCTAssertEqual(DisplayText.unitPrice(value("0.0004"), currency: usd), "$0.0004")
        XCTAssertEqual(DisplayText.unitPrice(value("5"), currency: usd), "$5.00")
        XCTAssertEqual(DisplayText.unitPrice(value("3"), currency: jpy), "¥3")
        XCTAssertEqual(DisplayText.unitPrice(value("0.5"), currency: jpy), "¥0.5")
        XCTAssertEqual(
            DisplayText.unitPrice(try! Rational(numerator: 1, denominator: 3), currency: eur),
            "€0.333333")
    }

    func testQuantitiesRoundForReadingOnly() {
        let cases: [(Rational, String)] = [
            (try! Rational(numerator: 361409, denominator: 3_600_000), "0.1004"),
            (value("1234.5"), "1,234.5"), (value("115"), "115"), (value("1000000"), "1,000,000"),
            (value("-2500"), "-2,500"), (try! Rational(numerator: 2, denominator: 3), "0.6667"),
            (value("0.00004"), "0"), (value("0.00005"), "0.0001"), (value("100.10"), "100.1"),
        ]
        for (quantity, expected) in cases {
            XCTAssertEqual(DisplayText.quantity(quantity), expected, "\(quantity)")
        }
    }
}

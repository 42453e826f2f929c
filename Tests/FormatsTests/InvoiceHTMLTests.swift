import Foundation
import Pricing
import XCTest

@testable import Formats

/// The printable invoice page (SPEC §8.2 `invoices/<customer>.html`).
///
/// The sample invoice is SPEC §8.2's example, built from three lines of plan `pro`:
/// - `api`: 1100000 calls, tiers 10000 × 0 = 0 and 1090000 × 0.0004 = 436 → 436.00;
/// - `seats`: a monthly fee of 49 prorated over 17 of 31 days, 17/31 × 49 = 833/31
///   = 26.870967… → 26.87 (half up);
/// - `storage` (group region: eu): 2213 × 0.01 = 22.13.
/// Subtotal 436.00 + 26.87 + 22.13 = 485.00; discount `launch` 10% → -48.50; tax base
/// 436.50; VAT 19% of it is 82.935 → 82.94 (half up); total 519.44; 100.00 of credits
/// leave 419.44 due.
final class InvoiceHTMLTests: XCTestCase {
    // MARK: Sample invoices

    static let euro = Currency(code: "EUR", minorUnitDigits: 2)
    static let yen = Currency(code: "JPY", minorUnitDigits: 0)

    func decimal(_ text: String) throws -> Rational {
        try DecimalText.rational(text).get()
    }

    func customer(
        id: String = "cus_001", name: String? = "Acme GmbH", anchorDay: Int? = nil,
        currency: Currency = euro, tax: Tax?, discounts: [Discount] = []
    ) -> Customer {
        Customer(
            id: id, name: name,
            address: Address(
                street: "Hauptstraße 5", city: "Berlin", postalCode: "10115", country: "DE"),
            taxID: "DE123456789", timeZone: FixedOffsetZone.utc, anchorDay: anchorDay,
            currency: currency, tax: tax, discounts: discounts,
            subscriptions: [Subscription(plan: "pro", start: CivilDate(year: 2026, month: 1,
                                                                       day: 1)!, end: nil)])
    }

    func line(
        _ charge: String, kind: LineKind = .usage, group: [Pricing.Dimension] = [],
        quantity: Rational, amountExact: Rational, amount: Money, tiers: [TierAmount]
    ) -> RatedLine {
        RatedLine(
            customer: "cus_001", plan: "pro", charge: charge, kind: kind, group: group,
            quantity: quantity, amountExact: amountExact, amount: amount, tiers: tiers)
    }

    func euros(_ minorUnits: Int128) -> Money { Money(minorUnits: minorUnits, currency: Self.euro) }

    /// The three lines of the sample, in an order the builder must sort.
    func sampleLines() throws -> [RatedLine] {
        let seatsFraction = try Rational(numerator: 17, denominator: 31)
        let seatsExact = try Rational(numerator: 833, denominator: 31)
        return [
            line(
                "storage", group: [Pricing.Dimension(key: "region", value: "eu")],
                quantity: Rational(2213), amountExact: try decimal("22.13"), amount: euros(2213),
                tiers: [
                    TierAmount(
                        quantity: Rational(2213), unitPrice: try decimal("0.01"),
                        amount: try decimal("22.13"), flatPrice: nil)
                ]),
            line(
                "api", quantity: Rational(1_100_000), amountExact: Rational(436),
                amount: euros(43600),
                tiers: [
                    TierAmount(
                        quantity: Rational(10000), unitPrice: .zero, amount: .zero,
                        flatPrice: nil),
                    TierAmount(
                        quantity: Rational(1_090_000), unitPrice: try decimal("0.0004"),
                        amount: Rational(436), flatPrice: nil),
                ]),
            line(
                "seats", kind: .recurring, quantity: seatsFraction, amountExact: seatsExact,
                amount: euros(2687),
                tiers: [
                    TierAmount(
                        quantity: seatsFraction, unitPrice: Rational(49), amount: seatsExact,
                        flatPrice: nil)
                ]),
        ]
    }

    func builder() throws -> InvoiceBuilder {
        InvoiceBuilder(month: try XCTUnwrap(YearMonth("2026-10")), rounding: .halfUp)
    }

    func sampleInvoice(
        name: String? = "Acme GmbH", taxRate: String = "0.19", anchorDay: Int? = nil,
        lines: [RatedLine]? = nil
    ) throws -> Invoice {
        let billed = customer(
            name: name, anchorDay: anchorDay, tax: Tax(name: "VAT", rate: try decimal(taxRate)),
            discounts: [Discount(key: "launch", percent: Rational(10), from: nil, until: nil)])
        let builder = try builder()
        let draft = try builder.draft(
            customer: billed, lines: try lines ?? sampleLines(), number: 1, issueDate: nil)
        // 100.00 of credits, or the whole total when it is smaller.
        let credits = euros(min(10000, draft.total.minorUnits))
        return try builder.applying(credits: credits, to: draft)
    }

    static let seller = Seller(
        name: "Ratebook Cloud GmbH",
        address: Address(
            street: "Torstraße 1", city: "Berlin", postalCode: "10119", country: "Germany"),
        taxID: "DE999999999")

    func render(_ invoice: Invoice, seller: Seller? = seller) -> String {
        String(decoding: InvoiceHTML.render(invoice, seller: seller), as: UTF8.self)
    }

    /// The text a reader sees: tags replaced by a space, runs of white space made one space.
    func visibleText(_ html: some StringProtocol) -> String {
        var text = ""
        var insideTag = false
        var pendingSpace = false
        for character in html {
            if insideTag {
                if character == ">" {
                    insideTag = false
                    pendingSpace = true
                }
                continue
            }
            if character == "<" {
                insideTag = true
                continue
            }
            if character.isWhitespace {
                pendingSpace = true
                continue
            }
            if pendingSpace && !text.isEmpty { text.append(" ") }
            pendingSpace = false
            text.append(character)
        }
        return text
    }

    /// The markup from `start` to the next `end`, both included.
    func section(_ html: String, from start: String, to end: String) throws -> Substring {
        let startRange = try XCTUnwrap(html.range(of: start), "no \(start)")
        let endRange = try XCTUnwrap(
            html.range(of: end, range: startRange.upperBound..<html.endIndex), "no \(end)")
        return html[startRange.lowerBound..<endRange.upperBound]
    }

    // MARK: Tests

    func testTotalsBlockReadsInOrder() throws {
        let html = render(try sampleInvoice())
        let totals = try section(html, from: "<table class=\"totals\">", to: "</table>")
        // Derivation in the class comment.
        XCTAssertEqual(
            visibleText(totals),
            "Subtotal 485.00 EUR Discount (launch) -48.50 EUR VAT 19% on 436.50 EUR 82.94 EUR"
                + " Total 519.44 EUR Credits applied -100.00 EUR Amount due 419.44 EUR")
        // Amount due is the emphasised last row.
        XCTAssertTrue(
            totals.hasSuffix(
                "<tr class=\"due\"><th scope=\"row\">Amount due</th>"
                    + "<td class=\"num\">419.44 EUR</td></tr>\n</table>"))
    }

    func testLinesShowTiersAndExactFractions() throws {
        let html = render(try sampleInvoice())
        let lines = try section(html, from: "<table class=\"lines\">", to: "</table>")
        // The builder sorts by plan, charge, group: api, seats, storage.
        XCTAssertEqual(
            visibleText(lines),
            "Charge Plan Group Quantity Amount"
                + " api usage pro — 1100000 436.00 EUR"
                + " 10000 × 0 = 0.00 1090000 × 0.0004 = 436.00"
                + " seats recurring fee pro — 17/31 26.87 EUR 17/31 × 49 ≈ 26.87"
                + " storage usage pro region: eu 2213 22.13 EUR 2213 × 0.01 = 22.13")
        // 17/31 = 0.548387096…, 833/31 = 26.870967741…: truncated to six digits in titles.
        XCTAssertTrue(
            lines.contains(
                "<span class=\"fraction\" title=\"≈ 0.548387…\">17/31</span> × 49 ≈ "
                    + "<span class=\"fraction\" title=\"exact 833/31, ≈ 26.870967…\">"
                    + "26.87</span>"))
    }

    func testFlatPriceIsPartOfTheTierRow() throws {
        // 100 × 0.5 + 5 flat = 55 exactly.
        let tier = TierAmount(
            quantity: Rational(100), unitPrice: try decimal("0.5"), amount: Rational(55),
            flatPrice: Rational(5))
        let invoice = try sampleInvoice(lines: [
            line("builds", quantity: Rational(100), amountExact: Rational(55), amount: euros(5500),
                 tiers: [tier])
        ])
        XCTAssertTrue(visibleText(render(invoice)).contains("100 × 0.5 + 5 flat = 55.00"))
    }

    func testHeaderNamesPartiesDatesAndCurrency() throws {
        let text = visibleText(render(try sampleInvoice()))
        XCTAssertTrue(text.contains(
            "Invoice 2026-10-000001 Ratebook Cloud GmbH Torstraße 1 10119 Berlin Germany"
                + " Tax ID DE999999999"), text)
        XCTAssertTrue(text.contains(
            "Bill to Acme GmbH Hauptstraße 5 10115 Berlin DE Tax ID DE123456789"
                + " Customer ID cus_001"), text)
        // The issue date defaults to the period's last local day.
        XCTAssertTrue(text.contains(
            "Invoice number 2026-10-000001 Invoice ID inv_2026-10_cus_001"
                + " Issue date 31 Oct 2026 Service period 1 Oct 2026 – 31 Oct 2026"
                + " UTC local dates Currency EUR Amount due 419.44 EUR"), text)
    }

    /// The period ends the day before its exclusive end: anchor day 15 bills 15 Oct – 14 Nov.
    func testAnniversaryPeriodShowsItsLastDay() throws {
        let html = render(try sampleInvoice(anchorDay: 15))
        XCTAssertTrue(visibleText(html).contains("Service period 15 Oct 2026 – 14 Nov 2026"))
        XCTAssertTrue(html.contains("<time datetime=\"2026-11-14\">14 Nov 2026</time>"))
        // The exact instants, end exclusive, for reconciling with `rated.ndjson`.
        XCTAssertTrue(html.contains(
            "title=\"2026-10-15T00:00:00Z to 2026-11-15T00:00:00Z (end exclusive)\""))
    }

    func testCustomerNameIsEscaped() throws {
        let html = render(try sampleInvoice(name: "<Acme & \"Sons\">"))
        XCTAssertTrue(html.contains(
            "<strong class=\"name\">&lt;Acme &amp; &quot;Sons&quot;&gt;</strong>"))
        XCTAssertFalse(html.contains("<Acme"))
        XCTAssertFalse(html.contains("\"Sons\""))
    }

    func testEveryTextFieldIsEscaped() throws {
        let hostile = "x'<i>&\"y"
        let escaped = "x&#39;&lt;i&gt;&amp;&quot;y"
        let line = line(
            hostile, group: [Pricing.Dimension(key: hostile, value: hostile)],
            quantity: Rational(1), amountExact: Rational(1), amount: euros(100),
            tiers: [TierAmount(quantity: .one, unitPrice: .one, amount: .one, flatPrice: nil)])
        let billed = Customer(
            id: hostile, name: nil,
            address: Address(street: hostile, city: hostile, postalCode: hostile, country: hostile),
            taxID: hostile, timeZone: FixedOffsetZone(identifier: hostile, offsetSeconds: 0),
            anchorDay: nil, currency: Self.euro, tax: Tax(name: hostile, rate: Rational(0)),
            discounts: [Discount(key: hostile, percent: Rational(1), from: nil, until: nil)],
            subscriptions: [])
        let invoice = try builder().draft(
            customer: billed, lines: [line], number: 7, issueDate: nil)
        let seller = Seller(
            name: hostile,
            address: Address(street: hostile, city: hostile, postalCode: hostile, country: hostile),
            taxID: hostile)
        let html = render(invoice, seller: seller)
        XCTAssertFalse(html.contains(hostile))
        XCTAssertFalse(html.contains("<i>"))
        // Seller (7): page title, name, street, postal code, city, country, tax id.
        // Customer (9): name (its id), street, postal code, city, country, tax id, customer
        // id, invoice id `inv_2026-10_<id>`, time zone. Line (3): charge, group key, group
        // value. Totals (2): discount key, tax name.
        let count = html.components(separatedBy: escaped).count - 1
        XCTAssertEqual(count, 7 + 9 + 3 + 2, html)
    }

    func testPercentIsExact() {
        func percent(_ numerator: Int128, _ denominator: Int128) -> String? {
            guard let rate = try? Rational(numerator: numerator, denominator: denominator)
            else { return nil }
            return InvoiceHTML.percentText(rate)
        }
        XCTAssertEqual(percent(19, 100), "19%")
        XCTAssertEqual(percent(75, 1000), "7.5%")
        XCTAssertEqual(percent(2, 10), "20%")
        XCTAssertEqual(percent(0, 1), "0%")
        XCTAssertEqual(percent(1, 1), "100%")
        XCTAssertEqual(percent(5, 10000), "0.05%")
        XCTAssertEqual(percent(1, 8), "12.5%")
        // 1/3 = 33.33…%; 2/3 = 66.666…% is truncated, not rounded up to 66.6667.
        XCTAssertEqual(percent(1, 3), "33.3333…%")
        XCTAssertEqual(percent(2, 3), "66.6666…%")
    }

    func testTaxRateInTotals() throws {
        // 7.5% of 436.50 = 32.7375 → 32.74 (half up).
        let text = visibleText(render(try sampleInvoice(taxRate: "0.075")))
        XCTAssertTrue(text.contains("VAT 7.5% on 436.50 EUR 32.74 EUR Total 469.24 EUR"), text)
    }

    /// Yen has no minor unit: amounts have no decimal point, and a tier of 1/3 × 100 = 100/3
    /// = 33.33… shows as ≈ 33. Subtotal 1233; consumption tax 10% = 123.3 → 123; total 1356.
    func testYenAmountsHaveNoDecimals() throws {
        let yen = { (minorUnits: Int128) in Money(minorUnits: minorUnits, currency: Self.yen) }
        let third = try Rational(numerator: 1, denominator: 3)
        let thirdOfHundred = try Rational(numerator: 100, denominator: 3)
        let lines = [
            line("api", quantity: Rational(1200), amountExact: Rational(1200), amount: yen(1200),
                 tiers: [TierAmount(quantity: Rational(1200), unitPrice: .one,
                                    amount: Rational(1200), flatPrice: nil)]),
            line("support", kind: .recurring, quantity: third, amountExact: thirdOfHundred,
                 amount: yen(33),
                 tiers: [TierAmount(quantity: third, unitPrice: Rational(100),
                                    amount: thirdOfHundred, flatPrice: nil)]),
        ]
        let billed = customer(
            currency: Self.yen, tax: Tax(name: "Consumption tax", rate: try decimal("0.1")))
        let invoice = try builder().draft(customer: billed, lines: lines, number: 2, issueDate: nil)
        let html = render(invoice)
        let text = visibleText(html)
        XCTAssertTrue(text.contains("api usage pro — 1200 1200 JPY 1200 × 1 = 1200 "), text)
        XCTAssertTrue(text.contains("1/3 × 100 ≈ 33"), text)
        let totals = try section(html, from: "<table class=\"totals\">", to: "</table>")
        XCTAssertEqual(
            visibleText(totals),
            "Subtotal 1233 JPY Consumption tax 10% on 1233 JPY 123 JPY Total 1356 JPY"
                + " Credits applied 0 JPY Amount due 1356 JPY")
    }

    func testWithoutSellerOrNameTheCustomerIdIsBilled() throws {
        let html = render(try sampleInvoice(name: nil), seller: nil)
        XCTAssertFalse(html.contains("class=\"party seller\""))
        XCTAssertTrue(visibleText(html).contains("Bill to cus_001 Hauptstraße 5"))
        XCTAssertTrue(html.contains("<title>Invoice 2026-10-000001</title>"))
    }

    func testPageIsSelfContainedAndPrintable() throws {
        let html = render(try sampleInvoice())
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
            + "<meta charset=\"utf-8\">\n"))
        XCTAssertTrue(html.hasSuffix("</main>\n</body>\n</html>\n"))
        XCTAssertTrue(html.contains("@page { size: A4;"))
        XCTAssertTrue(html.contains("@media print {"))
        for outside in ["<script", "<link", "<img", "src=", "url(", "@import", "http"] {
            XCTAssertFalse(html.contains(outside), outside)
        }
    }

    /// Same invoice, lines given in two orders, rendered twice: the same bytes.
    func testRenderIsDeterministic() throws {
        let lines = try sampleLines()
        let first = InvoiceHTML.render(try sampleInvoice(lines: lines), seller: Self.seller)
        let second = InvoiceHTML.render(
            try sampleInvoice(lines: lines.reversed()), seller: Self.seller)
        XCTAssertEqual(first, second)
        let again = InvoiceHTML.render(try sampleInvoice(lines: lines), seller: Self.seller)
        XCTAssertEqual(first, again)
    }

    /// The sample page is well formed (`htmlProblems`). With `INVOICE_HTML_PREVIEW=PATH` the
    /// page is also written there for a look in a browser (docs/invoice-html.md).
    func testSamplePageParsesCleanly() throws {
        let bytes = InvoiceHTML.render(try sampleInvoice(), seller: Self.seller)
        if let path = ProcessInfo.processInfo.environment["INVOICE_HTML_PREVIEW"] {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        XCTAssertEqual(try htmlProblems(bytes), "", "the page's elements are not balanced")
    }
}

import Foundation
import Pricing
import TestSupport
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
            // One occurrence of the monthly fee, as the rater writes it; the row holds the share.
            line(
                "seats", kind: .recurring, quantity: .one, amountExact: seatsExact,
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

    // MARK: Catalog for the sample

    /// Plan `pro` as the sample's lines were priced: `api` graduated (the first 10000 free, then
    /// 0.0004), `seats` a monthly fee of 49 prorated, `storage` 0.01 per unit; display names
    /// for the plan, `api` and `storage`, none for `seats` (its key shows).
    func sampleSettings(paymentTermsDays: Int? = nil) throws -> InvoicePageSettings {
        let pro = Plan(
            key: "pro", currency: Self.euro,
            charges: [
                .usage(
                    UsageCharge(
                        key: "api", meter: "api_calls", groupBy: [], filter: [],
                        model: .graduated([
                            Tier(upTo: Rational(10000), unitPrice: .zero, flatPrice: nil),
                            Tier(upTo: nil, unitPrice: try decimal("0.0004"), flatPrice: nil),
                        ]), freeQuantity: nil, divideBy: nil, roundQuantity: .none, minimum: nil,
                        maximum: nil)),
                .recurring(
                    RecurringCharge(
                        key: "seats", amount: Rational(49), schedule: .monthly, prorate: true,
                        minimum: nil, maximum: nil)),
                .usage(
                    UsageCharge(
                        key: "storage", meter: "storage", groupBy: ["region"], filter: [],
                        model: .perUnit(.single(try decimal("0.01"))), freeQuantity: nil,
                        divideBy: nil, roundQuantity: .none, minimum: nil, maximum: nil)),
            ], minimumCommitment: nil, includedCredits: nil)
        let display = CatalogDisplay(
            plans: ["pro": DisplayLabel(name: "Pro", description: nil, unit: nil)],
            charges: [
                "pro": [
                    "api": DisplayLabel(name: "API calls", description: nil, unit: "calls"),
                    "storage": DisplayLabel(name: "Storage", description: nil, unit: "GB-month"),
                ]
            ])
        return InvoicePageSettings(
            display: display, plans: ["pro": pro], paymentTermsDays: paymentTermsDays)
    }

    func reading(
        _ invoice: Invoice, seller: Seller? = seller,
        settings: InvoicePageSettings = InvoicePageSettings(), credits: [AppliedCredit] = []
    ) throws -> HTMLReading {
        let bytes = InvoiceHTML.render(
            invoice, seller: seller, settings: settings, credits: credits)
        XCTAssertEqual(try htmlProblems(bytes), "", "the page's elements are not balanced")
        return try readHTML(bytes)
    }

    static let lineHeader = "Description | Plan | Quantity | Unit | Unit price | Amount"

    // MARK: Tests

    /// A time-weighted charge (SPEC §13.3) shows its display unit beside the grouped quantity
    /// ("1,234.5 GB-hours"); without one, the meter and its `per` ("storage-hours").
    func testTimeWeightedLineShowsItsUnit() throws {
        let gauge = [
            line(
                "storage", group: [Pricing.Dimension(key: "region", value: "eu")],
                quantity: try decimal("1234.5"), amountExact: try decimal("12.345"),
                amount: euros(1235),
                tiers: [
                    TierAmount(
                        quantity: try decimal("1234.5"), unitPrice: try decimal("0.01"),
                        amount: try decimal("12.345"), flatPrice: nil)
                ])
        ]
        var settings = try sampleSettings()
        settings.gaugeUnits = ["storage": .hour]
        settings.display = CatalogDisplay(
            plans: settings.display.plans,
            charges: [
                "pro": [
                    "storage": DisplayLabel(name: "Storage", description: nil, unit: "GB-hours")
                ]
            ])
        var page = try reading(try sampleInvoice(lines: gauge), settings: settings)
        XCTAssertTrue(
            page.rows("lines").contains(
                "Storage region: eu | Pro | 1,234.5 | GB-hours | €0.01 | €12.35"),
            "\(page.rows("lines"))")
        settings.display = CatalogDisplay(plans: settings.display.plans, charges: [:])
        page = try reading(try sampleInvoice(lines: gauge), settings: settings)
        XCTAssertTrue(
            page.rows("lines").contains(
                "storage region: eu | Pro | 1,234.5 | storage-hours | €0.01 | €12.35"),
            "\(page.rows("lines"))")
    }

    /// EUR with tax, a discount and credits from two grants, explained by the catalog.
    func testEuroPageReadsAsACustomerExpects() throws {
        let credits = [
            AppliedCredit(grantID: "promo_1", source: "promotional", amount: euros(6000)),
            AppliedCredit(grantID: "g_7", source: "purchase", amount: euros(4000)),
        ]
        let page = try reading(
            try sampleInvoice(), settings: try sampleSettings(), credits: credits)
        XCTAssertEqual(
            page.rows("lines"),
            [
                Self.lineHeader,
                "API calls | Pro | 1,100,000 | calls |  | €436.00",
                "first 10,000 free, next 1,090,000 at €0.0004",
                // 17/31 of the 31 days of October.
                "seats | Pro | 1 |  |  | €26.87",
                "Prorated: 17 of 31 days of €49.00",
                "Storage region: eu | Pro | 2,213 | GB-month | €0.01 | €22.13",
            ])
        // Derivation in the class comment; the credits are listed per grant.
        XCTAssertEqual(
            page.rows("totals"),
            [
                "Subtotal | €485.00", "Discount: Launch 10% | -€48.50",
                "VAT 19% on €436.50 | €82.94", "Total | €519.44", "Credits applied | -€100.00",
                "from promotional credit promo_1 | -€60.00",
                "from purchase credit g_7 | -€40.00", "Amount due | €419.44",
            ])
    }

    /// Without a catalog the page shows keys; the breakdown and the proration come from the
    /// line itself.
    func testWithoutCatalogTheKeysShow() throws {
        let page = try reading(try sampleInvoice())
        XCTAssertEqual(
            page.rows("lines"),
            [
                Self.lineHeader,
                "api | pro | 1,100,000 |  |  | €436.00",
                "first 10,000 free, next 1,090,000 at €0.0004",
                "seats | pro | 1 |  |  | €26.87",
                "Prorated: 17 of 31 days of €49.00",
                "storage region: eu | pro | 2,213 |  | €0.01 | €22.13",
            ])
        XCTAssertEqual(
            page.rows("totals"),
            [
                "Subtotal | €485.00", "Discount: Launch 10% | -€48.50",
                "VAT 19% on €436.50 | €82.94", "Total | €519.44", "Credits applied | -€100.00",
                "Amount due | €419.44",
            ])
    }

    func testFlatPriceIsPartOfTheBreakdown() throws {
        // 100 × 0.5 + 5 flat = 55 exactly.
        let tier = TierAmount(
            quantity: Rational(100), unitPrice: try decimal("0.5"), amount: Rational(55),
            flatPrice: Rational(5))
        let invoice = try sampleInvoice(lines: [
            line("builds", quantity: Rational(100), amountExact: Rational(55), amount: euros(5500),
                 tiers: [tier])
        ])
        XCTAssertEqual(
            try reading(invoice).rows("lines"),
            [Self.lineHeader, "builds | pro | 100 |  |  | €55.00", "100 at €0.50 + €5.00 flat"])
    }

    /// A quantity that does not end in four digits is rounded for the reader; the exact value
    /// is in a title (361409/3600000 = 0.100391…).
    func testQuantityIsRoundedWithTheExactValueInATitle() throws {
        let quantity = try Rational(numerator: 361_409, denominator: 3_600_000)
        let exact = try quantity * Rational(2)
        let invoice = try sampleInvoice(lines: [
            line("gpu", quantity: quantity, amountExact: exact, amount: euros(20),
                 tiers: [TierAmount(quantity: quantity, unitPrice: Rational(2), amount: exact,
                                    flatPrice: nil)])
        ])
        let html = render(invoice)
        XCTAssertEqual(
            try readHTML(Array(html.utf8)).rows("lines"),
            [Self.lineHeader, "gpu | pro | 0.1004 |  | €2.00 | €0.20"])
        XCTAssertTrue(html.contains(
            "<span class=\"fraction\" title=\"exact 361409/3600000\">0.1004</span>"))
    }

    /// Due date and terms: the customer's days override the catalog's.
    func testDueDateAndPaymentTerms() throws {
        let page = try reading(try sampleInvoice(), settings: try sampleSettings(
            paymentTermsDays: 30))
        let facts = page.rows("facts")
        // Issued 31 Oct 2026 + 30 days.
        XCTAssertEqual(
            Array(facts.drop(while: { !$0.hasPrefix("Payment terms") })),
            [
                "Payment terms | Net 30 days", "Due date | 30 Nov 2026", "Currency | EUR",
                "Amount due | €419.44",
            ])
        let dueNow = try reading(try sampleInvoice(), settings: try sampleSettings(
            paymentTermsDays: 0))
        XCTAssertTrue(dueNow.rows("facts").contains("Payment terms | Due on receipt"))
        XCTAssertTrue(dueNow.rows("facts").contains("Due date | 31 Oct 2026"))
        // No terms anywhere: no due date.
        XCTAssertFalse(try reading(try sampleInvoice()).text.contains("Due date"))
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
                + " UTC local dates Currency EUR Amount due €419.44"), text)
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
        // value. Totals (1): the tax name (the discount shows as `X'<i>&"y 1%`, capitalised,
        // escaped all the same).
        let count = html.components(separatedBy: escaped).count - 1
        XCTAssertEqual(count, 7 + 9 + 3 + 1, html)
        XCTAssertTrue(html.contains("Discount: X&#39;&lt;i&gt;&amp;&quot;y 1%"))
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
        XCTAssertTrue(text.contains("VAT 7.5% on €436.50 €32.74 Total €469.24"), text)
    }

    /// Yen has no minor unit: amounts have no decimal point, digits are grouped, and a
    /// quantity of 1/3 shows as 0.3333. Subtotal 1233; consumption tax 10% = 123.3 → 123;
    /// total 1356.
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
        let page = try reading(invoice)
        XCTAssertEqual(
            page.rows("lines"),
            [
                Self.lineHeader, "api | pro | 1,200 |  | ¥1 | ¥1,200",
                "support | pro | 0.3333 |  | ¥100 | ¥33",
            ])
        XCTAssertEqual(
            page.rows("totals"),
            [
                "Subtotal | ¥1,233", "Consumption tax 10% on ¥1,233 | ¥123", "Total | ¥1,356",
                "Credits applied | ¥0", "Amount due | ¥1,356",
            ])
    }

    func testWithoutSellerOrNameTheCustomerIdIsBilled() throws {
        let html = render(try sampleInvoice(name: nil), seller: nil)
        XCTAssertFalse(html.contains("class=\"party seller\""))
        XCTAssertTrue(visibleText(html).contains("Bill to cus_001 Hauptstraße 5"))
        XCTAssertTrue(html.contains("<title>Invoice 2026-10-000001</title>"))
        // Said where the seller would be, in the text `invoice` warns with.
        let page = try readHTML(Array(html.utf8))
        XCTAssertEqual(
            page.first("missing"), "Seller details missing: add seller to the catalog")
        XCTAssertEqual(
            InvoiceHTML.sellerMissing, "Seller details missing: add `seller` to the catalog")
        XCTAssertNil(try reading(try sampleInvoice()).first("missing"))
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

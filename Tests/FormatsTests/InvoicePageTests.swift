import Foundation
import Pricing
import TestSupport
import XCTest

@testable import Formats

/// What a reader of the invoice page sees (issue 11), read with Python's HTML parser
/// (`readHTML`): the rows of the lines and totals tables per currency, the note on every line
/// whose amount is not quantity × price, service dates of a plan change, the seller's contact,
/// bank and logo, and the paper.
final class InvoicePageTests: XCTestCase {
    static let usd = Currency(code: "USD", minorUnitDigits: 2)
    static let bhd = Currency(code: "BHD", minorUnitDigits: 3)
    static let header = "Description | Plan | Quantity | Unit | Unit price | Amount"

    func value(_ text: String) -> Rational { DecimalText.exact(text)! }

    func money(_ text: String, _ currency: Currency = usd) -> Money {
        try! Money(rounding: value(text), currency: currency, rule: .halfUp)
    }

    func row(_ quantity: String, _ price: String, _ amount: String, flat: String? = nil)
        -> TierAmount
    {
        TierAmount(
            quantity: value(quantity), unitPrice: value(price), amount: value(amount),
            flatPrice: flat.map(value))
    }

    func line(
        _ charge: String, plan: String = "starter", kind: LineKind = .usage, quantity: String,
        exact: String, currency: Currency = usd, tiers: [TierAmount]
    ) -> RatedLine {
        RatedLine(
            customer: "cus_1", plan: plan, charge: charge, kind: kind, group: [],
            quantity: value(quantity), amountExact: value(exact),
            amount: money(exact, currency), tiers: tiers)
    }

    func customer(
        currency: Currency = usd, subscriptions: [Subscription]? = nil
    ) -> Customer {
        let start = CivilDate(year: 2026, month: 1, day: 1)!
        return Customer(
            id: "cus_1", name: "Northwind Traders", address: nil, taxID: nil,
            timeZone: FixedOffsetZone.utc, anchorDay: nil, currency: currency, tax: nil,
            discounts: [],
            subscriptions: subscriptions ?? [Subscription(plan: "starter", start: start, end: nil)])
    }

    func invoice(_ lines: [RatedLine], customer: Customer? = nil) throws -> Invoice {
        let builder = InvoiceBuilder(month: YearMonth("2026-10")!, rounding: .halfUp)
        return try builder.draft(
            customer: customer ?? self.customer(), lines: lines, number: 1, issueDate: nil)
    }

    func usage(
        _ key: String, _ model: PricingModel, free: String? = nil, divideBy: String? = nil,
        round: QuantityRounding = .none, minimum: String? = nil, maximum: String? = nil
    ) -> Charge {
        .usage(
            UsageCharge(
                key: key, meter: key, groupBy: [], filter: [], model: model,
                freeQuantity: free.map(value), divideBy: divideBy.map(value),
                roundQuantity: round, minimum: minimum.map(value), maximum: maximum.map(value)))
    }

    /// Plan `starter` (USD): `api` graduated (100 free, to 1000 at 0.004, then 0.002 + 1.00
    /// flat), `tokens` 0.002 per 1,000 after 1,000 free (rounded up), `seats` packages of 5 at
    /// 20.00 with a 20.00 minimum, `eu_api` 0.0035 capped at 1.00; a 100.00 commitment.
    func starterSettings() -> InvoicePageSettings {
        let starter = Plan(
            key: "starter", currency: Self.usd,
            charges: [
                usage(
                    "api",
                    .graduated([
                        Tier(upTo: value("100"), unitPrice: .zero, flatPrice: nil),
                        Tier(upTo: value("1000"), unitPrice: value("0.004"), flatPrice: nil),
                        Tier(upTo: nil, unitPrice: value("0.002"), flatPrice: value("1.00")),
                    ])),
                usage(
                    "tokens", .perUnit(.single(value("0.002"))), free: "1000", divideBy: "1000",
                    round: .up),
                usage(
                    "seats",
                    .package(size: value("5"), price: value("20"), roundPackagesDown: false),
                    minimum: "20.00"),
                usage("eu_api", .perUnit(.single(value("0.0035"))), maximum: "1.00"),
            ], minimumCommitment: value("100.00"), includedCredits: nil)
        let display = CatalogDisplay(
            plans: ["starter": DisplayLabel(name: "Starter", description: nil, unit: nil)],
            charges: [
                "starter": [
                    "api": DisplayLabel(name: nil, description: nil, unit: "calls"),
                    "tokens": DisplayLabel(name: "Tokens", description: nil, unit: "1,000 tokens"),
                    "seats": DisplayLabel(name: "Seats", description: nil, unit: "seats"),
                ]
            ])
        return InvoicePageSettings(display: display, plans: ["starter": starter])
    }

    func read(
        _ invoice: Invoice, seller: Seller? = nil, settings: InvoicePageSettings
    ) throws -> HTMLReading {
        let bytes = InvoiceHTML.render(invoice, seller: seller, settings: settings)
        XCTAssertEqual(try htmlProblems(bytes), "", "the page's elements are not balanced")
        return try readHTML(bytes)
    }

    /// Graduated tiers, free units, package rounding, a maximum and the true-up, in USD.
    ///
    /// api: 100 × 0 + 900 × 0.004 + (15 × 0.002 + 1.00) = 4.63. tokens: 25,500 - 1,000 free =
    /// 24,500 / 1,000 = 24.5, rounded up to 25 × 0.002 = 0.05. seats: 12 → 3 packages × 20 =
    /// 60. eu_api: 400 × 0.0035 = 1.40, capped at 1.00. The plan comes to 65.68; the true-up
    /// adds 34.32 to reach the 100.00 commitment.
    func testUSDNotesExplainEveryAmountThatIsNotQuantityTimesPrice() throws {
        let lines = [
            line(
                "api", quantity: "1015", exact: "4.63",
                tiers: [row("100", "0", "0"), row("900", "0.004", "3.6"),
                        row("15", "0.002", "1.03", flat: "1.00")]),
            line("tokens", quantity: "25", exact: "0.05", tiers: [row("25", "0.002", "0.05")]),
            line("seats", quantity: "12", exact: "60", tiers: [row("3", "20", "60")]),
            line("eu_api", quantity: "400", exact: "1.00", tiers: [row("400", "0.0035", "1.4")]),
            line(
                "minimum_true_up", kind: .minimumTrueUp, quantity: "1", exact: "34.32",
                tiers: [row("1", "34.32", "34.32")]),
        ]
        let page = try read(try invoice(lines), settings: starterSettings())
        XCTAssertEqual(
            page.rows("lines"),
            [
                Self.header,
                "api | Starter | 1,015 | calls |  | $4.63",
                "first 100 free, next 900 at $0.004, next 15 at $0.002 + $1.00 flat",
                "eu_api | Starter | 400 |  |  | $1.00",
                "400 at $0.0035",
                "Maximum charge of $1.00 applied (usage came to $1.40)",
                "Minimum commitment true-up | Starter | 1 |  | $34.32 | $34.32",
                "Brings the plan up to its minimum commitment of $100.00",
                "Seats | Starter | 12 | seats |  | $60.00",
                "3 packages at $20.00",
                "12 rounded up to whole packages of 5",
                "Tokens | Starter | 25 | 1,000 tokens | $0.002 | $0.05",
                "The first 1,000 units are free (before dividing into billing units)",
            ])
        XCTAssertEqual(
            page.rows("totals"),
            [
                "Subtotal | $100.00", "Total | $100.00", "Credits applied | $0.00",
                "Amount due | $100.00",
            ])
    }

    /// No seats at all: the package model prices nothing and the minimum bills 20.00.
    func testMinimumAppliedIsSaid() throws {
        let seats = line("seats", quantity: "0", exact: "20", tiers: [])
        let page = try read(try invoice([seats]), settings: starterSettings())
        XCTAssertEqual(
            page.rows("lines"),
            [
                Self.header, "Seats | Starter | 0 | seats |  | $20.00",
                "Minimum charge of $20.00 applied",
            ])
    }

    /// BHD has three minor digits: `BHD 1,234.617` (code before, as every currency without
    /// its own symbol). 1234 × 1.0005 = 1234.617.
    func testBahrainiDinarHasThreeDecimals() throws {
        let api = line(
            "api", quantity: "1234", exact: "1234.617", currency: Self.bhd,
            tiers: [row("1234", "1.0005", "1234.617")])
        let page = try read(
            try invoice([api], customer: customer(currency: Self.bhd)),
            settings: InvoicePageSettings())
        XCTAssertEqual(
            page.rows("lines"),
            [Self.header, "api | starter | 1,234 |  | BHD 1.0005 | BHD 1,234.617"])
        XCTAssertEqual(
            page.rows("totals"),
            [
                "Subtotal | BHD 1,234.617", "Total | BHD 1,234.617",
                "Credits applied | BHD 0.000", "Amount due | BHD 1,234.617",
            ])
    }

    /// A plan change on 15 Oct: each plan's lines carry their service dates, each monthly fee
    /// its proration. 14/31 × 49 = 22.129… → 22.13; 17/31 × 199 = 109.129… → 109.13.
    func testPlanChangeShowsServiceDatesPerLine() throws {
        let change = CivilDate(year: 2026, month: 10, day: 15)!
        let subscriptions = [
            Subscription(plan: "starter", start: CivilDate(year: 2026, month: 1, day: 1)!,
                         end: change),
            Subscription(plan: "pro", start: change, end: nil),
        ]
        let starterShare = try Rational(numerator: 14, denominator: 31)
        let proShare = try Rational(numerator: 17, denominator: 31)
        func fee(_ plan: String, _ share: Rational, _ price: Rational) throws -> RatedLine {
            let exact = try share * price
            return RatedLine(
                customer: "cus_1", plan: plan, charge: "platform_fee", kind: .recurring,
                group: [], quantity: .one, amountExact: exact,
                amount: try Money(rounding: exact, currency: Self.usd, rule: .halfUp),
                tiers: [
                    TierAmount(quantity: share, unitPrice: price, amount: exact, flatPrice: nil)
                ])
        }
        let lines = [
            try fee("starter", starterShare, Rational(49)), try fee("pro", proShare, Rational(199)),
        ]
        let page = try read(
            try invoice(lines, customer: customer(subscriptions: subscriptions)),
            settings: InvoicePageSettings())
        XCTAssertEqual(
            page.rows("lines"),
            [
                Self.header,
                "platform_fee | pro 15–31 Oct | 1 |  |  | $109.13",
                "Prorated: 17 of 31 days of $199.00",
                "platform_fee | starter 1–14 Oct | 1 |  |  | $22.13",
                "Prorated: 14 of 31 days of $49.00",
            ])
    }

    static let pngHeader: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    func seller(bank: BankDetails?, country: String = "IE") -> Seller {
        Seller(
            name: "Ratebook Demo Ltd",
            address: Address(
                street: "1 Main St", city: "Dublin", postalCode: "D01", country: country),
            taxID: "IE1234567T", email: "billing@ratebook.example",
            website: "https://ratebook.example", bank: bank,
            logo: Logo(path: "logo.png", mediaType: .png, bytes: Self.pngHeader, sha256: ""))
    }

    /// Contact, bank (IBAN in groups of four, BIC) and the logo as a data URI.
    func testSellerContactBankAndLogo() throws {
        let seller = seller(bank: .account(iban: "IE29AIBK93115212345678", bic: "AIBKIE2D"))
        let lines = [line("seats", quantity: "5", exact: "20", tiers: [row("1", "20", "20")])]
        let page = try read(try invoice(lines), seller: seller, settings: InvoicePageSettings())
        XCTAssertEqual(
            page.first("seller"),
            "Ratebook Demo Ltd 1 Main St D01 Dublin IE Tax ID IE1234567T"
                + " billing@ratebook.example https://ratebook.example")
        XCTAssertEqual(
            page.first("payment"),
            "Payment details IBAN IE29 AIBK 9311 5212 3456 78 · BIC AIBKIE2D")
        // 89 50 4E 47 0D 0A 1A 0A in base64 is iVBORw0KGgo=.
        XCTAssertEqual(
            page.images,
            [
                [
                    "class": "logo", "alt": "Ratebook Demo Ltd",
                    "src": "data:image/png;base64,iVBORw0K",
                ]
            ])
        let html = String(
            decoding: InvoiceHTML.render(try invoice(lines), seller: seller), as: UTF8.self)
        XCTAssertTrue(html.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""))

        let text = self.seller(bank: .text("Bank of Example, account 12345678\nRouting 021000021"))
        XCTAssertEqual(
            try read(try invoice(lines), seller: text, settings: InvoicePageSettings())
                .first("payment"),
            "Payment details Bank of Example, account 12345678 Routing 021000021")
    }

    /// Every new text from the catalog, the grants and the seller is escaped: charge name,
    /// unit and description, plan name, grant id and source, email, website, bank text, the
    /// logo's alt text.
    func testNewFieldsAreEscaped() throws {
        let hostile = "x'<i>&\"y"
        let escaped = "x&#39;&lt;i&gt;&amp;&quot;y"
        let label = DisplayLabel(name: hostile, description: hostile, unit: hostile)
        let settings = InvoicePageSettings(
            display: CatalogDisplay(
                plans: ["starter": DisplayLabel(name: hostile, description: nil, unit: nil)],
                charges: ["starter": ["seats": label]]))
        let seller = Seller(
            name: hostile, address: nil, taxID: nil, email: hostile, website: hostile,
            bank: .text(hostile),
            logo: Logo(path: "logo.png", mediaType: .png, bytes: Self.pngHeader, sha256: ""))
        let credit = AppliedCredit(grantID: hostile, source: hostile, amount: money("1.00"))
        let lines = [line("seats", quantity: "5", exact: "20", tiers: [row("5", "4", "20")])]
        let html = String(
            decoding: InvoiceHTML.render(
                try invoice(lines), seller: seller, settings: settings, credits: [credit]),
            as: UTF8.self)
        XCTAssertFalse(html.contains(hostile))
        XCTAssertFalse(html.contains("<i>"))
        // Title, seller name, logo alt, email, website, bank text (6); charge name, unit,
        // description, plan name (4); grant source and id (2).
        XCTAssertEqual(html.components(separatedBy: escaped).count - 1, 6 + 4 + 2, html)
        XCTAssertEqual(try htmlProblems(Array(html.utf8)), "")
    }

    func testPaperFollowsTheSellersCountryUnlessGiven() throws {
        XCTAssertEqual(Paper.forCountry("US"), .letter)
        XCTAssertEqual(Paper.forCountry("ca"), .letter)
        XCTAssertEqual(Paper.forCountry(" Mexico "), .letter)
        XCTAssertEqual(Paper.forCountry("IE"), .a4)
        XCTAssertEqual(Paper.forCountry("Germany"), .a4)
        XCTAssertEqual(Paper.forCountry(nil), .a4)
        let lines = [line("seats", quantity: "5", exact: "20", tiers: [row("1", "20", "20")])]
        func page(_ country: String, _ paper: Paper?) throws -> String {
            String(
                decoding: InvoiceHTML.render(
                    try invoice(lines), seller: seller(bank: nil, country: country),
                    settings: InvoicePageSettings(paper: paper)), as: UTF8.self)
        }
        let us = try page("US", nil)
        XCTAssertTrue(us.contains("@page { size: letter; margin:"))
        XCTAssertTrue(us.contains(".page { width: 215.9mm; min-height: 279.4mm;"))
        XCTAssertFalse(us.contains("size: A4"))
        XCTAssertTrue(try page("US", .a4).contains("@page { size: A4; margin:"))
        XCTAssertTrue(try page("IE", nil).contains("@page { size: A4; margin:"))
        XCTAssertTrue(try page("IE", .letter).contains("@page { size: letter; margin:"))
    }

    /// Every page: "Page N of M"; every page after the first: the invoice number.
    func testRunningFooterInThePageMargins() throws {
        let lines = [line("seats", quantity: "5", exact: "20", tiers: [row("1", "20", "20")])]
        let html = String(
            decoding: InvoiceHTML.render(try invoice(lines), seller: nil), as: UTF8.self)
        XCTAssertTrue(html.contains(
            "@page { @bottom-right { content: \"Page \" counter(page) \" of \" counter(pages);"))
        XCTAssertTrue(html.contains("@bottom-left { content: \"Invoice 2026-10-000001\";"))
        XCTAssertTrue(html.contains("@page :first { @bottom-left { content: none; } }"))
        // A number with other characters is escaped for the CSS string.
        XCTAssertTrue(
            InvoiceHTML.marginBoxes(number: "a\"b</style>").contains(
                "content: \"Invoice a\\22 b\\3c \\2f style\\3e \";"))
    }
}

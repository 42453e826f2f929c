import Foundation
import Pricing
import TestSupport
import XCTest

@testable import Formats

/// UBL 2.1 e-invoices (SPEC §8.4, issue 13): exact bytes, escaping, determinism, the gaps that
/// stop a document, and both validators (XSD and EN 16931 rules) on every document written.
final class UBLInvoiceTests: XCTestCase {
    static let usd = Currency(code: "USD", minorUnitDigits: 2)
    static let euro = Currency(code: "EUR", minorUnitDigits: 2)
    static let yen = Currency(code: "JPY", minorUnitDigits: 0)
    static let dinar = Currency(code: "BHD", minorUnitDigits: 3)

    static let seller = Seller(
        name: "Ratebook Demo Ltd",
        address: Address(
            street: "1 Main St", city: "Dublin", postalCode: "D01 F5P2", country: "IE"),
        taxID: "IE1234567T", email: "billing@ratebook.example",
        bank: .account(iban: "IE29AIBK93115212345678", bic: "AIBKIE2D"))

    static let settings = InvoicePageSettings(paymentTermsDays: 14)

    func decimal(_ text: String) throws -> Rational { try DecimalText.rational(text).get() }

    func customer(
        _ id: String, name: String?, address: Address?, taxID: String? = nil,
        currency: Currency, tax: Tax? = nil, discounts: [Discount] = [],
        paymentTermsDays: Int? = nil
    ) -> Customer {
        Customer(
            id: id, name: name, address: address, taxID: taxID, timeZone: FixedOffsetZone.utc,
            anchorDay: nil, currency: currency, tax: tax, discounts: discounts,
            subscriptions: [
                Subscription(plan: "pro", start: CivilDate(year: 2026, month: 1, day: 1)!, end: nil)
            ], paymentTermsDays: paymentTermsDays)
    }

    func line(
        _ customer: String, _ charge: String, kind: LineKind = .usage,
        group: [Pricing.Dimension] = [], quantity: Rational, amountExact: Rational,
        amount: Money, tiers: [TierAmount]
    ) -> RatedLine {
        RatedLine(
            customer: customer, plan: "pro", charge: charge, kind: kind, group: group,
            quantity: quantity, amountExact: amountExact, amount: amount, tiers: tiers)
    }

    func invoice(
        _ customer: Customer, _ lines: [RatedLine], credits: Int128 = 0
    ) throws -> Invoice {
        let builder = InvoiceBuilder(month: try XCTUnwrap(YearMonth("2026-10")), rounding: .halfUp)
        let draft = try builder.draft(customer: customer, lines: lines, number: 7, issueDate: nil)
        return try builder.applying(
            credits: Money(minorUnits: credits, currency: draft.currency), to: draft)
    }

    /// USD, no tax (category E), one line: 1200 calls × 0.5 = 600.00 due; the name and street
    /// need escaping.
    func usdInvoice() throws -> Invoice {
        let buyer = customer(
            "cus_9", name: "Northwind & Sons <\"Ltd\">",
            address: Address(
                street: "12 Harbour Rd", city: "Cork", postalCode: "T12", country: "ie"),
            currency: Self.usd)
        let price = try decimal("0.5")
        return try invoice(
            buyer,
            [
                line(
                    "cus_9", "api", quantity: Rational(1200), amountExact: Rational(600),
                    amount: Money(minorUnits: 60000, currency: Self.usd),
                    tiers: [
                        TierAmount(
                            quantity: Rational(1200), unitPrice: price, amount: Rational(600),
                            flatPrice: nil)
                    ])
            ])
    }

    /// SPEC §8.2's example, in EUR: lines api 1,100,000 calls in two tiers (0 + 1,090,000 ×
    /// 0.0004 = 436.00), seats 17/31 of 49 = 833/31 = 26.870… → 26.87, storage 2213 × 0.01
    /// = 22.13; subtotal 485.00; launch 10 % → −48.50; base 436.50; VAT 19 % = 82.935 →
    /// 82.94; total 519.44; 100.00 of credits leave 419.44 due.
    func euroInvoice() throws -> Invoice {
        let buyer = customer(
            "cus_2", name: "Acme GmbH",
            address: Address(
                street: "Hauptstr. 5", city: "Berlin", postalCode: "10115", country: "DE"),
            taxID: "DE123456789", currency: Self.euro,
            tax: Tax(name: "VAT", rate: try decimal("0.19")),
            discounts: [Discount(key: "launch", percent: Rational(10), from: nil, until: nil)])
        func euros(_ minor: Int128) -> Money { Money(minorUnits: minor, currency: Self.euro) }
        let seatsExact = try Rational(numerator: 833, denominator: 31)
        return try invoice(
            buyer,
            [
                line(
                    "cus_2", "api", quantity: Rational(1_100_000), amountExact: Rational(436),
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
                    "cus_2", "seats", kind: .recurring, quantity: .one, amountExact: seatsExact,
                    amount: euros(2687),
                    tiers: [
                        TierAmount(
                            quantity: try Rational(numerator: 17, denominator: 31),
                            unitPrice: Rational(49), amount: seatsExact, flatPrice: nil)
                    ]),
                line(
                    "cus_2", "storage", group: [Pricing.Dimension(key: "region", value: "eu")],
                    quantity: Rational(2213), amountExact: try decimal("22.13"),
                    amount: euros(2213),
                    tiers: [
                        TierAmount(
                            quantity: Rational(2213), unitPrice: try decimal("0.01"),
                            amount: try decimal("22.13"), flatPrice: nil)
                    ]),
            ], credits: 10000)
    }

    /// JPY with JCT 10 %: 3 seats × ¥3,000 = ¥9,000; tax ¥900; total ¥9,900; 30 days' terms.
    func yenInvoice() throws -> Invoice {
        let buyer = customer(
            "cus_3", name: "Sakura KK",
            address: Address(
                street: "1-1 Marunouchi", city: "Tokyo", postalCode: "100-0005", country: "JP"),
            currency: Self.yen, tax: Tax(name: "JCT", rate: try decimal("0.10")),
            paymentTermsDays: 30)
        return try invoice(
            buyer,
            [
                line(
                    "cus_3", "seats", quantity: Rational(3), amountExact: Rational(9000),
                    amount: Money(minorUnits: 9000, currency: Self.yen),
                    tiers: [
                        TierAmount(
                            quantity: Rational(3), unitPrice: Rational(3000),
                            amount: Rational(9000), flatPrice: nil)
                    ])
            ])
    }

    func xml(_ invoice: Invoice) -> String {
        String(
            decoding: UBLInvoice.invoiceXML(invoice, seller: Self.seller, settings: Self.settings),
            as: UTF8.self)
    }

    /// The whole USD document, byte for byte. Issue date: the period's last day (no --as-of);
    /// due 14 days later; category E at 0 % with its reason; the country code upper-cased.
    func testUSDInvoiceExactBytes() throws {
        let expected = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" \
            xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" \
            xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
              <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
              <cbc:ID>2026-10-000007</cbc:ID>
              <cbc:IssueDate>2026-10-31</cbc:IssueDate>
              <cbc:DueDate>2026-11-14</cbc:DueDate>
              <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
              <cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode>
              <cac:InvoicePeriod>
                <cbc:StartDate>2026-10-01</cbc:StartDate>
                <cbc:EndDate>2026-10-31</cbc:EndDate>
              </cac:InvoicePeriod>
              <cac:AccountingSupplierParty>
                <cac:Party>
                  <cac:PartyName>
                    <cbc:Name>Ratebook Demo Ltd</cbc:Name>
                  </cac:PartyName>
                  <cac:PostalAddress>
                    <cbc:StreetName>1 Main St</cbc:StreetName>
                    <cbc:CityName>Dublin</cbc:CityName>
                    <cbc:PostalZone>D01 F5P2</cbc:PostalZone>
                    <cac:Country>
                      <cbc:IdentificationCode>IE</cbc:IdentificationCode>
                    </cac:Country>
                  </cac:PostalAddress>
                  <cac:PartyTaxScheme>
                    <cbc:CompanyID>IE1234567T</cbc:CompanyID>
                    <cac:TaxScheme>
                      <cbc:ID>VAT</cbc:ID>
                    </cac:TaxScheme>
                  </cac:PartyTaxScheme>
                  <cac:PartyLegalEntity>
                    <cbc:RegistrationName>Ratebook Demo Ltd</cbc:RegistrationName>
                  </cac:PartyLegalEntity>
                  <cac:Contact>
                    <cbc:ElectronicMail>billing@ratebook.example</cbc:ElectronicMail>
                  </cac:Contact>
                </cac:Party>
              </cac:AccountingSupplierParty>
              <cac:AccountingCustomerParty>
                <cac:Party>
                  <cac:PartyIdentification>
                    <cbc:ID>cus_9</cbc:ID>
                  </cac:PartyIdentification>
                  <cac:PartyName>
                    <cbc:Name>Northwind &amp; Sons &lt;&quot;Ltd&quot;&gt;</cbc:Name>
                  </cac:PartyName>
                  <cac:PostalAddress>
                    <cbc:StreetName>12 Harbour Rd</cbc:StreetName>
                    <cbc:CityName>Cork</cbc:CityName>
                    <cbc:PostalZone>T12</cbc:PostalZone>
                    <cac:Country>
                      <cbc:IdentificationCode>IE</cbc:IdentificationCode>
                    </cac:Country>
                  </cac:PostalAddress>
                  <cac:PartyLegalEntity>
                    <cbc:RegistrationName>Northwind &amp; Sons &lt;&quot;Ltd&quot;&gt;\
            </cbc:RegistrationName>
                  </cac:PartyLegalEntity>
                </cac:Party>
              </cac:AccountingCustomerParty>
              <cac:PaymentMeans>
                <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
                <cbc:PaymentID>2026-10-000007</cbc:PaymentID>
                <cac:PayeeFinancialAccount>
                  <cbc:ID>IE29AIBK93115212345678</cbc:ID>
                  <cac:FinancialInstitutionBranch>
                    <cbc:ID>AIBKIE2D</cbc:ID>
                  </cac:FinancialInstitutionBranch>
                </cac:PayeeFinancialAccount>
              </cac:PaymentMeans>
              <cac:PaymentTerms>
                <cbc:Note>Payable within 14 days of the issue date</cbc:Note>
              </cac:PaymentTerms>
              <cac:TaxTotal>
                <cbc:TaxAmount currencyID="USD">0.00</cbc:TaxAmount>
                <cac:TaxSubtotal>
                  <cbc:TaxableAmount currencyID="USD">600.00</cbc:TaxableAmount>
                  <cbc:TaxAmount currencyID="USD">0.00</cbc:TaxAmount>
                  <cac:TaxCategory>
                    <cbc:ID>E</cbc:ID>
                    <cbc:Percent>0</cbc:Percent>
                    <cbc:TaxExemptionReason>Exempt from VAT</cbc:TaxExemptionReason>
                    <cac:TaxScheme>
                      <cbc:ID>VAT</cbc:ID>
                    </cac:TaxScheme>
                  </cac:TaxCategory>
                </cac:TaxSubtotal>
              </cac:TaxTotal>
              <cac:LegalMonetaryTotal>
                <cbc:LineExtensionAmount currencyID="USD">600.00</cbc:LineExtensionAmount>
                <cbc:TaxExclusiveAmount currencyID="USD">600.00</cbc:TaxExclusiveAmount>
                <cbc:TaxInclusiveAmount currencyID="USD">600.00</cbc:TaxInclusiveAmount>
                <cbc:PayableAmount currencyID="USD">600.00</cbc:PayableAmount>
              </cac:LegalMonetaryTotal>
              <cac:InvoiceLine>
                <cbc:ID>1</cbc:ID>
                <cbc:InvoicedQuantity unitCode="C62">1200</cbc:InvoicedQuantity>
                <cbc:LineExtensionAmount currencyID="USD">600.00</cbc:LineExtensionAmount>
                <cac:Item>
                  <cbc:Name>api</cbc:Name>
                  <cac:SellersItemIdentification>
                    <cbc:ID>pro/api</cbc:ID>
                  </cac:SellersItemIdentification>
                  <cac:ClassifiedTaxCategory>
                    <cbc:ID>E</cbc:ID>
                    <cbc:Percent>0</cbc:Percent>
                    <cac:TaxScheme>
                      <cbc:ID>VAT</cbc:ID>
                    </cac:TaxScheme>
                  </cac:ClassifiedTaxCategory>
                  <cac:AdditionalItemProperty>
                    <cbc:Name>Plan</cbc:Name>
                    <cbc:Value>pro</cbc:Value>
                  </cac:AdditionalItemProperty>
                </cac:Item>
                <cac:Price>
                  <cbc:PriceAmount currencyID="USD">0.50</cbc:PriceAmount>
                </cac:Price>
              </cac:InvoiceLine>
            </Invoice>

            """
        let actual = xml(try usdInvoice())
        XCTAssertEqual(actual, expected, firstDifference(expected: expected, actual: actual) ?? "")
    }

    /// The EUR invoice's figures are the JSON invoice's: lines 436.00 + 26.87 + 22.13 =
    /// 485.00 (BT-106); the discount as a document-level allowance of 48.50 (BT-92, BT-107);
    /// base 436.50 (BT-109, BT-116); VAT S 19 % 82.94 (BT-110, BT-117); total 519.44
    /// (BT-112); credits 100.00 prepaid (BT-113); 419.44 due (BT-115).
    func testEuroInvoiceWithTaxAndDiscountCarriesTheJSONTotals() throws {
        let invoice = try euroInvoice()
        let text = xml(invoice)
        for element in [
            "<cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>",
            "<cbc:AllowanceChargeReason>Discount launch</cbc:AllowanceChargeReason>",
            "<cbc:Amount currencyID=\"EUR\">48.50</cbc:Amount>",
            "<cbc:TaxAmount currencyID=\"EUR\">82.94</cbc:TaxAmount>",
            "<cbc:TaxableAmount currencyID=\"EUR\">436.50</cbc:TaxableAmount>",
            "<cbc:ID>S</cbc:ID>\n        <cbc:Percent>19</cbc:Percent>",
            "<cbc:LineExtensionAmount currencyID=\"EUR\">485.00</cbc:LineExtensionAmount>",
            "<cbc:TaxExclusiveAmount currencyID=\"EUR\">436.50</cbc:TaxExclusiveAmount>",
            "<cbc:TaxInclusiveAmount currencyID=\"EUR\">519.44</cbc:TaxInclusiveAmount>",
            "<cbc:AllowanceTotalAmount currencyID=\"EUR\">48.50</cbc:AllowanceTotalAmount>",
            "<cbc:PrepaidAmount currencyID=\"EUR\">100.00</cbc:PrepaidAmount>",
            "<cbc:PayableAmount currencyID=\"EUR\">419.44</cbc:PayableAmount>",
            // SEPA credit transfer for euros; the buyer's VAT id (BT-48).
            "<cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>",
            "<cbc:CompanyID>DE123456789</cbc:CompanyID>",
            // api: tiers, so no one unit price: 436.00 per 1,100,000 (BT-146, BT-149).
            "<cbc:InvoicedQuantity unitCode=\"C62\">1100000</cbc:InvoicedQuantity>\n"
                + "    <cbc:LineExtensionAmount currencyID=\"EUR\">436.00"
                + "</cbc:LineExtensionAmount>",
            "<cbc:PriceAmount currencyID=\"EUR\">436.00</cbc:PriceAmount>\n"
                + "      <cbc:BaseQuantity unitCode=\"C62\">1100000</cbc:BaseQuantity>",
            // seats: one occurrence of a prorated fee: 26.87 for 1.
            "<cbc:PriceAmount currencyID=\"EUR\">26.87</cbc:PriceAmount>\n    </cac:Price>",
            // storage: one unit price over the whole quantity, 2213 × 0.01.
            "<cbc:InvoicedQuantity unitCode=\"C62\">2213</cbc:InvoicedQuantity>",
            "<cbc:PriceAmount currencyID=\"EUR\">0.01</cbc:PriceAmount>",
            "<cbc:Name>region</cbc:Name>\n        <cbc:Value>eu</cbc:Value>",
        ] {
            XCTAssertTrue(text.contains(element), "missing \(element) in\n\(text)")
        }
        // The JSON says the same figures.
        let json = String(decoding: InvoiceOutputs.invoiceJSON(invoice), as: UTF8.self)
        for figure in [
            "\"subtotal\": \"485.00\"", "\"amount\": \"-48.50\"", "\"base\": \"436.50\"",
            "\"amount\": \"82.94\"", "\"total\": \"519.44\"", "\"credits_applied\": \"100.00\"",
            "\"amount_due\": \"419.44\"",
        ] {
            XCTAssertTrue(json.contains(figure), "JSON lacks \(figure)")
        }
        XCTAssertEqual(
            try UBLTotals(text), try UBLTotals(jsonBytes: InvoiceOutputs.invoiceJSON(invoice)))
    }

    /// JPY has no minor units: amounts are whole yen (BR-DEC allows up to two decimals).
    func testYenInvoiceWholeAmounts() throws {
        let invoice = try yenInvoice()
        let text = xml(invoice)
        XCTAssertTrue(text.contains("<cbc:DueDate>2026-11-30</cbc:DueDate>"))
        XCTAssertTrue(text.contains("<cbc:TaxAmount currencyID=\"JPY\">900</cbc:TaxAmount>"))
        XCTAssertTrue(
            text.contains("<cbc:PayableAmount currencyID=\"JPY\">9900</cbc:PayableAmount>"))
        XCTAssertTrue(text.contains("<cbc:Percent>10</cbc:Percent>"))
        XCTAssertEqual(
            try UBLTotals(text), try UBLTotals(jsonBytes: InvoiceOutputs.invoiceJSON(invoice)))
    }

    /// Escaping: markup characters become entities, a carriage return a character reference,
    /// and control characters XML 1.0 cannot hold become U+FFFD.
    func testEscaping() {
        XCTAssertEqual(XMLText.escaped("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f")
        XCTAssertEqual(XMLText.escaped("x\r\ny\tz\u{1}"), "x&#13;\ny\tz\u{FFFD}")
        XCTAssertEqual(XMLText.escaped("Hauptstraße 5 · 東京"), "Hauptstraße 5 · 東京")
        // The writer's bytes: plain text as it is, other text as `escaped` gives it (U+FFFF
        // starts with the byte 0xEF, as does the plain U+FF21 "Ａ").
        var xml = XMLText()
        xml.open("r", attributes: [("a", "x\"y")])
        xml.leaf("p", "Hauptstraße 5 · 東京 Ａ")
        xml.leaf("e", "a&b\r\u{1}\u{FFFF}")
        xml.close("r")
        XCTAssertEqual(
            String(decoding: xml.bytes, as: UTF8.self),
            "<r a=\"x&quot;y\">\n  <p>Hauptstraße 5 · 東京 Ａ</p>\n"
                + "  <e>a&amp;b&#13;\u{FFFD}\u{FFFD}</e>\n</r>\n")
    }

    /// The same invoice twice: the same bytes (no clock, no random id).
    func testTwoRunsGiveIdenticalBytes() throws {
        let first = UBLInvoice.invoiceXML(
            try euroInvoice(), seller: Self.seller, settings: Self.settings)
        let second = UBLInvoice.invoiceXML(
            try euroInvoice(), seller: Self.seller, settings: Self.settings)
        XCTAssertEqual(first, second)
    }

    /// What stops an e-invoice is listed field by field, in a fixed order.
    func testGapsNameEveryMissingField() throws {
        let bare = customer("cus_4", name: nil, address: nil, currency: Self.usd)
        let lines = [
            line(
                "cus_4", "api", quantity: .one, amountExact: .one,
                amount: Money(minorUnits: 100, currency: Self.usd), tiers: [])
        ]
        let invoice = try self.invoice(bare, lines)
        XCTAssertEqual(
            UBLInvoice.gaps(invoice, seller: nil, settings: InvoicePageSettings()),
            [
                "seller: missing (add `seller` to the catalog)",
                "customers.cus_4.name: missing",
                "customers.cus_4.address: missing",
                "payment_terms_days: missing (in the catalog, or customers.cus_4; EN 16931 "
                    + "needs a due date when an amount is due)",
            ])
        let vague = Seller(
            name: "S", address: Address(street: "", city: "", postalCode: "", country: "Ireland"),
            taxID: "1234567T")
        XCTAssertEqual(
            UBLInvoice.gaps(invoice, seller: vague, settings: Self.settings),
            [
                "seller.address.country: \"Ireland\" is not an ISO 3166-1 alpha-2 code",
                "seller.tax_id: \"1234567T\" is not a VAT identifier with an ISO 3166 country "
                    + "prefix",
                "customers.cus_4.name: missing",
                "customers.cus_4.address: missing",
            ])
        XCTAssertEqual(
            UBLInvoice.gaps(try usdInvoice(), seller: Self.seller, settings: Self.settings), [])
    }

    /// BHD has three minor units: 1.005 has no two-decimal form equal to the JSON's, so the
    /// document is refused with the reason, never rounded. A catalog-defined currency has no
    /// ISO code the rules accept.
    func testThreeMinorUnitCurrencyIsRefused() throws {
        let buyer = customer(
            "cus_b", name: "Gulf Co",
            address: Address(street: "1 Rd", city: "Manama", postalCode: "1", country: "BH"),
            currency: Self.dinar)
        let invoice = try self.invoice(
            buyer,
            [
                line(
                    "cus_b", "api", quantity: .one, amountExact: try decimal("1.005"),
                    amount: Money(minorUnits: 1005, currency: Self.dinar), tiers: [])
            ])
        XCTAssertEqual(
            UBLInvoice.gaps(invoice, seller: Self.seller, settings: Self.settings),
            ["currency: BHD has 3 minor units; EN 16931 amounts have at most 2"])
        XCTAssertEqual(
            UBLInvoice.currencyGaps(Currency(code: "CREDITS", minorUnitDigits: 0)),
            ["currency: CREDITS is not an ISO 4217 code"])
    }

    /// Lines whose quantity cannot carry the amount become one lump sum (LS) with the quantity
    /// in the description: a minimum charge at zero usage (0 × p ≠ 20.00), and a quantity
    /// that does not end (divide_by 3: 100/3).
    func testLumpSumLines() throws {
        let settings = InvoicePageSettings()
        let minimum = UBLLine(
            plan: "pro", charge: "api", kind: "usage", group: [], quantity: .zero,
            amount: Rational(20), unitPrice: try decimal("0.01"), settings: settings)
        XCTAssertEqual(minimum.quantity, "1")
        XCTAssertEqual(minimum.unitCode, "LS")
        XCTAssertEqual(minimum.price, Rational(20))
        XCTAssertEqual(minimum.description, "Quantity 0")
        let third = UBLLine(
            plan: "pro", charge: "api", kind: "usage", group: [],
            quantity: try Rational(numerator: 100, denominator: 3), amount: try decimal("3.33"),
            unitPrice: nil, settings: settings)
        XCTAssertEqual(third.unitCode, "LS")
        XCTAssertEqual(third.description, "Quantity 100/3")
        // A negative amount (a correction's fall) with a quantity that fell too: the quantity
        // carries the sign, the price stays positive (BR-27).
        let fall = UBLLine(
            plan: "pro", charge: "api", kind: "usage", group: [], quantity: Rational(-4),
            amount: try decimal("-2.00"), unitPrice: nil, settings: settings)
        XCTAssertEqual(fall.quantity, "-4")
        XCTAssertEqual(fall.price, Rational(2))
        XCTAssertEqual(fall.baseQuantity, Rational(4))
    }

    /// Every document above passes the OASIS schema and the EN 16931 rules; a copy with a
    /// broken total (BT-115 one cent off) fails the rules, so the check can fail.
    func testDocumentsValidateAndABrokenTotalFails() throws {
        let folder = try temporaryFolder()
        var files: [URL] = []
        for (name, invoice) in [
            ("usd", try usdInvoice()), ("eur", try euroInvoice()), ("jpy", try yenInvoice()),
        ] {
            files.append(
                try writeFile(
                    "\(name).xml",
                    UBLInvoice.invoiceXML(invoice, seller: Self.seller, settings: Self.settings),
                    in: folder))
        }
        let problems = try UBLValidation.problems(files)
        XCTAssertEqual(problems, "", problems)

        let broken = try readText(files[1]).replacingOccurrences(
            of: "<cbc:PayableAmount currencyID=\"EUR\">419.44</cbc:PayableAmount>",
            with: "<cbc:PayableAmount currencyID=\"EUR\">419.45</cbc:PayableAmount>")
        let brokenFile = try writeFile("broken.xml", broken, in: folder)
        let complaint = try UBLValidation.problems([brokenFile])
        XCTAssertTrue(complaint.contains("[BR-CO-16]"), complaint)
    }

    /// A correction of `euroInvoice()` (2026-10-000007, issued 2026-10-31, VAT 19 %): seats
    /// vanished (−20.00 for −2), tokens rose (+0.34 for +1); subtotal −19.66, the discount's
    /// change +1.97 (less discount), base −17.69, VAT −3.36 (17.69 × 19 % = 3.3611), total
    /// −21.05. `sign` −1 makes it the mirror supplementary invoice (+21.05).
    func correction(sign: Int) throws -> CorrectionDocument {
        func value(_ text: String) throws -> Rational {
            let number = try XCTUnwrap(DecimalText.exact(text))
            return sign < 0 ? number : number.negated
        }
        let seats = BillableLineKey(
            customer: "cus_2", plan: "pro", charge: "seats", kind: "usage", group: [])
        let tokens = BillableLineKey(
            customer: "cus_2", plan: "pro", charge: "tokens", kind: "usage",
            group: [Pricing.Dimension(key: "model", value: "m-large")])
        let draft = CorrectionDraft(
            kind: sign < 0 ? .creditNote : .supplementaryInvoice,
            lines: [
                LineChange(
                    key: seats, before: nil, after: nil, quantityDelta: try value("-2"),
                    amountExactDelta: try value("-20"), amountDelta: try value("-20")),
                LineChange(
                    key: tokens, before: nil, after: nil, quantityDelta: try value("1"),
                    amountExactDelta: try value("1/3"), amountDelta: try value("0.34")),
            ], subtotal: try value("-19.66"), discounts: try value("1.97"),
            tax: try value("-3.36"), total: try value("-21.05"))
        return CorrectionDocument(
            number: sign < 0 ? "2026-10-C000001" : "2026-10-S000001", customer: "cus_2",
            corrects: "2026-10-000007", periodStart: "2026-10-01T00:00:00Z",
            periodEnd: "2026-11-01T00:00:00Z", issueDate: "2026-11-05", currency: "EUR",
            amountScale: 2, draft: draft)
    }

    /// A credit note is a `CreditNote` (381) stating the fall as positive amounts: lines 20.00
    /// and −0.34 (19.66), an allowance of 1.97 (the discount's change, +1.97, negated), 17.69
    /// taxable, VAT 3.36, 21.05 to credit. The mirror supplementary invoice is an `Invoice`
    /// (380) with the same figures as they are (its discount change −1.97 is the allowance),
    /// due 14 days after 2026-11-05. Both refer to 2026-10-000007 of 2026-10-31 and validate.
    func testCorrectionDocuments() throws {
        let original = try euroInvoice()
        let rate = try decimal("0.19")
        let folder = try temporaryFolder()
        var files: [URL] = []
        for sign in [-1, 1] {
            let document = try correction(sign: sign)
            XCTAssertEqual(
                UBLInvoice.correctionGaps(
                    document, original: original, seller: Self.seller, settings: Self.settings),
                [])
            let bytes = UBLInvoice.correctionXML(
                document, original: original, taxRate: rate, seller: Self.seller,
                settings: Self.settings)
            let text = String(decoding: bytes, as: UTF8.self)
            files.append(try writeFile("\(document.number).xml", bytes, in: folder))
            XCTAssertTrue(
                text.contains(
                    "<cac:BillingReference>\n    <cac:InvoiceDocumentReference>\n"
                        + "      <cbc:ID>2026-10-000007</cbc:ID>\n"
                        + "      <cbc:IssueDate>2026-10-31</cbc:IssueDate>"), text)
            XCTAssertTrue(text.contains("<cbc:IssueDate>2026-11-05</cbc:IssueDate>"), text)
            let totals = try UBLTotals(text)
            XCTAssertEqual(totals.lineExtension, Decimal(string: "19.66"))
            XCTAssertEqual(totals.allowanceTotal, Decimal(string: "1.97"))
            XCTAssertEqual(totals.taxExclusive, Decimal(string: "17.69"))
            XCTAssertEqual(totals.taxAmount, Decimal(string: "3.36"))
            XCTAssertEqual(totals.payable, Decimal(string: "21.05"))
            let json = try JSONSerialization.jsonObject(with: Data(document.bytes()))
            XCTAssertEqual(
                totals, try UBLTotals(correctionJSON: try XCTUnwrap(json as? [String: Any])))
            if sign < 0 {
                XCTAssertTrue(
                    text.hasPrefix(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CreditNote xmlns="
                            + "\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\""))
                XCTAssertTrue(text.contains("<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"))
                XCTAssertTrue(
                    text.contains(
                        "<cbc:CreditedQuantity unitCode=\"C62\">2</cbc:CreditedQuantity>\n"
                            + "    <cbc:LineExtensionAmount currencyID=\"EUR\">20.00"))
                XCTAssertTrue(
                    text.contains(
                        "<cbc:CreditedQuantity unitCode=\"C62\">-1</cbc:CreditedQuantity>\n"
                            + "    <cbc:LineExtensionAmount currencyID=\"EUR\">-0.34"))
                XCTAssertFalse(text.contains("<cbc:DueDate>"))
            } else {
                XCTAssertTrue(text.contains("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"))
                XCTAssertTrue(text.contains("<cbc:DueDate>2026-11-19</cbc:DueDate>"))
                XCTAssertTrue(
                    text.contains(
                        "<cbc:InvoicedQuantity unitCode=\"C62\">2</cbc:InvoicedQuantity>\n"
                            + "    <cbc:LineExtensionAmount currencyID=\"EUR\">20.00"))
            }
        }
        let problems = try UBLValidation.problems(files)
        XCTAssertEqual(problems, "", problems)
    }

    /// A correction that takes discount back (its discounts' change is positive) states it as
    /// a document-level charge: seats +1 for +10.00, discount +1.00, base 11.00, VAT 2.09
    /// (11.00 × 19 %), total 13.09; it validates (BR-CO-13: 10.00 + 1.00 = 11.00).
    func testDiscountTakenBackIsACharge() throws {
        let seats = BillableLineKey(
            customer: "cus_2", plan: "pro", charge: "seats", kind: "usage", group: [])
        let draft = CorrectionDraft(
            kind: .supplementaryInvoice,
            lines: [
                LineChange(
                    key: seats, before: nil, after: nil, quantityDelta: .one,
                    amountExactDelta: Rational(10), amountDelta: Rational(10))
            ], subtotal: Rational(10), discounts: .one, tax: try decimal("2.09"),
            total: try decimal("13.09"))
        let document = CorrectionDocument(
            number: "2026-10-S000002", customer: "cus_2", corrects: "2026-10-000007",
            periodStart: "2026-10-01T00:00:00Z", periodEnd: "2026-11-01T00:00:00Z",
            issueDate: "2026-11-05", currency: "EUR", amountScale: 2, draft: draft)
        let bytes = UBLInvoice.correctionXML(
            document, original: try euroInvoice(), taxRate: try decimal("0.19"),
            seller: Self.seller, settings: Self.settings)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(
            text.contains(
                "<cbc:ChargeIndicator>true</cbc:ChargeIndicator>\n"
                    + "    <cbc:AllowanceChargeReasonCode>ZZZ</cbc:AllowanceChargeReasonCode>\n"
                    + "    <cbc:AllowanceChargeReason>Discount taken back by the correction"), text)
        XCTAssertTrue(
            text.contains("<cbc:ChargeTotalAmount currencyID=\"EUR\">1.00</cbc:ChargeTotalAmount>"))
        XCTAssertTrue(
            text.contains(
                "<cbc:TaxExclusiveAmount currencyID=\"EUR\">11.00</cbc:TaxExclusiveAmount>"))
        let file = try writeFile("charge.xml", bytes, in: try temporaryFolder())
        let problems = try UBLValidation.problems([file])
        XCTAssertEqual(problems, "", problems)
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("ubl-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }
}

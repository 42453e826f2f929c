import Formats
import Foundation
import TestSupport
import XCTest

/// A generated 200-customer month (issue 13, "done means"): a catalog, customers and events
/// made here (no file outside the repository), run through `rate` and `invoice --ubl auto`.
/// Every e-invoice written passes the OASIS schema and the EN 16931 rules in one validator
/// call, every e-invoice's totals equal its JSON invoice's, and the customers that cannot
/// have one are exactly those the generator left without an address or billed in BHD.
///
/// The mix: four currencies (USD, EUR, JPY, GBP) and BHD on every 50th customer; sales tax
/// 8.25 %, VAT 19 %/20 %, JCT 10 %, a 0 % rate (category Z) and no tax (E); discounts of
/// 12.5 %; prorated fees (subscriptions starting mid-month); graduated, volume, package,
/// per-unit, `divide_by: 3` quantities that do not end (lump-sum lines), minimums at zero
/// usage, maximums; names with `&`, `<`, quotes and non-Latin letters; tax ids with and
/// without a country prefix.
final class EInvoiceGeneratedRunTests: XCTestCase {
    static let customerCount = 200

    static let catalog = """
        version: 1
        seller:
          name: "Ratebook Generated & Co. <Test>"
          address: { street: "1 Main St", city: "Dublin", postal_code: "D01", country: ie }
          tax_id: "IE1234567T"
          email: billing@ratebook.example
          bank: { iban: "IE29 AIBK 9311 5212 3456 78", bic: AIBKIE2D }
        payment_terms_days: 30
        currency: USD
        rounding: half_up
        meters:
          api_calls:        { aggregation: count }
          tokens_in:        { aggregation: sum }
          storage_gb_hours: { aggregation: sum }
          seats:            { aggregation: max }
        plans:
          std_usd:
            currency: USD
            charges:
              - key: platform_fee
                type: recurring
                amount: "49.00"
                schedule: monthly
                prorate: true
              - key: api
                meter: api_calls
                model: graduated
                tiers:
                  - { up_to: 5, unit_price: "0" }
                  - { up_to: null, unit_price: "0.0375", flat_price: "1.00" }
              - key: tokens
                meter: tokens_in
                group_by: [model]
                model: per_unit
                divide_by: 1000
                round_quantity: up
                prices_by: model
                unit_price: { m-large: "0.012", m-small: "0.002", default: "0.004" }
              - key: storage
                meter: storage_gb_hours
                model: volume
                free_quantity: 100
                tiers:
                  - { up_to: 1000, unit_price: "0.02" }
                  - { up_to: null, unit_price: "0.015", flat_price: "5.00" }
              - key: seats
                meter: seats
                model: package
                package_size: 5
                package_price: "20.00"
                minimum: "20.00"
            minimum_commitment: "100.00"
          std_eur:
            currency: EUR
            charges:
              - { key: platform_fee, type: recurring, amount: "89.00", schedule: monthly }
              - key: api
                meter: api_calls
                model: per_unit
                unit_price: "0.0035"
                maximum: "1.00"
              - { key: thirds, meter: tokens_in, model: per_unit, divide_by: 3, unit_price: "1" }
              - key: storage
                meter: storage_gb_hours
                model: per_unit
                unit_price: "0.013"
                minimum: "2.50"
          std_jpy:
            currency: JPY
            charges:
              - { key: api, meter: api_calls, model: per_unit, unit_price: "0.45" }
              - key: seats
                meter: seats
                model: package
                package_size: 10
                package_price: "1500"
                round_packages: down
              - { key: base, type: recurring, amount: "300", schedule: daily }
          std_gbp:
            currency: GBP
            charges:
              - key: platform_fee
                type: recurring
                amount: "10.00"
                schedule: monthly
                prorate: true
              - { key: storage, meter: storage_gb_hours, model: per_unit, unit_price: "0.0125" }
          std_bhd:
            currency: BHD
            charges:
              - { key: platform_fee, type: recurring, amount: "1.005", schedule: monthly }

        """

    /// Customer `c001` … `c200` (ids sort as numbers, so invoice numbers follow them).
    static func id(_ index: Int) -> String { "c" + String(format: "%03d", index + 1) }

    static func plan(_ index: Int) -> String {
        if index % 50 == 49 { return "std_bhd" }
        return ["std_usd", "std_eur", "std_jpy", "std_gbp"][index % 4]
    }

    static func hasAddress(_ index: Int) -> Bool { index % 17 != 5 }

    static func customersYAML() -> String {
        let names = [
            "O'Brien & Sons <\\\"Ltd\\\">", "Müller Maschinenbau GmbH", "東京商事株式会社",
            "Société Générale d'Essai", "Plain Customer",
        ]
        let countries = ["DE", "FR", "US", "jp", "GB", "IE", "NL"]
        var text = "customers:\n"
        for index in 0..<customerCount {
            let plan = plan(index)
            text += "  \(id(index)):\n"
            text += "    name: \"\(names[index % names.count]) \(index)\"\n"
            if hasAddress(index) {
                text +=
                    "    address: { street: \"\(index) High St\", city: \"Town \(index)\", "
                    + "postal_code: \"\(10000 + index)\", "
                    + "country: \(countries[index % countries.count]) }\n"
            }
            switch index % 6 {
            case 0: text += "    tax_id: \"DE\(100_000_000 + index)\"\n"
            case 3: text += "    tax_id: \"12-\(3_000_000 + index)\"\n"
            default: break
            }
            if index % 9 == 4 { text += "    timezone: Europe/Berlin\n" }
            switch plan {
            case "std_usd" where index % 3 == 0:
                text += "    tax: { name: \"Sales tax\", rate: \"0.0825\" }\n"
            case "std_eur":
                if index % 3 != 2 {
                    let rate = index % 3 == 0 ? "0.19" : "0.2"
                    text += "    tax: { name: VAT, rate: \"\(rate)\" }\n"
                }
            case "std_jpy": text += "    tax: { name: JCT, rate: \"0.10\" }\n"
            case "std_gbp":
                text += "    tax: { name: VAT, rate: \"\(index % 8 == 7 ? "0" : "0.20")\" }\n"
            default: break
            }
            if index % 7 == 0 {
                text += "    discounts:\n      - { key: promo, percent: \"12.5\" }\n"
            }
            let day = index % 5 == 1 ? 1 + index % 28 : 1
            let month = day == 1 ? "01" : "10"
            text += "    subscriptions:\n"
            let start = "2026-\(month)-\(String(format: "%02d", day))"
            text += "      - { plan: \(plan), start: \(start) }\n"
        }
        return text
    }

    /// Deterministic events: a linear congruential generator, the same every run.
    static func events() -> String {
        var state: UInt64 = 0x2026_1013
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var lines: [String] = []
        var serial = 0
        for index in 0..<customerCount {
            // Every 11th customer has no usage at all: minimums apply to zero quantities.
            guard index % 11 != 10 else { continue }
            for _ in 0..<(3 + next(12)) {
                serial += 1
                let day = 1 + next(31)
                let ts =
                    "2026-10-\(String(format: "%02d", day))T"
                    + "\(String(format: "%02d", next(24))):\(String(format: "%02d", next(60))):00Z"
                let customer = id(index)
                switch next(4) {
                case 0:
                    lines.append(
                        #"{"id":"e\#(serial)","customer":"\#(customer)","meter":"api_calls","#
                            + #""ts":"\#(ts)"}"#)
                case 1:
                    let model = ["m-large", "m-small", "m-other"][next(3)]
                    lines.append(
                        #"{"id":"e\#(serial)","customer":"\#(customer)","meter":"tokens_in","#
                            + #""ts":"\#(ts)","quantity":"\#(next(50_000))","#
                            + #""dims":{"model":"\#(model)"}}"#)
                case 2:
                    lines.append(
                        #"{"id":"e\#(serial)","customer":"\#(customer)","#
                            + #""meter":"storage_gb_hours","ts":"\#(ts)","#
                            + #""quantity":"\#(next(3000)).\#(next(1000))"}"#)
                default:
                    lines.append(
                        #"{"id":"e\#(serial)","customer":"\#(customer)","meter":"seats","#
                            + #""ts":"\#(ts)","quantity":"\#(1 + next(40))"}"#)
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func testEveryGeneratedEInvoiceValidatesAndCarriesItsInvoicesTotals() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Self.customersYAML(), in: work)
        let events = try writeFile("events.ndjson", Self.events(), in: work)
        let rated = work.appendingPathComponent("rate", isDirectory: true)
        let rate = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: rated,
                inputs: [events.path]),
            in: work)
        XCTAssertEqual(rate.status, 0, rate.transcript)
        let output = work.appendingPathComponent("invoice", isDirectory: true)
        let invoice = try runInvoice(
            [
                "--catalog", catalog.path, "--customers", customers.path, "--period", "2026-10",
                "--rated", rated.path, "--output", output.path, "--ubl", "auto",
            ], in: work)
        XCTAssertEqual(invoice.status, 0, invoice.transcript)

        // Who has no e-invoice, and why: no address (index % 17 == 5), BHD (index % 50 == 49).
        var expectedGaps: [EInvoiceGap] = []
        var expectedXML: [String] = []
        for index in 0..<Self.customerCount {
            var fields: [String] = []
            if !Self.hasAddress(index) {
                fields.append("customers.\(Self.id(index)).address: missing")
            }
            if Self.plan(index) == "std_bhd" {
                fields.append("currency: BHD has 3 minor units; EN 16931 amounts have at most 2")
            }
            if fields.isEmpty {
                expectedXML.append("\(Self.id(index)).xml")
            } else {
                expectedGaps.append(
                    EInvoiceGap(
                        customer: Self.id(index),
                        document: "2026-10-" + String(format: "%06d", index + 1), fields: fields))
            }
        }
        let manifest = try Manifest.decode(
            try readBytes(output.appendingPathComponent("manifest.json")))
        XCTAssertEqual(manifest.eInvoicesMissing, expectedGaps)
        let invoices = output.appendingPathComponent("invoices")
        let written = folderEntries(invoices).filter { $0.hasSuffix(".xml") }
        XCTAssertEqual(written, expectedXML)
        XCTAssertEqual(written.count, 184, "200 − 12 without an address − 4 in BHD")

        // The kinds of document the generator meant to produce are all there.
        var texts: [String: String] = [:]
        for name in written { texts[name] = try readText(invoices.appendingPathComponent(name)) }
        let all = texts.values.joined()
        for feature in [
            "<cbc:ID>S</cbc:ID>", "<cbc:ID>E</cbc:ID>", "<cbc:ID>Z</cbc:ID>",
            "<cbc:Percent>8.25</cbc:Percent>", "<cbc:Percent>19</cbc:Percent>",
            "<cbc:Percent>20</cbc:Percent>", "<cbc:Percent>10</cbc:Percent>",
            "currencyID=\"USD\"", "currencyID=\"EUR\"", "currencyID=\"JPY\"",
            "currencyID=\"GBP\"", "unitCode=\"LS\"", "<cbc:BaseQuantity",
            "<cbc:AllowanceChargeReason>Discount promo</cbc:AllowanceChargeReason>",
            "O&apos;Brien &amp; Sons &lt;&quot;Ltd&quot;&gt;", "東京商事株式会社",
            "<cbc:CompanyID>12-3000003</cbc:CompanyID>", "<cbc:IdentificationCode>JP<",
        ] {
            XCTAssertTrue(all.contains(feature), "no generated e-invoice has \(feature)")
        }
        for (name, text) in texts {
            let jsonName = name.replacingOccurrences(of: ".xml", with: ".json")
            let json = try readBytes(invoices.appendingPathComponent(jsonName))
            XCTAssertEqual(try UBLTotals(text), try UBLTotals(jsonBytes: json), name)
        }
        // One validator call for all of them (Saxon compiles the rules once).
        let problems = try UBLValidation.problems(
            written.map { invoices.appendingPathComponent($0) })
        XCTAssertEqual(problems, "", problems)
    }
}

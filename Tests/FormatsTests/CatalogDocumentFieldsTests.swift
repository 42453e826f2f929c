import Foundation
import Pricing
import TestSupport
import XCTest

@testable import Formats

/// The catalog's document fields (issue 11, docs/catalog-documents.md): display text of plans
/// and charges, payment terms, the seller's email, website, bank and logo — every key loaded
/// with its exact value, every refusal with its exact message, line and YAML path.
final class CatalogDocumentFieldsTests: XCTestCase {
    /// A catalog with one plan of two charges, and `seller`/`extra` lines spliced in: `seller`
    /// after line 1 (so its first line is line 2), `extra` at the top level after the seller.
    func catalog(seller: String = "", extra: String = "", plan: String = "") -> String {
        "version: 1\n" + seller + extra + """
            currency: USD
            meters: { calls: { aggregation: count } }
            plans:
              pro:
            \(plan)    charges:
                  - { key: api, meter: calls, model: per_unit, unit_price: "0.01" }
                  - { key: fee, amount: "49", schedule: monthly }

            """
    }

    func load(_ text: String, folder: String = ".") throws -> Catalog {
        try CatalogLoader.load(text: text, file: "catalog.yaml", folder: folder)
    }

    /// `line path: message` of each error, in reported order (an empty list and a failure
    /// when the catalog loads).
    func failures(
        _ text: String, folder: String = ".", limits: ConfigLimits = ConfigLimits(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> [String] {
        do {
            _ = try CatalogLoader.load(
                text: text, file: "catalog.yaml", limits: limits, folder: folder)
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

    /// The first bytes of a PNG file: its 8-byte signature and the length of an IHDR chunk.
    static let pngBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]

    // MARK: Loaded values

    func testEveryKeyLoadsWithItsExactValue() throws {
        let folder = try makeTemporaryDirectory()
        try writeFile("brand/logo.png", Self.pngBytes, in: folder)
        let seller = """
            seller:
              name: "Ratebook Demo Ltd"
              email: billing@ratebook.example
              website: "https://ratebook.example/billing?ref=invoice"
              bank: { iban: "de89 3704 0044 0532 0130 00", bic: cobadeffxxx }
              logo: brand/logo.png

            """
        let text = """
            version: 1
            payment_terms_days: 30
            currency: USD
            meters: { calls: { aggregation: count } }
            plans:
              pro:
                name: "Pro"
                description: "For teams.\\nBilled monthly."
                charges:
                  - key: api
                    name: "API calls"
                    description: "Every request to the API"
                    unit: "1,000 calls"
                    meter: calls
                    model: per_unit
                    unit_price: "0.01"
                  - { key: fee, name: "Platform fee", amount: "49", schedule: monthly }
                  - { key: bare, amount: "1", schedule: monthly }
              basic:
                charges: [{ key: fee, amount: "9", schedule: monthly }]

            """
        let catalog = try load(
            text.replacingOccurrences(of: "version: 1\n", with: "version: 1\n" + seller),
            folder: folder.path)
        XCTAssertEqual(catalog.paymentTermsDays, 30)
        XCTAssertEqual(
            catalog.display.plan("pro"),
            DisplayLabel(name: "Pro", description: "For teams.\nBilled monthly.", unit: nil))
        XCTAssertEqual(
            catalog.display.charge(plan: "pro", charge: "api"),
            DisplayLabel(
                name: "API calls", description: "Every request to the API", unit: "1,000 calls"))
        XCTAssertEqual(
            catalog.display.charge(plan: "pro", charge: "fee"),
            DisplayLabel(name: "Platform fee", description: nil, unit: nil))
        // Keys without display text have no entry at all.
        XCTAssertNil(catalog.display.charge(plan: "pro", charge: "bare"))
        XCTAssertNil(catalog.display.plan("basic"))
        XCTAssertNil(catalog.display.charge(plan: "basic", charge: "fee"))
        XCTAssertEqual(catalog.display.plans.keys.sorted(), ["pro"])
        XCTAssertEqual(catalog.display.charges.keys.sorted(), ["pro"])
        let sellerValue = try XCTUnwrap(catalog.seller)
        XCTAssertEqual(sellerValue.name, "Ratebook Demo Ltd")
        XCTAssertEqual(sellerValue.email, "billing@ratebook.example")
        XCTAssertEqual(sellerValue.website, "https://ratebook.example/billing?ref=invoice")
        // Spaces removed, letters made capital, in the IBAN and the BIC.
        XCTAssertEqual(
            sellerValue.bank, .account(iban: "DE89370400440532013000", bic: "COBADEFFXXX"))
        let logo = try XCTUnwrap(sellerValue.logo)
        XCTAssertEqual(logo.path, "brand/logo.png")
        XCTAssertEqual(logo.mediaType, .png)
        XCTAssertEqual(logo.bytes, Self.pngBytes)
        // sha256 of the 12 bytes above (Python: hashlib.sha256(bytes).hexdigest()).
        XCTAssertEqual(
            logo.sha256, "218ad85a233eff829618a6865ab681222b734c62d35a32b3eabd5c37d8945f86")
        // base64 of the 12 bytes: iVBORw0KGgo (the signature) then AAAAN.
        XCTAssertEqual(logo.dataURI, "data:image/png;base64,iVBORw0KGgoAAAAN")
        // The pricing itself is what it was without the display text.
        XCTAssertEqual(catalog.plans["pro"]?.charges.map(\.key), ["api", "fee", "bare"])
    }

    func testAbsentKeysLeaveEverythingEmpty() throws {
        let catalog = try load(catalog(seller: "seller: { name: S }\n"))
        XCTAssertNil(catalog.paymentTermsDays)
        XCTAssertEqual(catalog.display, CatalogDisplay())
        XCTAssertEqual(catalog.seller, Seller(name: "S", address: nil, taxID: nil))
        XCTAssertNil(catalog.seller?.email)
        XCTAssertNil(catalog.seller?.website)
        XCTAssertNil(catalog.seller?.bank)
        XCTAssertNil(catalog.seller?.logo)
    }

    func testBankAsTextAndAnIBANWithoutBIC() throws {
        let text = catalog(
            seller: """
                seller:
                  name: S
                  bank:
                    text: |
                      Bank of Example, account 12345678
                      Routing 021000021

                """)
        XCTAssertEqual(
            try load(text).seller?.bank,
            .text("Bank of Example, account 12345678\nRouting 021000021\n"))
        let iban = catalog(seller: "seller: { name: S, bank: { iban: GB82WEST12345698765432 } }\n")
        XCTAssertEqual(
            try load(iban).seller?.bank, .account(iban: "GB82WEST12345698765432", bic: nil))
        // A country outside the length table: format and check digits only (AA81 + 13 digits,
        // check digits computed with the ISO 13616 rule: 98 - (1234567890123AA00 mod 97)).
        let other = catalog(seller: "seller: { name: S, bank: { iban: AA811234567890123 } }\n")
        XCTAssertEqual(
            try load(other).seller?.bank, .account(iban: "AA811234567890123", bic: nil))
        // Norway has the shortest IBAN (15), Saint Lucia the longest in the table (32).
        let norway = catalog(
            seller: "seller: { name: S, bank: { iban: NO93 8601 1117 947, bic: DNBANOKK } }\n")
        XCTAssertEqual(
            try load(norway).seller?.bank, .account(iban: "NO9386011117947", bic: "DNBANOKK"))
    }

    func testPaymentTermsBounds() throws {
        XCTAssertEqual(try load(catalog(extra: "payment_terms_days: 0\n")).paymentTermsDays, 0)
        XCTAssertEqual(
            try load(catalog(extra: "payment_terms_days: 365\n")).paymentTermsDays, 365)
        for (value, found) in [("366", "366"), ("-1", "-1"), ("30.5", "30.5"), ("soon", "soon")] {
            XCTAssertEqual(
                failures(catalog(extra: "payment_terms_days: \(value)\n")),
                [
                    "2 payment_terms_days: expected a whole number from 0 to 365, "
                        + "found \"\(found)\""
                ], value)
        }
    }

    func testDisplayTextLimitsBothSides() throws {
        let limit = ConfigLimits().displayNameCharactersMax
        XCTAssertEqual(limit, 200)
        // 200 scalars: "é" written as e + combining acute is 2 scalars, so 100 of them.
        let atLimit = String(repeating: "e\u{301}", count: limit / 2)
        let plan = "    name: \"\(atLimit)\"\n"
        XCTAssertEqual(try load(catalog(plan: plan)).display.plan("pro")?.name, atLimit)
        XCTAssertEqual(
            failures(catalog(plan: "    name: \"\(atLimit)x\"\n")),
            ["6 plans.pro.name: is 201 characters long; the limit is 200 characters"])
        let descriptionLimit = ConfigLimits().displayDescriptionCharactersMax
        XCTAssertEqual(descriptionLimit, 2_000)
        let long = String(repeating: "d", count: descriptionLimit)
        XCTAssertEqual(
            try load(catalog(plan: "    description: \(long)\n")).display.plan("pro")?
                .description, long)
        XCTAssertEqual(
            failures(catalog(plan: "    description: \(long)d\n")),
            ["6 plans.pro.description: is 2001 characters long; the limit is 2000 characters"])
    }

    // MARK: Refusals

    func testDisplayTextRefusals() {
        let text = """
            version: 1
            currency: USD
            meters: { calls: { aggregation: count } }
            plans:
              pro:
                name: "   "
                description: ""
                unit: seats
                charges:
                  - { key: api, meter: calls, model: per_unit, unit_price: "1", name: "a\\nb" }
                  - { key: fee, amount: "1", schedule: monthly, unit: null, description: "x\\ty" }
                  - { key: two, amount: "1", schedule: monthly, name: [a] }

            """
        XCTAssertEqual(
            failures(text),
            [
                "8 plans.pro.unit: unknown key; expected one of: charges, currency, description, "
                    + "included_credits, minimum_commitment, name",
                "6 plans.pro.name: expected text, found only white space",
                "7 plans.pro.description: expected a non-empty string",
                "10 plans.pro.charges[0].name: expected one line of text without control "
                    + "characters or line breaks",
                "11 plans.pro.charges[1].description: control characters other than line breaks "
                    + "are not allowed",
                "11 plans.pro.charges[1].unit: expected a string, found null",
                "12 plans.pro.charges[2].name: expected a string, found a list",
            ])
    }

    func testSellerContactRefusals() {
        let seller = """
            seller:
              name: S
              email: "billing at example.com"
              website: "ftp://example.com"

            """
        XCTAssertEqual(
            failures(catalog(seller: seller)),
            [
                "4 seller.email: expected an email address such as billing@example.com (one @ "
                    + "between a name and a domain, no spaces), found \"billing at example.com\"",
                "5 seller.website: expected a URL starting with https:// or http:// and a host, "
                    + "such as https://example.com, found \"ftp://example.com\"",
            ])
        for email in ["a@b@c", "@example.com", "billing@", "bill ing@example.com", "a@b\u{A0}c"] {
            XCTAssertEqual(
                failures(catalog(seller: "seller: { name: S, email: \"\(email)\" }\n")).count, 1,
                email)
        }
        let longEmail = String(repeating: "a", count: 243) + "@example.com"  // 255 bytes
        XCTAssertEqual(
            failures(catalog(seller: "seller: { name: S, email: \(longEmail) }\n")),
            ["2 seller.email: is 255 bytes long; the limit is 254 bytes"])
        let fitting = String(repeating: "a", count: 242) + "@example.com"  // 254 bytes
        XCTAssertEqual(
            try? load(catalog(seller: "seller: { name: S, email: \(fitting) }\n")).seller?.email,
            fitting)
        for website in [
            "https://", "http:///path", "https://exa mple.com", "HTTPS://example.com",
            "example.com", "https://example.com/\\u007F",
        ] {
            XCTAssertEqual(
                failures(catalog(seller: "seller: { name: S, website: \"\(website)\" }\n")).count,
                1, website)
        }
        XCTAssertEqual(
            try? load(catalog(seller: "seller: { name: S, website: \"http://a.example\" }\n"))
                .seller?.website, "http://a.example")
    }

    func testBankRefusals() {
        func bank(_ body: String) -> [String] {
            failures(catalog(seller: "seller: { name: S, bank: \(body) }\n"))
        }
        XCTAssertEqual(
            bank("{ iban: DE88 3704 0044 0532 0130 00 }"),
            [
                "2 seller.bank.iban: the IBAN's check digits do not match (ISO 13616 mod 97): "
                    + "\"DE88 3704 0044 0532 0130 00\"; look for a mistyped character"
            ])
        XCTAssertEqual(
            bank("{ iban: DE89 3704 0044 0532 0130 0 }"),
            [
                "2 seller.bank.iban: an IBAN of DE has 22 characters; "
                    + "\"DE89 3704 0044 0532 0130 0\" has 21"
            ])
        let format =
            "2 seller.bank.iban: expected an IBAN: a country code, 2 check digits and up to 30 "
            + "letters or digits, such as DE89 3704 0044 0532 0130 00; found "
        XCTAssertEqual(bank("{ iban: \"DE89-3704-0044\" }"), [format + "\"DE89-3704-0044\""])
        // A digit where the country goes, letters where the check digits go, 14 and 35
        // characters (spaces not counted).
        for wrong in [
            "1E89370400440532013000", "DEXX370400440532013000", "AA811234567890",
            "AA81 1234 5678 9012 3456 7890 1234 5678 901",
        ] {
            XCTAssertEqual(bank("{ iban: \"\(wrong)\" }"), [format + "\"\(wrong)\""])
        }
        let bic =
            "2 seller.bank.bic: expected a BIC of 8 or 11 letters or digits (bank, country, "
            + "location, optional branch) such as COBADEFFXXX; found "
        for wrong in ["COBADEF", "COBADEFFXX", "COBA1EFFXXX", "COBA-EFF"] {
            XCTAssertEqual(
                bank("{ iban: GB82WEST12345698765432, bic: \(wrong) }"), [bic + "\"\(wrong)\""])
        }
        XCTAssertEqual(
            bank("{ iban: GB82WEST12345698765432, text: x }"),
            [
                "2 seller.bank: give either iban (with an optional bic) or text, not both; put "
                    + "everything in text to print it as written"
            ])
        XCTAssertEqual(
            bank("{ bic: COBADEFFXXX }"),
            [
                "2 seller.bank.iban: missing; a bic goes with an iban (or write the details as "
                    + "text)"
            ])
        XCTAssertEqual(
            bank("{}"),
            ["2 seller.bank.iban: missing; expected iban (with an optional bic) or text"])
        XCTAssertEqual(
            bank("{ iban: x, sort_code: 1 }"),
            [
                "2 seller.bank.sort_code: unknown key; expected one of: bic, iban, text",
                format + "\"x\"",
            ])
        // Both the IBAN's and the BIC's problems are listed together.
        XCTAssertEqual(bank("{ iban: x, bic: y }"), [format + "\"x\"", bic + "\"y\""])
    }

    // MARK: The logo

    /// The catalog with `seller: { name: S, logo: <path> }` on line 2.
    func logoCatalog(_ path: String) -> String {
        catalog(seller: "seller: { name: S, logo: \"\(path)\" }\n")
    }

    func testLogoTypesAreKnownByContent() throws {
        let folder = try makeTemporaryDirectory()
        let svg =
            "\u{FEFF}<?xml version=\"1.0\"?>\n<!-- made by hand -->\n"
            + "<!DOCTYPE svg>\n  <svg xmlns=\"http://www.w3.org/2000/svg\"/>\n"
        let files: [(String, [UInt8], Logo.MediaType)] = [
            // A JPEG is known by FF D8 FF whatever its name says.
            ("logo.png", [0xFF, 0xD8, 0xFF, 0xE0], .jpeg),
            ("logo.jpg", Self.pngBytes, .png),
            ("logo.svg", Array(svg.utf8), .svg),
            ("plain.svg", Array("<svg>".utf8), .svg),
        ]
        for (name, bytes, type) in files {
            try writeFile(name, bytes, in: folder)
            let logo = try load(logoCatalog(name), folder: folder.path).seller?.logo
            XCTAssertEqual(logo?.mediaType, type, name)
            XCTAssertEqual(logo?.bytes, bytes, name)
        }
        // base64 of "<svg>" is PHN2Zz4= (3 bytes "<sv" → PHN2, "g>" → Zz4=).
        XCTAssertEqual(
            try load(logoCatalog("plain.svg"), folder: folder.path).seller?.logo?.dataURI,
            "data:image/svg+xml;base64,PHN2Zz4=")
    }

    func testLogoRefusals() throws {
        let folder = try makeTemporaryDirectory()
        let base = folder.path
        let notImages: [(String, [UInt8])] = [
            ("empty.png", []), ("page.html", Array("<html><svg></svg></html>".utf8)),
            ("svgish.svg", Array("<svgx/>".utf8)), ("text.svg", Array("svg".utf8)),
            ("open.svg", Array("<!-- never closed <svg/>".utf8)),
            ("gif.png", Array("GIF89a".utf8)), ("latin1.svg", [0x3C, 0x73, 0x76, 0x67, 0xE9]),
            // A doctype declaring entities is not skipped whole: the first element is not svg.
            ("entities.svg", Array("<!DOCTYPE svg [<!ENTITY a \"b\">]><svg/>".utf8)),
        ]
        for (name, bytes) in notImages {
            try writeFile(name, bytes, in: folder)
            XCTAssertEqual(
                failures(logoCatalog(name), folder: base),
                [
                    "2 seller.logo: logo \(base)/\(name): not a PNG, JPEG or SVG image (known by "
                        + "its content, not its name)"
                ], name)
        }
        XCTAssertEqual(
            failures(logoCatalog("missing.png"), folder: base),
            ["2 seller.logo: logo \(base)/missing.png: cannot open the file; check the path"])
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("brand"), withIntermediateDirectories: false)
        XCTAssertEqual(
            failures(logoCatalog("brand"), folder: base),
            [
                "2 seller.logo: logo \(base)/brand: a folder, not a file; give the path of the "
                    + "file itself"
            ])
        XCTAssertEqual(
            failures(logoCatalog("\(base)/logo.png"), folder: base),
            [
                "2 seller.logo: write the logo's path relative to the catalog's folder, not from "
                    + "/: \"\(base)/logo.png\""
            ])
    }

    func testLogoSizeLimitBothSides() throws {
        XCTAssertEqual(ConfigLimits().logoBytesMax, 524_288)
        let folder = try makeTemporaryDirectory()
        var limits = ConfigLimits()
        limits.logoBytesMax = 16
        // The PNG signature and 4 more bytes: 12; padded to exactly 16, then 17.
        try writeFile("fits.png", Self.pngBytes + [1, 2, 3, 4], in: folder)
        try writeFile("over.png", Self.pngBytes + [1, 2, 3, 4, 5], in: folder)
        let fits = try CatalogLoader.load(
            text: logoCatalog("fits.png"), file: "catalog.yaml", limits: limits,
            folder: folder.path)
        XCTAssertEqual(fits.seller?.logo?.bytes.count, 16)
        XCTAssertEqual(
            failures(logoCatalog("over.png"), folder: folder.path, limits: limits),
            [
                "2 seller.logo: logo \(folder.path)/over.png: larger than 16 bytes; every HTML "
                    + "invoice embeds the logo: use an SVG or a smaller image"
            ])
    }

    func testTheCatalogsFolderIsWhereTheLogoIsFound() throws {
        XCTAssertEqual(CatalogLoader.folder(ofCatalogPath: "catalog.yaml"), ".")
        XCTAssertEqual(CatalogLoader.folder(ofCatalogPath: "conf/catalog.yaml"), "conf")
        XCTAssertEqual(CatalogLoader.folder(ofCatalogPath: "/etc/rb/catalog.yaml"), "/etc/rb")
        XCTAssertEqual(CatalogLoader.folder(ofCatalogPath: "/catalog.yaml"), "/")
        // The stages read the catalog from its path: the logo beside it is found from any
        // working directory, and a missing one is a configuration error (exit 2).
        let folder = try makeTemporaryDirectory()
        try writeFile("conf/brand/logo.png", Self.pngBytes, in: folder)
        let catalogURL = try writeFile(
            "conf/catalog.yaml", logoCatalog("brand/logo.png"), in: folder)
        let customersURL = try writeFile(
            "customers.yaml",
            "customers:\n  c1: { subscriptions: [{ plan: pro, start: 2026-01-01 }] }\n",
            in: folder)
        let stage = try StageConfiguration.load(
            catalogPath: catalogURL.path, customersPath: customersURL.path)
        XCTAssertEqual(stage.catalog.seller?.logo?.bytes, Self.pngBytes)
        try writeFile("conf/catalog.yaml", logoCatalog("brand/gone.png"), in: folder)
        do {
            _ = try StageConfiguration.load(
                catalogPath: catalogURL.path, customersPath: customersURL.path)
            XCTFail("the catalog loaded")
        } catch {
            XCTAssertEqual(error.status, .invalidConfiguration)
            XCTAssertEqual(
                error.message,
                "invalid configuration; nothing was written:\ncatalog.yaml:2:26: seller.logo: logo "
                    + "\(folder.path)/conf/brand/gone.png: cannot open the file; check the path")
        }
    }
}

import Foundation
import Pricing
import XCTest

@testable import Formats

/// Reading back what a run wrote, for `diff` and later runs: the golden samples, and refusals
/// that name the line and field.
final class RunDocumentsTests: XCTestCase {
    static let expected = ManifestCodecTests.samples

    func testGoldenInvoiceDocumentsReadBack() throws {
        let bytes = [UInt8](
            try Data(
                contentsOf: Self.expected.appendingPathComponent("invoice/invoices/cus_3.json")))
        let document = try InvoiceDocument.decode(bytes)
        XCTAssertEqual(document.number, "2026-10-000003")
        XCTAssertEqual(document.customer, "cus_3")
        XCTAssertEqual(document.currency, "JPY")
        XCTAssertEqual(document.amountScale, 0)
        XCTAssertEqual(document.lines.count, 4)
        XCTAssertEqual(document.lines[0].0.description, "api (tokyo, usage)")
        XCTAssertEqual(document.lines[0].1.amountExact.description, "35.55")
        XCTAssertEqual(document.lines[0].1.amount, Rational(36))
        XCTAssertEqual(document.figure("subtotal"), Rational(44636))
        // Every document's figures are the sums the invoice promises: subtotal + discounts +
        // tax = total, total - credits applied = amount due.
        for customer in 1...6 {
            let url = Self.expected.appendingPathComponent("invoice/invoices/cus_\(customer).json")
            let document = try InvoiceDocument.decode([UInt8](try Data(contentsOf: url)))
            var lines = Rational.zero
            for (_, figures) in document.lines { lines = try lines + figures.amount }
            XCTAssertEqual(lines, document.figure("subtotal"), "cus_\(customer)")
            XCTAssertEqual(
                try document.figure("subtotal")! + document.figure("discounts")!
                    + document.figure("tax")!, document.figure("total"), "cus_\(customer)")
            XCTAssertEqual(
                try document.figure("total")! - document.figure("credits_applied")!,
                document.figure("amount_due"), "cus_\(customer)")
        }
    }

    func testGoldenRatedLinesReadBack() throws {
        let url = Self.expected.appendingPathComponent("rate/rated.ndjson")
        let lines = try RatedLinesFile.decode([UInt8](try Data(contentsOf: url)))
        XCTAssertEqual(lines.count, 48)
        let tokens = try XCTUnwrap(
            lines.first { $0.key.charge == "tokens" && $0.key.groupText == "model=m-large" })
        XCTAssertEqual(tokens.key.customer, "cus_1")
        XCTAssertEqual(tokens.figures.quantity, Rational(915))
        XCTAssertEqual(tokens.figures.amount.description, "10.98")
        XCTAssertEqual(tokens.currency, "USD")
        XCTAssertEqual(tokens.amountScale, 2)
    }

    func testRefusalsNameTheLineAndField() {
        func refusal(_ text: String) -> String {
            do {
                _ = try RatedLinesFile.decode(Array(text.utf8))
                return "decoded"
            } catch {
                return error.description
            }
        }
        let good =
            #"{"customer":"c","plan":"p","charge":"a","kind":"usage","group":{},"quantity":"1","#
            + #""currency":"USD","amount_exact":"1/3","amount":"0.33"}"#
        XCTAssertEqual(refusal(good + "\n"), "decoded")
        XCTAssertEqual(
            refusal(good + "\n" + good.replacingOccurrences(of: #""1/3""#, with: "0.3") + "\n"),
            "line 2.amount_exact: missing or not an exact number")
        XCTAssertEqual(
            refusal(good.replacingOccurrences(of: #""group":{}"#, with: #""group":[]"#)),
            "line 1.group: missing or not an object")
        XCTAssertTrue(refusal("{\n").hasPrefix("line 1: not JSON ("), refusal("{\n"))
        XCTAssertEqual(
            refusal(good.replacingOccurrences(of: #""customer":"c","#, with: "")),
            "line 1: customer: missing or not a string")
    }
}

extension RunDocumentsTests {
    /// The invoice codec: each golden invoice decodes to an `Invoice` that encodes to the same
    /// bytes, given its customer (loaded from the samples) and currency.
    func testGoldenInvoicesRoundTrip() throws {
        let samples = Self.expected.deletingLastPathComponent()
        let catalogFile = try ConfigFile(
            path: samples.appendingPathComponent("catalog.yaml").path, bytesMax: 1 << 20)
        let catalog = try CatalogLoader.load(text: catalogFile.text, file: catalogFile.name)
        let customersFile = try ConfigFile(
            path: samples.appendingPathComponent("customers.yaml").path, bytesMax: 1 << 20)
        let customers = try CustomersLoader.load(
            text: customersFile.text, file: customersFile.name, catalog: catalog,
            zones: TimeZoneDirectory())
        let october = YearMonth("2026-10")!
        var decoded = 0
        for customer in customers {
            let url = Self.expected.appendingPathComponent("invoice/invoices/\(customer.id).json")
            guard let data = try? Data(contentsOf: url) else { continue }
            let bytes = [UInt8](data)
            let light = try InvoiceDocument.decode(bytes)
            let currency = try XCTUnwrap(catalog.currency(code: light.currency))
            let invoice = try InvoiceDocument.decodeInvoice(
                bytes, customer: customer, currency: currency, month: october)
            XCTAssertEqual(InvoiceOutputs.invoiceJSON(invoice), bytes, customer.id)
            decoded += 1
        }
        XCTAssertEqual(decoded, 7)
        // A document that is not the customer's, or whose amount has too many decimals.
        let bytes = [UInt8](
            try Data(
                contentsOf: Self.expected.appendingPathComponent("invoice/invoices/cus_1.json")))
        let usd = catalog.currency(code: "USD")!
        XCTAssertThrowsError(
            try InvoiceDocument.decodeInvoice(
                bytes, customer: customers[1], currency: usd, month: october)
        ) { error in XCTAssertEqual("\(error)", "customer: not cus_2") }
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
            of: "\"total\": \"1141.37\"", with: "\"total\": \"1141.370\"")
        XCTAssertThrowsError(
            try InvoiceDocument.decodeInvoice(
                Array(text.utf8), customer: customers[0], currency: usd, month: october)
        ) { error in XCTAssertEqual("\(error)", "total: not an amount with 2 decimals") }
    }
}

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
        XCTAssertEqual(lines.count, 44)
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

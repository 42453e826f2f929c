import Foundation
import Pricing
import TestSupport
import XCTest

@testable import Formats

final class CorrectionHTMLTests: XCTestCase {
    func document(charge: String = "seats") -> CorrectionDocument {
        func value(_ text: String) -> Rational { DecimalText.exact(text)! }
        let key = BillableLineKey(
            customer: "cus_1", plan: "pro", charge: charge, kind: "usage",
            group: [Pricing.Dimension(key: "region", value: "eu")])
        return CorrectionDocument(
            number: "2026-10-C000001", customer: "cus_1", corrects: "2026-10-000001",
            periodStart: "2026-10-01T00:00:00Z", periodEnd: "2026-11-01T00:00:00Z",
            issueDate: "2026-11-05", currency: "USD", amountScale: 2,
            draft: CorrectionDraft(
                kind: .creditNote,
                lines: [
                    LineChange(
                        key: key,
                        before: LineFigures(
                            quantity: value("2"), amountExact: value("20"), amount: value("20")),
                        after: nil, quantityDelta: value("-2"), amountExactDelta: value("-20"),
                        amountDelta: value("-20"))
                ], subtotal: value("-20"), discounts: value("2"), tax: value("-3.42"),
                total: value("-21.42")))
    }

    func testACreditNotePage() throws {
        let page = CorrectionHTML.render(
            document(), seller: nil, customerName: "Acme & Sons")
        let text = String(decoding: page, as: UTF8.self)
        for expected in [
            "<title>Credit note 2026-10-C000001</title>",
            "correcting invoice <strong>2026-10-000001</strong>",
            "<p>To Acme &amp; Sons (cus_1)</p>",
            "<tr><td>seats (region=eu)</td><td>pro</td><td>removed</td><td class=\"num\">-2</td>"
                + "<td class=\"num\">-$20.00</td></tr>",
            "<th scope=\"row\">Tax</th><td class=\"num\">-$3.42</td>",
            "<tr class=\"due\"><th scope=\"row\">Credited to your account</th>"
                + "<td class=\"num\">-$21.42</td></tr>",
        ] {
            XCTAssertTrue(text.contains(expected), "missing «\(expected)»")
        }
        XCTAssertEqual(try htmlProblems(page), "")
        // No seller: said on the page, as on the invoice.
        XCTAssertEqual(
            try readHTML(page).first("missing"),
            "Seller details missing: add seller to the catalog")
        XCTAssertEqual(
            CorrectionHTML.render(document(), seller: nil, customerName: "Acme & Sons"), page,
            "deterministic")
    }

    func testTextFromTheCatalogIsEscaped() throws {
        let page = CorrectionHTML.render(
            document(charge: "<script>x</script>"), seller: nil, customerName: nil)
        let text = String(decoding: page, as: UTF8.self)
        XCTAssertFalse(text.contains("<script>"))
        XCTAssertTrue(text.contains("&lt;script&gt;x&lt;/script&gt;"))
        XCTAssertEqual(try htmlProblems(page), "")
    }
}

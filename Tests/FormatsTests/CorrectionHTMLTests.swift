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
        let bytes = CorrectionHTML.render(
            document(), seller: nil, customerName: "Acme & Sons")
        let page = try readHTML(bytes)
        // Without the catalog's display text the page shows keys, as an invoice page does.
        XCTAssertEqual(
            page.rows("lines"),
            [
                "Charge | Plan | Change | Quantity | Unit | Amount",
                "seats (region=eu) | pro | removed | -2 |  | -$20.00",
            ])
        XCTAssertEqual(
            page.rows("totals"),
            [
                "Subtotal | -$20.00", "Discounts | $2.00", "Tax | -$3.42", "Total | -$21.42",
                "Credited to your account | -$21.42",
            ])
        for expected in [
            "Credit note Number 2026-10-C000001 , correcting invoice 2026-10-000001",
            "Issued 5 Nov 2026 for the service period 1 Oct 2026 – 31 Oct 2026",
            "To Acme & Sons (cus_1)",
        ] {
            XCTAssertTrue(page.text.contains(expected), "«\(expected)» in \(page.text)")
        }
        XCTAssertEqual(try htmlProblems(bytes), "")
        // No seller: said on the page, as on the invoice.
        XCTAssertEqual(page.first("missing"), "Seller details missing: add seller to the catalog")
        XCTAssertEqual(
            CorrectionHTML.render(document(), seller: nil, customerName: "Acme & Sons"), bytes,
            "deterministic")
    }

    /// With the run's catalog the lines read as on the invoice: the charge's and plan's display
    /// names, the unit, and the true-up by what it is.
    func testLinesUseTheCatalogsNamesAndUnits() throws {
        let settings = InvoicePageSettings(
            display: CatalogDisplay(
                plans: ["pro": DisplayLabel(name: "Pro", description: nil, unit: nil)],
                charges: [
                    "pro": [
                        "seats": DisplayLabel(name: "Seats", description: nil, unit: "seats")
                    ]
                ]),
            paper: .letter)
        var supplementary = document()
        let trueUp = LineChange(
            key: BillableLineKey(
                customer: "cus_1", plan: "pro", charge: "minimum_true_up",
                kind: "minimum_true_up", group: []),
            before: nil,
            after: LineFigures(
                quantity: .one, amountExact: DecimalText.exact("5")!,
                amount: DecimalText.exact("5")!),
            quantityDelta: .one, amountExactDelta: DecimalText.exact("5")!,
            amountDelta: DecimalText.exact("5")!)
        supplementary = CorrectionDocument(
            number: supplementary.number, customer: supplementary.customer,
            corrects: supplementary.corrects, periodStart: supplementary.periodStart,
            periodEnd: supplementary.periodEnd, issueDate: supplementary.issueDate,
            currency: supplementary.currency, amountScale: supplementary.amountScale,
            draft: CorrectionDraft(
                kind: .creditNote, lines: supplementary.draft.lines + [trueUp],
                subtotal: supplementary.draft.subtotal, discounts: supplementary.draft.discounts,
                tax: supplementary.draft.tax, total: supplementary.draft.total))
        let bytes = CorrectionHTML.render(
            supplementary, seller: nil, customerName: nil, settings: settings)
        let page = try readHTML(bytes)
        XCTAssertEqual(
            page.rows("lines"),
            [
                "Charge | Plan | Change | Quantity | Unit | Amount",
                "Seats (region=eu) | Pro | removed | -2 | seats | -$20.00",
                "Minimum commitment true-up | Pro | added | 1 |  | $5.00",
            ])
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("size: letter"), "the page's paper is the settings' paper")
        XCTAssertEqual(try htmlProblems(bytes), "")
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

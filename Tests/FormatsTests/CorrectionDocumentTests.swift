import Foundation
import Pricing
import XCTest

@testable import Formats

/// The correction document codec: exact bytes for a hand-made credit note, and decode then
/// encode is identity.
final class CorrectionDocumentTests: XCTestCase {
    func testACreditNoteIsWrittenAndReadBackExactly() throws {
        let key = BillableLineKey(
            customer: "cus_1", plan: "pro", charge: "tokens", kind: "usage",
            group: [Pricing.Dimension(key: "model", value: "m-large")])
        let seats = BillableLineKey(
            customer: "cus_1", plan: "pro", charge: "seats", kind: "usage", group: [])
        func value(_ text: String) -> Rational { DecimalText.exact(text)! }
        let draft = CorrectionDraft(
            kind: .creditNote,
            lines: [
                LineChange(
                    key: seats,
                    before: LineFigures(
                        quantity: value("2"), amountExact: value("20"), amount: value("20")),
                    after: nil, quantityDelta: value("-2"), amountExactDelta: value("-20"),
                    amountDelta: value("-20")),
                LineChange(
                    key: key,
                    before: LineFigures(
                        quantity: value("10"), amountExact: value("10/3"), amount: value("3.33")),
                    after: LineFigures(
                        quantity: value("11"), amountExact: value("11/3"), amount: value("3.67")),
                    quantityDelta: value("1"), amountExactDelta: value("1/3"),
                    amountDelta: value("0.34")),
            ], subtotal: value("-19.66"), discounts: value("1.97"), tax: value("-3.36"),
            total: value("-21.05"))
        let document = CorrectionDocument(
            number: "2026-10-C000001", customer: "cus_1", corrects: "2026-10-000001",
            periodStart: "2026-10-01T00:00:00Z", periodEnd: "2026-11-01T00:00:00Z",
            issueDate: "2026-11-05", currency: "USD", amountScale: 2, draft: draft)
        let bytes = document.bytes()
        let text = String(decoding: bytes, as: UTF8.self)
        for expected in [
            "\"type\": \"credit_note\",\n  \"number\": \"2026-10-C000001\",\n",
            "\"corrects\": \"2026-10-000001\"",
            "\"change\": \"vanished\",\n      \"quantity\": \"-2\",\n"
                + "      \"amount_exact\": \"-20\",\n      \"amount\": \"-20.00\",\n",
            "\"after\": null",
            "\"amount_exact\": \"1/3\",\n      \"amount\": \"0.34\",",
            "\"subtotal\": \"-19.66\",\n  \"discounts\": \"1.97\",\n  \"tax\": \"-3.36\",\n"
                + "  \"total\": \"-21.05\",\n  \"credits_applied\": \"0.00\",\n"
                + "  \"amount_due\": \"-21.05\"\n}\n",
        ] {
            XCTAssertTrue(text.contains(expected), "missing «\(expected)» in\n\(text)")
        }
        let decoded = try CorrectionDocument.decode(bytes)
        XCTAssertEqual(decoded.bytes(), bytes)
        XCTAssertEqual(decoded.draft.kind, .creditNote)
        XCTAssertEqual(decoded.draft.lines.map(\.key), [seats, key])
        XCTAssertTrue(decoded.draft.lines[0].vanished)
        XCTAssertEqual(decoded.draft.total, value("-21.05"))
        XCTAssertEqual(decoded.amountScale, 2)
    }

    func testRefusals() {
        func refusal(_ text: String) -> String {
            do {
                _ = try CorrectionDocument.decode(Array(text.utf8))
                return "decoded"
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(
            refusal(#"{"customer":"c","type":"refund"}"#),
            "type: not credit_note or supplementary_invoice")
        XCTAssertEqual(
            refusal(
                #"{"customer":"c","type":"credit_note","lines":[{"plan":"p","charge":"a","#
                    + #""kind":"usage","group":{},"quantity":"1","amount_exact":"1","#
                    + #""amount":"1","before":null,"after":null}]}"#),
            "lines[0]: neither before nor after")
    }
}

import XCTest

@testable import Pricing

/// SPEC §9's corrections: billed + correction = new result exactly; the kind from the total.
final class CorrectionsTests: XCTestCase {
    func key(_ charge: String) -> BillableLineKey {
        BillableLineKey(customer: "c1", plan: "pro", charge: charge, kind: "usage", group: [])
    }

    func value(_ text: String) -> Rational { DecimalText.exact(text)! }

    func line(_ quantity: String, _ exact: String, _ amount: String) -> LineFigures {
        LineFigures(quantity: value(quantity), amountExact: value(exact), amount: value(amount))
    }

    /// An invoice with `api` and `seats` lines, a 10% discount and 19% tax, as the invoice
    /// builder computes them (amounts hand-derived in the comments).
    func invoice(api: String, seats: String?) -> BilledFigures {
        var lines = [key("api"): line(api, api, api)]
        if let seats { lines[key("seats")] = line("2", seats, seats) }
        // subtotal = api + seats; discount = -10 % rounded; tax = 19 % of the rest, rounded.
        let subtotal = try! value(api) + value(seats ?? "0")
        let discount = try! Rational(
            numerator: -(try! subtotal.significand(atScale: 2, rule: .halfUp) + 5) / 10,
            denominator: 100)
        let base = try! subtotal + discount
        let tax = try! Rational(
            significand: (base * value("0.19")).significand(atScale: 2, rule: .halfUp), scale: 2)
        return BilledFigures(
            lines: lines, subtotal: subtotal, discounts: discount, tax: tax,
            total: try! base + tax)
    }

    func testAFallingTotalIsACreditNoteThatAddsUpExactly() throws {
        // 436.00 + 20.00 = 456.00; -45.60; base 410.40; tax 77.98; total 488.38.
        let billed = invoice(api: "436.00", seats: "20.00")
        XCTAssertEqual(billed.total, value("488.38"))
        // 400.00 + 20.00 = 420.00; -42.00; base 378.00; tax 71.82; total 449.82.
        let result = invoice(api: "400.00", seats: "20.00")
        XCTAssertEqual(result.total, value("449.82"))
        let draft = try XCTUnwrap(try Corrections.draft(billed: billed, result: result))
        XCTAssertEqual(draft.kind, .creditNote)
        XCTAssertEqual(draft.lines.map(\.key), [key("api")])
        XCTAssertEqual(draft.lines[0].amountDelta, value("-36"))
        XCTAssertEqual(draft.subtotal, value("-36"))
        XCTAssertEqual(draft.discounts, value("3.6"))
        XCTAssertEqual(draft.tax, value("-6.16"))
        XCTAssertEqual(draft.total, value("-38.56"))
        XCTAssertEqual(try billed.adding(draft), result)
    }

    func testANewLineIsASupplementaryInvoice() throws {
        let billed = invoice(api: "100.00", seats: nil)
        let result = invoice(api: "100.00", seats: "20.00")
        let draft = try XCTUnwrap(try Corrections.draft(billed: billed, result: result))
        XCTAssertEqual(draft.kind, .supplementaryInvoice)
        XCTAssertEqual(draft.lines.count, 1)
        XCTAssertTrue(draft.lines[0].appeared)
        XCTAssertEqual(draft.lines[0].quantityDelta, Rational(2))
        XCTAssertEqual(try billed.adding(draft), result)
        // And back: the line vanishes again with a credit note that removes it.
        let back = try XCTUnwrap(try Corrections.draft(billed: result, result: billed))
        XCTAssertEqual(back.kind, .creditNote)
        XCTAssertTrue(back.lines[0].vanished)
        XCTAssertEqual(try result.adding(back), billed)
        XCTAssertNil(try result.adding(back).lines[key("seats")])
    }

    func testLinesThatMoveWithoutChangingTheTotalAreDocumented() throws {
        var billed = BilledFigures.none
        billed.lines = [key("a"): line("1", "5", "5.00"), key("b"): line("1", "5", "5.00")]
        billed.subtotal = value("10")
        billed.total = value("10")
        var result = billed
        result.lines = [key("a"): line("2", "10", "10.00")]
        let draft = try XCTUnwrap(try Corrections.draft(billed: billed, result: result))
        XCTAssertEqual(draft.kind, .supplementaryInvoice)
        XCTAssertEqual(draft.total, .zero)
        XCTAssertEqual(draft.lines.count, 2)
        XCTAssertEqual(try billed.adding(draft), result)
    }

    func testNothingChangedIssuesNothing() throws {
        let billed = invoice(api: "1.00", seats: "2.00")
        XCTAssertNil(try Corrections.draft(billed: billed, result: billed))
    }

    /// A second correction is computed from the invoice plus the first one, and every
    /// intermediate sum lands on the run it corrects to.
    func testCorrectionsChain() throws {
        var billed = invoice(api: "100.00", seats: nil)
        for next in [
            invoice(api: "120.00", seats: nil), invoice(api: "120.00", seats: "30.00"),
            invoice(api: "90.00", seats: nil), invoice(api: "90.00", seats: nil),
        ] {
            if let draft = try Corrections.draft(billed: billed, result: next) {
                billed = try billed.adding(draft)
            }
            XCTAssertEqual(billed, next)
        }
    }

    func testNumbers() {
        let october = YearMonth("2026-10")!
        XCTAssertEqual(
            Corrections.number(period: october, kind: .creditNote, sequence: 1),
            "2026-10-C000001")
        XCTAssertEqual(
            Corrections.number(period: october, kind: .supplementaryInvoice, sequence: 999_999),
            "2026-10-S999999")
        XCTAssertNil(Corrections.number(period: october, kind: .creditNote, sequence: 0))
        XCTAssertNil(
            Corrections.number(period: october, kind: .creditNote, sequence: 1_000_000))
    }
}

import XCTest

@testable import Pricing

final class LineDifferenceTests: XCTestCase {
    func key(
        _ customer: String, _ charge: String, group: [Pricing.Dimension] = []
    ) -> BillableLineKey {
        BillableLineKey(
            customer: customer, plan: "pro", charge: charge, kind: "usage", group: group)
    }

    func figures(_ quantity: String, _ exact: String, _ amount: String) -> LineFigures {
        LineFigures(
            quantity: DecimalText.exact(quantity)!, amountExact: DecimalText.exact(exact)!,
            amount: DecimalText.exact(amount)!)
    }

    func testChangedAppearedAndVanishedLinesWithExactDeltas() throws {
        let eu = [Pricing.Dimension(key: "region", value: "eu")]
        let before = [
            (key("c1", "api"), figures("1200", "436", "436.00")),
            (key("c1", "tokens", group: eu), figures("10", "10/3", "3.33")),
            (key("c1", "seats"), figures("2", "20", "20.00")),
            (key("c2", "api"), figures("1", "0.5", "0.50")),
        ]
        let after = [
            (key("c2", "api"), figures("1", "0.5", "0.50")),
            (key("c1", "tokens", group: eu), figures("11", "11/3", "3.67")),
            (key("c1", "api"), figures("1300", "448.3", "448.30")),
            (key("c1", "storage"), figures("5", "1.25", "1.25")),
        ]
        let changes = try LineDifference.between(before, after)
        XCTAssertEqual(
            changes.map { "\($0.key.customer) \($0.key)" },
            [
                "c1 api (pro, usage)", "c1 seats (pro, usage)", "c1 storage (pro, usage)",
                "c1 tokens (pro, usage) {region=eu}",
            ], "sorted by key; the unchanged c2 line left out")
        XCTAssertEqual(changes[0].quantityDelta, Rational(100))
        XCTAssertEqual(changes[0].amountDelta.description, "12.3")
        XCTAssertTrue(changes[1].vanished)
        XCTAssertEqual(changes[1].amountDelta.description, "-20")
        XCTAssertEqual(changes[1].quantityDelta, Rational(-2))
        XCTAssertTrue(changes[2].appeared)
        XCTAssertEqual(changes[2].amountExactDelta.description, "1.25")
        XCTAssertEqual(changes[3].amountExactDelta.description, "1/3", "exact, not rounded")
        XCTAssertEqual(changes[3].amountDelta.description, "0.34")
    }

    func testIdenticalRunsHaveNoChanges() throws {
        let lines = [(key("c1", "api"), figures("1", "1", "1.00"))]
        XCTAssertTrue(try LineDifference.between(lines, lines).isEmpty)
        XCTAssertTrue(try LineDifference.between([], []).isEmpty)
    }

    /// Only an amount_exact change (the rounded amount and quantity equal) is still a change.
    func testAnExactOnlyChangeIsAChange() throws {
        let changes = try LineDifference.between(
            [(key("c1", "api"), figures("1", "0.001", "0.00"))],
            [(key("c1", "api"), figures("1", "0.002", "0.00"))])
        XCTAssertEqual(changes.count, 1)
        XCTAssertEqual(changes[0].amountDelta, Rational.zero)
        XCTAssertEqual(changes[0].amountExactDelta.description, "0.001")
    }

    func testARepeatedKeyIsRefused() {
        let line = (key("c1", "api"), figures("1", "1", "1.00"))
        XCTAssertThrowsError(try LineDifference.between([line, line], [])) { error in
            XCTAssertEqual(
                "\(error)", "customer c1: line api (pro, usage) is listed twice")
        }
    }

    func testKeysSortBytewiseFieldByField() {
        let keys = [
            BillableLineKey(customer: "b", plan: "a", charge: "a", kind: "usage", group: []),
            BillableLineKey(customer: "a", plan: "b", charge: "a", kind: "usage", group: []),
            BillableLineKey(customer: "a", plan: "a", charge: "b", kind: "usage", group: []),
            BillableLineKey(
                customer: "a", plan: "a", charge: "a", kind: "usage",
                group: [Pricing.Dimension(key: "m", value: "Z")]),
            BillableLineKey(
                customer: "a", plan: "a", charge: "a", kind: "usage",
                group: [Pricing.Dimension(key: "m", value: "a")]),
            BillableLineKey(customer: "a", plan: "a", charge: "a", kind: "recurring", group: []),
        ]
        XCTAssertEqual(
            keys.sorted().map { "\($0.customer)\($0.plan)\($0.charge)\($0.kind)\($0.groupText)" },
            [
                "aaarecurring", "aaausagem=Z", "aaausagem=a", "aabusage", "abausage", "baausage",
            ])
    }
}

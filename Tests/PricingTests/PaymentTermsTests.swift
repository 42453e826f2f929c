import XCTest

@testable import Pricing

/// `PaymentTerms.dueDate`: issue date plus the customer's terms, else the catalog's, else none.
final class PaymentTermsTests: XCTestCase {
    func date(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> CivilDate {
        guard let date = CivilDate(iso: text) else {
            XCTFail("not a date: \(text)", file: file, line: line)
            return CivilDate(daysSinceEpoch: 0)
        }
        return date
    }

    func due(_ issued: String, customer: Int?, catalog: Int?) -> String? {
        PaymentTerms.dueDate(issueDate: date(issued), customerDays: customer, catalogDays: catalog)
            .map(\.description)
    }

    func testCustomerTermsWinOverTheCatalogs() {
        // 2026-11-01 + 14 = 2026-11-15; + 30 = 2026-12-01 (November has 30 days).
        XCTAssertEqual(due("2026-11-01", customer: 14, catalog: 30), "2026-11-15")
        XCTAssertEqual(due("2026-11-01", customer: nil, catalog: 30), "2026-12-01")
        // A customer's 0 is terms of its own (due on issue), not "none".
        XCTAssertEqual(due("2026-11-01", customer: 0, catalog: 30), "2026-11-01")
        XCTAssertEqual(due("2026-11-01", customer: nil, catalog: 0), "2026-11-01")
        XCTAssertNil(due("2026-11-01", customer: nil, catalog: nil))
    }

    func testMonthEndsAndYearEnds() {
        // January 31 + 30: 28 days to February 28 (2026 is not a leap year), then March 1, 2.
        XCTAssertEqual(due("2026-01-31", customer: 30, catalog: nil), "2026-03-02")
        // April 30 + 1 is May 1: no clamping to a month's day count, days are days.
        XCTAssertEqual(due("2026-04-30", customer: 1, catalog: nil), "2026-05-01")
        // December 17 + 14 = December 31, + 16 more = January 16 of the next year.
        XCTAssertEqual(due("2026-12-17", customer: 30, catalog: nil), "2027-01-16")
        XCTAssertEqual(due("2026-12-31", customer: nil, catalog: 1), "2027-01-01")
    }

    func testLeapYears() {
        // 2028 is a leap year: February 15 + 14 = February 29, + 1 more = March 1.
        XCTAssertEqual(due("2028-02-15", customer: 14, catalog: nil), "2028-02-29")
        XCTAssertEqual(due("2028-02-29", customer: 1, catalog: nil), "2028-03-01")
        // 2027 is not: February 15 + 14 = March 1.
        XCTAssertEqual(due("2027-02-15", customer: 14, catalog: nil), "2027-03-01")
        // 2100 is not (divisible by 100, not by 400); 2000 was (divisible by 400).
        XCTAssertEqual(due("2100-02-28", customer: 1, catalog: nil), "2100-03-01")
        XCTAssertEqual(due("2000-02-28", customer: 1, catalog: nil), "2000-02-29")
        // The longest terms: 365 days after 2028-01-01 is 2028-12-31 (2028 has 366 days);
        // after 2027-01-01 it is 2028-01-01.
        XCTAssertEqual(due("2028-01-01", customer: 365, catalog: nil), "2028-12-31")
        XCTAssertEqual(due("2027-01-01", customer: nil, catalog: 365), "2028-01-01")
        XCTAssertEqual(PaymentTerms.daysMax, 365)
    }
}

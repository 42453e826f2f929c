import Formats
import Pricing
import TestSupport
import XCTest

@testable import Ingest

/// A usage sum past Int128 is an error naming the line it was summing for, not a trap.
final class AggregationOverflowTests: XCTestCase {
    /// Two events of 2^126 billionths each sum past Int128.max (2^127 − 1): the usage sum
    /// overflows, and the error names the line it was summing for.
    func testUsageSumOverflowNamesTheLine() throws {
        let catalog = try CatalogLoader.load(text: Fixtures.groupedTokensCatalog, file: "catalog.yaml")
        let customers = try CustomersLoader.load(
            text: Fixtures.customerOnPro, file: "customers.yaml", catalog: catalog,
            zones: TimeZoneDirectory())
        let collector = UsageIngest(
            catalog: catalog, customers: customers, month: try XCTUnwrap(YearMonth("2026-10")))
        // 2026-10-05T00:00:00Z.
        let instant = Instant(secondsSinceEpoch: 1_791_158_400)
        for (index, id) in ["e1", "e2"].enumerated() {
            let event = UsageEvent(
                id: id, customer: "c1", meter: "tokens", instant: instant,
                quantityNanos: Int128(1) << 126, dims: [Dimension(key: "m", value: "x")])
            guard
                case .admitted = try collector.add(
                    event, at: LineLocation(source: 0, line: Int64(index + 1)))
            else { return XCTFail("event \(id) should be admitted") }
        }
        do {
            _ = try collector.finish()
            XCTFail("the sum should overflow")
        } catch let error as AmountOverflow {
            XCTAssertEqual(error.customer, "c1")
            XCTAssertEqual(error.plan, "pro")
            XCTAssertEqual(error.charge, "tokens")
            XCTAssertEqual(error.group, [Dimension(key: "m", value: "x")])
            XCTAssertEqual(
                error.description,
                #"customer "c1", plan "pro", charge "tokens" (m=x): cannot compute the sum of "#
                    + #"meter "tokens" quantities over 2 events: arithmetic overflow in usage "#
                    + "sum: the value exceeds 38 significant digits; use fewer digits in the "
                    + "prices, rates or amounts involved")
        }
    }
}

import Pricing
import XCTest

@testable import Formats

/// Arithmetic overflow is thrown as `AmountOverflow` naming the customer, plan, charge, group
/// and the numbers involved (docs/DECISIONS.md, "Arithmetic overflow"), never a bare message.
final class OverflowTests: XCTestCase {
    /// A recurring amount that cannot be billed 44,640 times in a period (a cron every minute
    /// of a 31-day month) is refused when the catalog loads; one that can, loads.
    func testRecurringAmountCheckedAtLoad() {
        func catalog(_ amount: String) -> String {
            """
            version: 1
            currency: USD
            plans:
              p:
                charges:
                  - { key: fee, amount: "\(amount)", schedule: daily }
            """
        }
        // 10^33 × 44,640 × 100 (cents) ≈ 4.5 × 10^39 > 2^127 ≈ 1.7 × 10^38; 10^31 fits.
        XCTAssertNoThrow(
            try CatalogLoader.load(text: catalog("1" + String(repeating: "0", count: 31)),
                                   file: "catalog.yaml"))
        do {
            _ = try CatalogLoader.load(
                text: catalog("1" + String(repeating: "0", count: 33)), file: "catalog.yaml")
            XCTFail("the amount should be refused")
        } catch let errors as ConfigErrors {
            XCTAssertEqual(
                errors.errors.map(\.description),
                ["catalog.yaml:6:9: plans.p.charges[0]: amount 1"
                    + String(repeating: "0", count: 33) + " times 44640 occurrences (a cron "
                    + "every minute of a month) overflows 38 significant digits; use an amount "
                    + "with fewer digits"])
        } catch {
            XCTFail("unexpected \(error)")
        }
    }
}

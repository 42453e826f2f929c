import XCTest

@testable import Pricing

/// LineKey's byte string compares exactly like its list of parts, each part bytewise.
final class LineKeyTests: XCTestCase {
    /// The reference: parts compared one by one as UTF-8 bytes, fewer parts first.
    func precedes(_ left: [String], _ right: [String]) -> Bool {
        for (a, b) in zip(left, right) where Array(a.utf8) != Array(b.utf8) {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return left.count < right.count
    }

    func key(_ parts: [String]) -> LineKey {
        var group: [Pricing.Dimension] = []
        var index = 3
        while index + 1 < parts.count {
            group.append(Pricing.Dimension(key: parts[index], value: parts[index + 1]))
            index += 2
        }
        return LineKey(parts[0], parts[1], parts[2], group)
    }

    func testOrderMatchesPartByPartComparison() {
        let pieces = [
            "", "a", "ab", "b", "\u{0}", "\u{1}", "\u{2}", "a\u{0}", "a\u{1}b", "é", "e\u{301}",
            "Z",
        ]
        var keys: [[String]] = []
        for customer in pieces {
            for charge in ["", "a\u{0}", "b"] {
                keys.append([customer, "p", charge])
                for value in pieces { keys.append([customer, "p", charge, "k", value]) }
            }
        }
        for left in keys {
            for right in keys {
                XCTAssertEqual(
                    key(left) < key(right), precedes(left, right), "\(left) < \(right)")
            }
        }
    }

    func testSortedByKeyKeepsEveryItem() {
        let items = (0..<50).map { "c\(($0 * 37) % 50)" }
        let sorted = sortedByKey(items) { LineKey($0, "p", "c", []) }
        XCTAssertEqual(sorted, items.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}

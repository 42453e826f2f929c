import XCTest

@testable import Formats

/// Aliases as mapping keys are refused before Yams composes (it would expand them whole while
/// hashing keys); aliases as values still load, bounded by the node budget.
final class YAMLAliasKeyTests: XCTestCase {
    func testFindsAliasesInKeyPosition() {
        // (text, expected line and column of the alias, or nil)
        let cases: [(String, (Int, Int)?)] = [
            ("a: &x 1\n? *x\n: 2\n", (2, 3)),
            ("a: &x 1\n*x : 2\n", (2, 1)),
            ("a: &my-anchor 1\nb:\n  *my-anchor: 2\n", (3, 3)),
            ("a: &x 1\nb: {*x: 2}\n", (2, 5)),
            ("a: &x 1\nb: *x\n", nil),  // a value
            ("a: &x [1]\nb: [*x, *x]\n", nil),  // values in a flow sequence
            ("a: \"*x: quoted\"\n", nil),  // inside a quoted scalar
            ("a: 1 # *x: a comment\n", nil),  // inside a comment
            ("a*b: 1\n", nil),  // not at a token start
        ]
        for (text, expected) in cases {
            let found = aliasKeyLocation(text)
            XCTAssertEqual(found?.0, expected?.0, text)
            XCTAssertEqual(found?.1, expected?.1, text)
        }
    }

    func testAnAliasBombAsAKeyFailsFastWithItsLocation() throws {
        // Nine levels of ten aliases each: 10^9 nodes if expanded. Composing it with the alias
        // as a key spun for more than 30 s before this check; the message below can only come
        // from the check that runs before composing.
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...8 {
            let previous = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(previous)]")
        }
        lines += ["version: 1", "plans:", "  ? *a8", "  : x"]
        XCTAssertThrowsError(
            try CatalogLoader.load(text: lines.joined(separator: "\n") + "\n", file: "catalog.yaml")
        ) { error in
            let errors = (error as? ConfigErrors)?.errors ?? []
            XCTAssertEqual(errors.map(\.description), [
                "catalog.yaml:12:5: an alias (*name) cannot be a mapping key; write the key out"
            ])
        }
    }

    func testAliasesAsValuesStillLoad() throws {
        let catalog = try CatalogLoader.load(
            text: """
                version: 1
                currency: USD
                meters:
                  calls: { aggregation: count }
                  bytes: { aggregation: sum }
                plans:
                  basic:
                    charges:
                      - key: calls
                        meter: calls
                        model: graduated
                        tiers: &ladder
                          - { up_to: 10, unit_price: "0" }
                          - { up_to: null, unit_price: "0.01" }
                      - key: bytes
                        meter: bytes
                        model: graduated
                        tiers: *ladder

                """, file: "catalog.yaml")
        guard case .usage(let bytes)? = catalog.plans["basic"]?.charges.last,
              case .graduated(let tiers) = bytes.model
        else { return XCTFail("the aliased tiers should load") }
        XCTAssertEqual(tiers.map { $0.unitPrice.description }, ["0", "0.01"])
    }
}

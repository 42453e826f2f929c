import XCTest

@testable import Pricing

/// The one account-name rule (`AccountNames.component(_:)`), the invoice file name built on it,
/// and the ids that would share a name (`NameCollision`, `AccountIDs`).
final class AccountIDsTests: XCTestCase {
    /// Exact components for ids of every shape the rule distinguishes.
    func testComponentTable() {
        let table: [(String, String)] = [
            ("cus_1", "Cus-1"),
            ("platform_fee", "Platform-fee"),
            ("VAT", "VAT"),
            ("a.b", "A-b"),
            ("a b/c", "A-b-c"),
            // Runs of separators are one `-`; separators at either end are dropped.
            ("a__b", "A-b"),
            ("_x", "X"),
            ("x_", "X"),
            ("--x--y--", "X-y"),
            // A digit first is kept as is (beancount accepts a leading digit).
            ("9lives", "9lives"),
            ("1", "1"),
            // Only the first letter is upper-cased; the rest keeps its case.
            ("aBc_dEF", "ABc-dEF"),
            ("Cus_1", "Cus-1"),
            // Non-ASCII: a `U` word per character, set off by `-`.
            ("ÄB", "U00C4-B"),
            ("München", "M-U00FC-nchen"),
            ("a ü", "A-U00FC"),
            ("東京", "U6771-U4EAC"),
            ("e\u{301}", "E-U0301"),
            ("\u{1F600}x", "U1F600-x"),
            ("acme.jp/é_1", "Acme-jp-U00E9-1"),
            // Nothing but separators: every character as a `U` word; the empty id gives `U`.
            ("_", "U005F"),
            ("-.", "U002D-U002E"),
            (" ", "U0020"),
            ("", "U"),
            // Controls are separators like any other ASCII non-letter.
            ("a\nb\tc", "A-b-c"),
        ]
        for (id, component) in table {
            XCTAssertEqual(
                AccountNames.component(id), component, "component of \(id.debugDescription)")
        }
    }

    /// Every component is a valid beancount component in ASCII: `[A-Z0-9][A-Za-z0-9-]*`, with
    /// no `-` at the end and no `--`, and the ASCII fast path agrees with the rule by scalars
    /// (checked over many ids, seeded; half of them ASCII only).
    func testComponentsAreAlwaysValidNames() {
        var generator = SplitMix64(seed: 20_261_201)
        let alphabet: [Character] = Array("aZ09_-. /:;\"\n\tÄé東\u{301}\u{1F600}")
        for _ in 0..<2000 {
            let length = Int(generator.next() % 8)
            // The first 14 characters are ASCII.
            let range = UInt64(generator.next() % 2 == 0 ? 14 : alphabet.count)
            let id = String((0..<length).map { _ in alphabet[Int(generator.next() % range)] })
            let component = AccountNames.component(id)
            // The ASCII fast path gives what the rule by scalars gives.
            XCTAssertEqual(component, AccountNames.unicodeComponent(id), id.debugDescription)
            let bytes = Array(component.utf8)
            XCTAssertFalse(bytes.isEmpty, id.debugDescription)
            let first = bytes[0]
            XCTAssertTrue(
                (first >= 0x41 && first <= 0x5A) || (first >= 0x30 && first <= 0x39),
                "\(id.debugDescription) → \(component)")
            XCTAssertTrue(
                bytes.allSatisfy {
                    ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                        || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
                }, "\(id.debugDescription) → \(component)")
            XCTAssertNotEqual(bytes.last, 0x2D, "\(id.debugDescription) → \(component)")
            XCTAssertFalse(component.contains("--"), "\(id.debugDescription) → \(component)")
        }
    }

    /// The accounts made from ids use the rule under their catalog roots.
    func testAccountsUseTheRule() throws {
        var accounts = AccountNames()
        XCTAssertEqual(accounts.receivable("cus_1"), "Assets:Receivable:Cus-1")
        XCTAssertEqual(accounts.credits("cus_1"), "Liabilities:Credits:Cus-1")
        XCTAssertEqual(accounts.tax("VAT"), "Liabilities:Tax:VAT")
        accounts.receivable = "Assets:AR"
        XCTAssertEqual(accounts.receivable("ÄB"), "Assets:AR:U00C4-B")
    }

    /// Safe ids name their invoice files as they are; any other id gets its component.
    func testCustomerFileNames() {
        let table: [(String, String)] = [
            ("cus_1", "cus_1"),
            ("Acme-GmbH.de", "Acme-GmbH.de"),
            ("a/b", "A-b"),
            ("../etc", "Etc"),
            (".hidden", "Hidden"),
            ("ÄB", "U00C4-B"),
            ("a b", "A-b"),
            ("", "U"),
        ]
        for (id, name) in table {
            XCTAssertEqual(CustomerFileName.of(id), name, "file name of \(id.debugDescription)")
        }
    }

    /// Only groups holding an id that is not a safe file name, with every safe id named like
    /// one of them; the same groups the general rule finds.
    func testCustomerFileNameCollisions() {
        let ids = ["x", "a/b", "A-b", "c d", "C d", "C-d", "C.d", "Etc", "../etc", "y/z"]
        let expected = [
            NameCollision(name: "A-b", ids: ["A-b", "a/b"]),
            NameCollision(name: "C-d", ids: ["C d", "C-d", "c d"]),
            NameCollision(name: "Etc", ids: ["../etc", "Etc"]),
        ]
        XCTAssertEqual(CustomerFileName.collisions(ids), expected)
        XCTAssertEqual(NameCollision.groups(ids, name: CustomerFileName.of), expected)
        XCTAssertEqual(CustomerFileName.collisions(["cus_1", "cus-1", "Cus.1"]), [])
        XCTAssertEqual(CustomerFileName.collisions([]), [])
    }

    /// Groups of two or more different ids sharing a name, sorted by name, ids bytewise; an id
    /// given twice is one id.
    func testNameCollisionGroups() {
        let groups = NameCollision.groups(
            ["cus_1", "b", "cus-1", "cus_1", "Cus.1", "x", "a.b", "A_b", "solo"],
            name: AccountNames.component)
        XCTAssertEqual(
            groups,
            [
                NameCollision(name: "A-b", ids: ["A_b", "a.b"]),
                NameCollision(name: "Cus-1", ids: ["Cus.1", "cus-1", "cus_1"]),
            ])
        XCTAssertEqual(NameCollision.groups(["cus_1", "cus_1"], name: AccountNames.component), [])
        XCTAssertEqual(NameCollision.groups([String](), name: AccountNames.component), [])
    }

    /// Collisions per kind, and each account traced back to its id.
    func testAccountIDsFindCollisionsAndOrigins() {
        var accounts = AccountNames()
        accounts.tax = "Liabilities:Taxes"
        let ids = AccountIDs(
            accounts: accounts, customerIDs: ["cus_1", "cus-1", "acme"],
            chargeKeys: ["api_calls", "api-calls", "seats", "seats"],
            taxNames: ["VAT", "V.A.T", "V-A-T", "JCT"])
        XCTAssertFalse(ids.isEmpty)
        XCTAssertEqual(
            ids.customerCollisions, [NameCollision(name: "Cus-1", ids: ["cus-1", "cus_1"])])
        XCTAssertEqual(
            ids.chargeCollisions,
            [NameCollision(name: "Api-calls", ids: ["api-calls", "api_calls"])])
        XCTAssertEqual(
            ids.taxCollisions, [NameCollision(name: "V-A-T", ids: ["V-A-T", "V.A.T"])])
        func origin(_ account: String) -> [String]? {
            ids.origin(of: account).map { [$0.key, $0.id] }
        }
        XCTAssertEqual(origin("Assets:Receivable:Acme"), ["customer", "acme"])
        XCTAssertEqual(origin("Liabilities:Credits:Acme"), ["customer", "acme"])
        // Colliding ids: the bytewise-first id is the one recorded.
        XCTAssertEqual(origin("Assets:Receivable:Cus-1"), ["customer", "cus-1"])
        XCTAssertEqual(origin("Income:Usage:Seats"), ["charge", "seats"])
        XCTAssertEqual(origin("Income:Recurring:Seats"), ["charge", "seats"])
        XCTAssertEqual(origin("Liabilities:Taxes:JCT"), ["tax", "JCT"])
        XCTAssertNil(origin("Liabilities:Tax:JCT"))
        XCTAssertNil(origin("Income:Discounts"))
        XCTAssertNil(origin("Income:Minimum"))
        XCTAssertNil(origin("Assets:Receivable:Unknown"))
        XCTAssertNil(origin("Assets:Receivable"))
        XCTAssertNil(origin("Assets:Receivable-X:Acme"))

        let clean = AccountIDs(
            accounts: AccountNames(), customerIDs: ["cus_1", "cus_2"], chargeKeys: ["api"],
            taxNames: ["VAT", "VAT"])
        XCTAssertTrue(clean.isEmpty)
        XCTAssertEqual(clean.origin(of: "Liabilities:Tax:VAT")?.id, "VAT")
    }
}

/// A small seeded generator (SplitMix64), so a failing case can be replayed.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

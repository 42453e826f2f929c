import Pricing
import XCTest

@testable import Formats

/// Catalog loading (SPEC §5, §11): every error listed at once, with its YAML path and line.
final class CatalogLoaderTests: XCTestCase {
    /// The errors of a catalog that must fail, or an empty list (and a test failure) if it loads.
    func errors(
        _ text: String, limits: ConfigLimits = ConfigLimits(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> [ConfigError] {
        do {
            _ = try CatalogLoader.load(text: text, file: "catalog.yaml", limits: limits)
            XCTFail("the catalog loaded", file: file, line: line)
            return []
        } catch let errors as ConfigErrors {
            return errors.errors
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    /// `line path` of each error, in reported order.
    func located(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        errors(text, file: file, line: line).map { "\($0.line.map(String.init) ?? "-") \($0.path)" }
    }

    /// A valid catalog's head; tests append plans.
    static let head = """
        version: 1
        currency: USD
        meters:
          calls: { aggregation: count }
          users: { aggregation: unique_count, field: user }

        """

    /// A catalog whose only plan has this one charge (indented as a list item under charges).
    func withCharge(_ charge: String) -> String {
        Self.head + "plans:\n  pro:\n    charges:\n" + charge
    }

    // MARK: Valid catalogs

    func testSpecExampleLoads() throws {
        let text = """
            version: 1
            seller:
              name: "Ratebook Demo Ltd"
              address: { street: "1 Main St", city: "Dublin", postal_code: "D01", country: IE }
              tax_id: "IE1234567T"
            currency: USD
            rounding: half_even
            currencies:
              CREDITS: { minor_units: 0 }
            meters:
              api_calls:   { aggregation: count }
              tokens:      { aggregation: sum }
              active_users: { aggregation: unique_count, field: user }
              balance_gb:  { aggregation: latest }
            plans:
              pro:
                currency: USD
                charges:
                  - key: platform_fee
                    type: recurring
                    amount: "49.00"
                    schedule: monthly
                    prorate: true
                  - key: api
                    meter: api_calls
                    model: graduated
                    tiers:
                      - { up_to: 10000, unit_price: "0" }
                      - { up_to: 1000000, unit_price: 0.0004 }
                      - { up_to: null, unit_price: "0.0002" }
                  - key: tokens
                    meter: tokens
                    group_by: [model]
                    filter: { region: [eu-west-1, eu-central-1] }
                    model: per_unit
                    divide_by: 1000
                    round_quantity: up
                    prices_by: model
                    unit_price: { m-large: "0.012", m-small: "0.002", default: "0.004" }
                  - key: seats
                    meter: api_calls
                    model: package
                    package_size: 5
                    package_price: "20.00"
                    minimum: "20.00"
                minimum_commitment: "100.00"
                included_credits: "10.00"
              credits:
                currency: CREDITS
                charges:
                  - { key: daily, amount: "1", schedule: { weekdays: [mon, thu] } }
            """
        let catalog = try CatalogLoader.load(text: text, file: "catalog.yaml")
        XCTAssertEqual(catalog.rounding, .halfEven)
        XCTAssertEqual(catalog.seller?.address?.postalCode, "D01")
        XCTAssertEqual(catalog.meters["active_users"]?.field, "user")
        let pro = try XCTUnwrap(catalog.plans["pro"])
        XCTAssertEqual(pro.charges.map(\.key), ["platform_fee", "api", "tokens", "seats"])
        XCTAssertEqual(pro.minimumCommitment?.description, "100")
        guard case .usage(let api) = pro.charges[1], case .graduated(let tiers) = api.model else {
            return XCTFail("api must be graduated")
        }
        // Plain YAML 0.0004 is read from its text, exactly.
        XCTAssertEqual(tiers.map { $0.upTo?.description ?? "null" }, ["10000", "1000000", "null"])
        XCTAssertEqual(tiers.map(\.unitPrice.description), ["0", "0.0004", "0.0002"])
        guard case .usage(let tokens) = pro.charges[2],
              case .perUnit(.byDimension(let dimension, let prices, let fallback)) = tokens.model
        else { return XCTFail("tokens must be priced by dimension") }
        XCTAssertEqual(dimension, "model")
        XCTAssertEqual(prices["m-large"]?.description, "0.012")
        XCTAssertEqual(fallback.description, "0.004")
        XCTAssertEqual(tokens.filter.first?.values, ["eu-west-1", "eu-central-1"])
        XCTAssertEqual(tokens.roundQuantity, .up)
        XCTAssertEqual(catalog.plans["credits"]?.currency.code, "CREDITS")
        XCTAssertEqual(catalog.plans["credits"]?.currency.minorUnitDigits, 0)
        guard case .recurring(let daily)? = catalog.plans["credits"]?.charges.first,
              case .weekdays(let days) = daily.schedule
        else { return XCTFail("weekday schedule expected") }
        XCTAssertEqual(days, [1, 4])
    }

    // MARK: Every error at once

    func testEveryErrorListedWithPathAndLine() {
        // Line numbers in the comments; each error is derived next to the line that causes it.
        let text = """
            version: 1
            currency: USD
            colour: blue
            seller:
              name: Demo
              fax: "1"
            currencies:
              cr: { minor_units: 0 }
            meters:
              calls: { aggregation: count, unit: x }
              users: { aggregation: unique_count }
              seats: { aggregation: maximum }
            plans:
              pro:
                currency: USX
                discount: 5
                charges:
                  - key: tokens
                    meter: tokenz
                    model: per_unit
                    unit_price: "1"
                  - key: by_model
                    meter: calls
                    model: per_unit
                    group_by: [region]
                    prices_by: model
                    unit_price: { a: "1", default: "2" }
                  - key: api
                    meter: calls
                    model: graduated
                    tiers:
                      - { up_to: 100, unit_price: "0" }
                      - { up_to: 50, unit_price: "0.1" }
                      - { up_to: 1000, unit_price: "0.2", colour: red }
                  - key: by_region
                    meter: calls
                    model: per_unit
                    group_by: [region]
                    prices_by: region
                    unit_price: { eu: "1" }
                  - key: minimum_true_up
                    amount: "1"
                    schedule: monthly
                  - key: fee
                    amount: "5"
                    schedule: monthly
                    prorate: yes
            """
        // Reported in the order the loader reads sections: root keys, version, rounding,
        // currencies, currency, seller, meters, plans, accounts.
        // 3  colour: unknown top-level key (reported when the root mapping is read).
        // 8  currencies.cr: not 3–12 capital letters or digits (node = the value's mapping).
        // 6  seller.fax: unknown key.
        // 10 meters.calls.unit: unknown key.
        // 11 meters.users.field: unique_count without field (node = the meter's mapping).
        // 12 meters.seats.aggregation: unknown aggregation "maximum".
        // 16 plans.pro.discount: unknown key (read before the plan's currency).
        // 15 plans.pro.currency: unknown currency USX.
        // 19 plans.pro.charges[0].meter: unknown meter tokenz.
        // 26 plans.pro.charges[1].prices_by: "model" is not in group_by [region].
        // 33 plans.pro.charges[2].tiers[1].up_to: 50 is not above 100.
        // 34 plans.pro.charges[2].tiers[2].colour: unknown key; the tier is still read, and
        // 34 plans.pro.charges[2].tiers[2].up_to: the last tier must be unbounded.
        // 40 plans.pro.charges[3].unit_price.default: missing (node = the unit_price mapping).
        // 41 plans.pro.charges[4].key: minimum_true_up is reserved.
        // 47 plans.pro.charges[5].prorate: yes is not a boolean.
        XCTAssertEqual(located(text), [
            "3 colour",
            "8 currencies.cr",
            "6 seller.fax",
            "10 meters.calls.unit",
            "11 meters.users.field",
            "12 meters.seats.aggregation",
            "16 plans.pro.discount",
            "15 plans.pro.currency",
            "19 plans.pro.charges[0].meter",
            "26 plans.pro.charges[1].prices_by",
            "33 plans.pro.charges[2].tiers[1].up_to",
            "34 plans.pro.charges[2].tiers[2].colour",
            "34 plans.pro.charges[2].tiers[2].up_to",
            "40 plans.pro.charges[3].unit_price.default",
            "41 plans.pro.charges[4].key",
            "47 plans.pro.charges[5].prorate",
        ])
        let messages = errors(text).map(\.message)
        XCTAssertTrue(messages[0].hasPrefix("unknown key; expected one of: accounts, currencies"))
        XCTAssertEqual(
            messages[7],
            "unknown currency \"USX\"; use an ISO 4217 code or declare it under currencies")
        XCTAssertEqual(messages[10], "tiers must ascend: 50 is not above 100")
        XCTAssertEqual(messages.last, "expected true or false, found \"yes\"")
    }

    func testLastTierMustBeUnboundedAndOnlyTheLast() {
        let text = withCharge("""
                  - key: api
                    meter: calls
                    model: volume
                    tiers:
                      - { up_to: 10, unit_price: "1" }
                      - { unit_price: "0.5" }
                      - { up_to: null, unit_price: "0.2" }
                      - { up_to: 1000, unit_price: "0.1" }
            """)
        // Lines: head 1–5, plans 6, pro 7, charges 8, "- key" 9, tiers 12, tier[0] 13,
        // tier[1] 14, tier[2] 15, tier[3] 16.
        // tier[1] lacks up_to (node: the tier); tier[2] is null but not last; tier[3] is last
        // and bounded.
        XCTAssertEqual(located(text), [
            "14 plans.pro.charges[0].tiers[1].up_to",
            "15 plans.pro.charges[0].tiers[2].up_to",
            "16 plans.pro.charges[0].tiers[3].up_to",
        ])
        let messages = errors(text).map(\.message)
        XCTAssertEqual(messages[2], "the last tier must have up_to: null (no upper bound)")
    }

    func testLastTierWithoutUpToAndEqualBounds() {
        let text = withCharge("""
                  - key: api
                    meter: calls
                    model: graduated
                    tiers:
                      - { up_to: 10, unit_price: "1" }
                      - { up_to: "10.0", unit_price: "1" }
                      - { unit_price: "0.2" }
            """)
        // tier[1] (line 14): 10.0 equals 10, not above it; tier[2] (15): last without up_to.
        XCTAssertEqual(located(text), [
            "14 plans.pro.charges[0].tiers[1].up_to",
            "15 plans.pro.charges[0].tiers[2].up_to",
        ])
    }

    func testTierLimitBothSides() throws {
        var limits = ConfigLimits()
        limits.tiersMax = 3
        func catalog(tiers: Int) -> String {
            var lines = (1..<tiers).map { "          - { up_to: \($0), unit_price: \"1\" }" }
            lines.append("          - { up_to: null, unit_price: \"1\" }")
            return withCharge("""
                      - key: api
                        meter: calls
                        model: graduated
                        tiers:

                """ + lines.joined(separator: "\n"))
        }
        XCTAssertNoThrow(try CatalogLoader.load(text: catalog(tiers: 3), file: "c", limits: limits))
        // A block list's node starts at its first item: line 13, below "tiers:" on line 12.
        XCTAssertEqual(located2(catalog(tiers: 4), limits), ["13 plans.pro.charges[0].tiers"])
    }

    func located2(_ text: String, _ limits: ConfigLimits) -> [String] {
        errors(text, limits: limits).map { "\($0.line.map(String.init) ?? "-") \($0.path)" }
    }

    func testPricesByRules() {
        // prices_by on a model other than per_unit, prices_by without group_by, a mapping of
        // prices without prices_by.
        let text = withCharge("""
                  - key: a
                    meter: calls
                    model: package
                    package_size: 5
                    package_price: "1"
                    prices_by: model
                  - key: b
                    meter: calls
                    model: per_unit
                    prices_by: model
                    unit_price: { x: "1", default: "2" }
                  - key: c
                    meter: calls
                    model: per_unit
                    unit_price: { x: "1", default: "2" }
            """)
        // 14 charges[0].prices_by: not used by package; 18 charges[1].prices_by: not in
        // group_by (empty); 23 charges[2].unit_price: needs prices_by (node: the mapping).
        XCTAssertEqual(located(text), [
            "14 plans.pro.charges[0].prices_by",
            "18 plans.pro.charges[1].prices_by",
            "23 plans.pro.charges[2].unit_price",
        ])
    }

    func testMeterRules() {
        let text = """
            version: 1
            currency: USD
            meters:
              a: { aggregation: unique_count }
              b: { aggregation: sum, field: user }
              c: { field: user }
              d: { aggregation: unique_count, field: "" }
              e: { aggregation: count }
            plans:
              pro:
                charges:
                  - { key: x, meter: e, model: per_unit, unit_price: "1" }
            """
        // a (line 4): needs field; b (5): only unique_count takes one; c (6): aggregation
        // missing; d (7): an empty string is not a string, and so unique_count lacks a field.
        XCTAssertEqual(located(text), [
            "4 meters.a.field", "5 meters.b.field", "6 meters.c.aggregation", "7 meters.d.field",
            "7 meters.d.field",
        ])
    }

    func testUnknownKeysAtEveryLevel() {
        let text = """
            version: 1
            currency: USD
            extra: 1
            seller: { name: S, address: { street: a, city: b, postal_code: c, country: IE, x: 1 } }
            currencies:
              CREDITS: { minor_units: 0, symbol: C }
            meters:
              calls: { aggregation: count, unit: x }
            accounts: { receivable: "Assets:AR", bank: "Assets:Bank" }
            plans:
              pro:
                colour: red
                charges:
                  - key: fee
                    amount: "1"
                    schedule: { weekdays: [mon], at: 9 }
                  - key: api
                    meter: calls
                    model: graduated
                    note: hi
                    tiers:
                      - { up_to: null, unit_price: "1", note: x }
            """
        XCTAssertEqual(located(text), [
            "3 extra",
            "6 currencies.CREDITS.symbol",
            "4 seller.address.x",
            "8 meters.calls.unit",
            "12 plans.pro.colour",
            "16 plans.pro.charges[0].schedule.at",
            "20 plans.pro.charges[1].note",
            "22 plans.pro.charges[1].tiers[0].note",
            "9 accounts.bank",
        ])
    }

    func testUnknownCurrencyAndCatalogCurrency() {
        let text = """
            version: 1
            currency: XXY
            meters: {}
            plans:
              pro:
                charges:
                  - { key: fee, amount: "1", schedule: monthly }
              eur:
                currency: eur
                charges:
                  - { key: fee, amount: "1", schedule: monthly }
            """
        // The catalog's XXY is unknown (2); lower-case eur is not a code (9). Plan pro has no
        // currency of its own and the default is broken: reported on pro's mapping, which
        // starts at its first key (6).
        XCTAssertEqual(
            located(text), ["2 currency", "6 plans.pro.currency", "9 plans.eur.currency"])
    }

    func testBooleansAreTrueOrFalseOnly() throws {
        for word in ["yes", "no", "on", "off", "True", "FALSE", "y", "1", "0"] {
            let text = withCharge("""
                      - { key: fee, amount: "1", schedule: monthly, prorate: \(word) }
                """)
            XCTAssertEqual(located(text), ["9 plans.pro.charges[0].prorate"], word)
        }
        for (word, expected) in [("true", true), ("false", false)] {
            let text = withCharge("""
                      - { key: fee, amount: "1", schedule: monthly, prorate: \(word) }
                """)
            let catalog = try CatalogLoader.load(text: text, file: "catalog.yaml")
            guard case .recurring(let fee)? = catalog.plans["pro"]?.charges.first else {
                return XCTFail("recurring expected")
            }
            XCTAssertEqual(fee.prorate, expected)
        }
    }

    func testReservedChargeKey() {
        let text = withCharge("""
                  - { key: minimum_true_up, meter: calls, model: per_unit, unit_price: "1" }
            """)
        XCTAssertEqual(located(text), ["9 plans.pro.charges[0].key"])
        XCTAssertEqual(errors(text).first?.message,
                       "\"minimum_true_up\" is reserved for minimum commitment lines")
    }

    func testErrorsInsideAChargeWithABadKeyAreStillListed() {
        // The reserved key must not hide the charge's other problems (every error at once).
        let text = withCharge("""
                  - key: minimum_true_up
                    meter: nope
                    model: per_unit
                    unit_price: "1"
                    colour: red
            """)
        // 13 colour (unknown key, found first), 9 key reserved, 10 meter unknown.
        XCTAssertEqual(located(text), [
            "13 plans.pro.charges[0].colour",
            "9 plans.pro.charges[0].key",
            "10 plans.pro.charges[0].meter",
        ])
    }

    func testErrorsInsideAChargeWithoutAKeyAreStillListed() {
        let text = withCharge("""
                  - { meter: nope, model: per_unit, unit_price: "1" }
            """)
        // Both on line 9: key missing (node: the charge), then the unknown meter.
        XCTAssertEqual(located(text), [
            "9 plans.pro.charges[0].key", "9 plans.pro.charges[0].meter",
        ])
    }

    func testDuplicateChargeKeysAndPriceDigits() {
        let text = withCharge("""
                  - { key: a, meter: calls, model: per_unit, unit_price: "0.000000000001" }
                  - { key: a, meter: calls, model: per_unit, unit_price: "0.0000000000001" }
                  - { key: b, meter: calls, model: per_unit, unit_price: "-1" }
            """)
        // 12 digits pass; 13 (line 10) fail; the second "a" has the bad price, so it is not
        // built and is not reported as a repeat; a negative price (line 11) fails.
        XCTAssertEqual(located(text), [
            "10 plans.pro.charges[1].unit_price", "11 plans.pro.charges[2].unit_price",
        ])
        let repeated = withCharge("""
                  - { key: a, meter: calls, model: per_unit, unit_price: "1" }
                  - { key: a, meter: calls, model: per_unit, unit_price: "2" }
            """)
        XCTAssertEqual(located(repeated), ["10 plans.pro.charges[1].key"])
    }

    // MARK: YAML level

    func testYAMLSyntaxErrorHasLineAndColumn() {
        // A tab cannot indent YAML: libyaml stops at line 4, column 1.
        let text = "version: 1\ncurrency: USD\nmeters:\n\tcalls: { aggregation: count }\n"
        let found = errors(text)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.line, 4)
        XCTAssertEqual(found.first?.column, 1)
        XCTAssertEqual(found.first?.file, "catalog.yaml")
        let description = found.first?.description ?? ""
        XCTAssertTrue(description.hasPrefix("catalog.yaml:4:1: YAML syntax error"), description)
    }

    func testRepeatedYAMLKeyIsAnError() {
        let text = "version: 1\ncurrency: USD\ncurrency: EUR\nplans: {}\n"
        let found = errors(text)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.message, "duplicated key in a mapping: \"currency\"")
        XCTAssertEqual(found.first?.line, 2)
    }

    func testEmptyAndNonMappingFiles() {
        XCTAssertEqual(errors("").map(\.message), ["empty file"])
        XCTAssertEqual(errors("- 1\n- 2\n").map(\.message),
                       ["expected a mapping (key: value), found a list"])
        XCTAssertEqual(located("currency: USD\n"), ["1 version", "1 plans"])
    }

    func testFileSizeLimit() {
        var limits = ConfigLimits()
        let text = withCharge("      - { key: fee, amount: \"1\", schedule: monthly }\n")
        limits.fileBytesMax = text.utf8.count
        XCTAssertNoThrow(try CatalogLoader.load(text: text, file: "c", limits: limits))
        limits.fileBytesMax = text.utf8.count - 1
        XCTAssertEqual(errors(text, limits: limits).map(\.message),
                       ["file is larger than \(text.utf8.count - 1) bytes"])
    }

    /// A billion laughs: 9 levels of 10 aliases each expand to 10^9 scalars.
    static let aliasBomb: String = {
        var lines = ["version: 1", "currency: USD", "meters:", "  calls: { aggregation: count }",
                     "plans:", "  pro:", "    charges:", "      - key: api",
                     "        meter: calls", "        model: per_unit",
                     "        unit_price: \"1\""]
        lines.append("        group_by: [model]")
        lines.append("        filter:")
        lines.append("          l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]")
        for level in 1...8 {
            let items = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("          l\(level): &l\(level) [\(items)]")
        }
        lines.append("          model: *l8")
        return lines.joined(separator: "\n") + "\n"
    }()

    func testAliasBombFailsFastWithTheNodeBudget() {
        let start = ContinuousClock.now
        let found = errors(Self.aliasBomb)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(10))
        XCTAssertEqual(found.map(\.message),
                       ["has more than 2000000 YAML nodes (aliases expanded); the limit is "
                        + "2000000 nodes: remove unused entries or split the file"])
    }

    func testNodeBudgetBothSides() throws {
        let text = """
            version: 1
            currency: USD
            meters: { calls: { aggregation: count } }
            plans:
              pro:
                charges:
                  - { key: api, meter: calls, model: per_unit, unit_price: "1" }
            """
        // Every node counts, keys included: root mapping 1 + 4 keys + 2 values (1, USD) = 7;
        // meters: mapping, calls, mapping, aggregation, count = 5; plans: mapping, pro, mapping,
        // charges, list, item mapping, 4 keys, 4 values = 14. Total 26.
        var limits = ConfigLimits()
        limits.nodesMax = 26
        XCTAssertNoThrow(try CatalogLoader.load(text: text, file: "catalog.yaml", limits: limits))
        limits.nodesMax = 25
        XCTAssertEqual(
            errors(text, limits: limits).map(\.message),
            ["has more than 25 YAML nodes (aliases expanded); the limit is 25 nodes: remove "
                + "unused entries or split the file"])
    }
}

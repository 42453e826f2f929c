import Pricing
import XCTest

@testable import Formats

/// The limits on configuration files (docs/DECISIONS.md, Limits), each on both sides: at the
/// limit the file loads, one over it fails naming the limit. Small limits keep the files small;
/// the end-to-end tests check the default limits through the executables.
final class ConfigLimitsTests: XCTestCase {
    /// A catalog of `meters` meters and `plans` plans of `charges` charges each.
    static func catalog(meters: Int = 1, plans: Int = 1, charges: Int = 1) -> String {
        var lines = ["version: 1", "currency: USD", "meters:"]
        for index in 0..<meters { lines.append("  m\(index): { aggregation: count }") }
        lines.append("plans:")
        for plan in 0..<plans {
            lines.append("  p\(plan):")
            lines.append("    charges:")
            for charge in 0..<charges {
                lines.append(
                    "      - { key: k\(charge), meter: m0, model: per_unit, unit_price: \"1\" }")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func catalogErrors(_ text: String, limits: ConfigLimits) -> [String] {
        do {
            _ = try CatalogLoader.load(text: text, file: "catalog.yaml", limits: limits)
            return []
        } catch let errors as ConfigErrors {
            return errors.errors.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    func testMetersLimit() {
        var limits = ConfigLimits()
        limits.metersMax = 3
        XCTAssertEqual(catalogErrors(Self.catalog(meters: 3), limits: limits), [])
        XCTAssertEqual(
            catalogErrors(Self.catalog(meters: 4), limits: limits),
            ["catalog.yaml:4:3: meters: has 4 meters; the limit is 3 meters; remove unused "
                + "entries or split the file"])
    }

    func testPlansLimit() {
        var limits = ConfigLimits()
        limits.plansMax = 2
        XCTAssertEqual(catalogErrors(Self.catalog(plans: 2), limits: limits), [])
        XCTAssertEqual(
            catalogErrors(Self.catalog(plans: 3), limits: limits),
            ["catalog.yaml:6:3: plans: has 3 plans; the limit is 2 plans; remove unused "
                + "entries or split the file"])
    }

    func testChargesPerPlanLimit() {
        var limits = ConfigLimits()
        limits.chargesPerPlanMax = 2
        XCTAssertEqual(catalogErrors(Self.catalog(charges: 2), limits: limits), [])
        XCTAssertEqual(
            catalogErrors(Self.catalog(charges: 3), limits: limits),
            ["catalog.yaml:8:7: plans.p0.charges: has 3 charges; the limit is 2 charges; "
                + "remove unused entries or split the file"])
    }

    /// The defaults, as docs/DECISIONS.md states them.
    func testDefaultLimits() {
        let limits = ConfigLimits()
        XCTAssertEqual(limits.fileBytesMax, 64 << 20)
        XCTAssertEqual(limits.nodesMax, 2_000_000)
        XCTAssertEqual(limits.tiersMax, 1_000)
        XCTAssertEqual(limits.metersMax, 10_000)
        XCTAssertEqual(limits.plansMax, 10_000)
        XCTAssertEqual(limits.chargesPerPlanMax, 1_000)
        XCTAssertEqual(limits.customersMax, 1_000_000)
    }

    // MARK: Customers

    func customerErrors(_ text: String, file: String, limits: ConfigLimits) throws -> [String] {
        let catalog = try CatalogLoader.load(text: Self.catalog(), file: "catalog.yaml")
        do {
            _ = try CustomersLoader.load(
                text: text, file: file, catalog: catalog, zones: TimeZoneDirectory(),
                limits: limits)
            return []
        } catch let errors as ConfigErrors {
            return errors.errors.map(\.description)
        }
    }

    func testCustomersLimitInYAML() throws {
        var limits = ConfigLimits()
        limits.customersMax = 2
        func text(_ count: Int) -> String {
            let customer = ": { subscriptions: [{ plan: p0, start: 2026-01-01 }] }\n"
            return "customers:\n" + (0..<count).map { "  c\($0)" + customer }.joined()
        }
        XCTAssertEqual(try customerErrors(text(2), file: "customers.yaml", limits: limits), [])
        XCTAssertEqual(
            try customerErrors(text(3), file: "customers.yaml", limits: limits),
            ["customers.yaml:2:3: customers: has 3 customers; the limit is 2 customers: split "
                + "the customers into several runs"])
    }

    func testCustomersLimitInNDJSON() throws {
        var limits = ConfigLimits()
        limits.customersMax = 2
        func text(_ count: Int) -> String {
            // Blank lines are not customers.
            "\n" + (0..<count).map {
                #"{"id":"c\#($0)","subscriptions":[{"plan":"p0","start":"2026-01-01"}]}"# + "\n\n"
            }.joined()
        }
        XCTAssertEqual(try customerErrors(text(2), file: "customers.ndjson", limits: limits), [])
        XCTAssertEqual(
            try customerErrors(text(3), file: "customers.ndjson", limits: limits),
            ["customers.ndjson: has 3 customers; the limit is 2 customers: split the customers "
                + "into several runs"])
    }

    // MARK: YAML nodes

    func testNodeCountExpandsAliases() {
        // mapping, a, [ , 1, 2 ] = 5; b and *x (the 3-node list again) = 4: 9 nodes.
        let text = "a: &x [1, 2]\nb: *x\n"
        XCTAssertEqual(YAMLNodeCount.count(text, nodesMax: 9), .within(9))
        XCTAssertEqual(YAMLNodeCount.count(text, nodesMax: 8), .over(line: 2, aliases: true))
        XCTAssertEqual(YAMLNodeCount.count("a: [1, 2\n", nodesMax: 100), .unreadable)
        XCTAssertEqual(YAMLNodeCount.count("", nodesMax: 100), .within(0))
    }

    /// Aliases add the size of the node they repeat less their own: `*x` repeats a 3-node list
    /// (2 added), twice is 4.
    func testNodeCountCountsWhatAliasesAdd() {
        let text = "a: &x [1, 2]\nb: *x\nc: *x\n"
        XCTAssertEqual(YAMLNodeCount.count(text, nodesMax: .max, aliasNodesMax: 4), .within(13))
        XCTAssertEqual(
            YAMLNodeCount.count(text, nodesMax: .max, aliasNodesMax: 3), .aliasesOver(line: 3))
    }

    /// A customers file is not limited by its own nodes (the file-size cap bounds them): with
    /// limits of 10 nodes, 50 customers of 9 nodes each load, by every reading (straight from
    /// events; the quick tree, taken when an alias is present; Yams, taken on an error, which
    /// then reports only the error).
    func testCustomersFileIsNotLimitedByItsOwnNodes() throws {
        var limits = ConfigLimits()
        limits.nodesMax = 10
        limits.aliasNodesMax = 10
        let customer = ": { subscriptions: [{ plan: p0, start: 2026-01-01 }] }\n"
        let many = (0..<50).map { "  c\($0)" + customer }.joined()
        XCTAssertEqual(
            try customerErrors("customers:\n" + many, file: "customers.yaml", limits: limits), [])
        // `*n` repeats a 1-node name: it adds nothing.
        let aliased = "customers:\n  a: { name: &n A, subscriptions: [] }\n"
            + "  b: { name: *n, subscriptions: [] }\n"
        XCTAssertEqual(
            try customerErrors(aliased + many, file: "customers.yaml", limits: limits), [])
        XCTAssertEqual(
            try customerErrors(
                aliased + many + "  z: { timezone: No/Where, subscriptions: [] }\n",
                file: "customers.yaml", limits: limits),
            ["customers.yaml:54:18: customers.z.timezone: unknown time zone \"No/Where\"; use an "
                + "IANA name such as Europe/Berlin"])
    }

    /// The nodes aliases add to a customers file, on both sides: `*s` repeats a 6-node
    /// subscription list (the list, its mapping, two keys and two values: 5 added); two add 10.
    func testCustomersAliasNodesLimit() throws {
        var limits = ConfigLimits()
        let text = """
            customers:
              a: { subscriptions: &s [{ plan: p0, start: 2026-01-01 }] }
              b: { subscriptions: *s }
              c: { subscriptions: *s }

            """
        limits.aliasNodesMax = 10
        XCTAssertEqual(try customerErrors(text, file: "customers.yaml", limits: limits), [])
        limits.aliasNodesMax = 9
        XCTAssertEqual(
            try customerErrors(text, file: "customers.yaml", limits: limits),
            ["customers.yaml:4: aliases add more than 9 YAML nodes; the limit is 9 nodes added "
                + "by aliases: use fewer aliases or write the repeated parts out"])
    }

    /// The node limit on both sides through the catalog loader, with its true message.
    func testNodeLimitNamesTheLimit() {
        let text = Self.catalog()
        guard case .within(let nodes) = YAMLNodeCount.count(text, nodesMax: 1_000) else {
            return XCTFail("the small catalog should count")
        }
        var limits = ConfigLimits()
        limits.nodesMax = nodes
        XCTAssertEqual(catalogErrors(text, limits: limits), [])
        limits.nodesMax = nodes - 1
        let errors = catalogErrors(text, limits: limits)
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(
            errors.first?.hasSuffix(
                ": has more than \(nodes - 1) YAML nodes (aliases expanded); the limit is "
                    + "\(nodes - 1) nodes: remove unused entries or split the file") == true,
            "\(errors)")
    }

    /// A 22 MB catalog of 700,000 meters (no aliases) took 33 s and 774 MB before it was
    /// refused as an alias problem; counting libyaml events refuses it before Yams builds a tree.
    func testHugeCatalogIsRefusedEarlyWithATrueMessage() {
        var text = "version: 1\ncurrency: USD\nmeters:\n"
        text.reserveCapacity(23_000_000)
        for index in 0..<700_000 { text += "  meter_\(index): { aggregation: count }\n" }
        text += "plans:\n  p: { charges: [{ key: k, meter: meter_0, model: per_unit, "
            + "unit_price: \"1\" }] }\n"
        let errors = catalogErrors(text, limits: ConfigLimits())
        // The root mapping, version and currency (key and value each) and the meters key and
        // mapping are 7 nodes; each meter line adds 4 (key, flow mapping, aggregation, count).
        // After meter_499997 (line 500,001) that is 7 + 4 × 499,998 = 1,999,999; meter_499998's
        // key makes 2,000,000 and its mapping passes the limit, on line 500,002.
        XCTAssertEqual(
            errors,
            ["catalog.yaml:500002: has more than 2000000 YAML nodes (aliases expanded); the "
                + "limit is 2000000 nodes: remove unused entries or split the file"])
    }
}

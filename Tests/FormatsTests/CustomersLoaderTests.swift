import Pricing
import XCTest

@testable import Formats

/// Customers loading (SPEC §6, §11) from YAML and NDJSON, and IANA time zones.
final class CustomersLoaderTests: XCTestCase {
    static let catalogText = """
        version: 1
        currency: USD
        meters: { calls: { aggregation: count } }
        plans:
          pro:
            charges: [{ key: api, meter: calls, model: per_unit, unit_price: "1" }]
          euro:
            currency: EUR
            charges: [{ key: api, meter: calls, model: per_unit, unit_price: "1" }]
        """

    var catalog: Catalog!

    override func setUpWithError() throws {
        catalog = try CatalogLoader.load(text: Self.catalogText, file: "catalog.yaml")
    }

    func load(_ text: String, file: String = "customers.yaml") throws -> [Customer] {
        try CustomersLoader.load(
            text: text, file: file, catalog: catalog, zones: TimeZoneDirectory())
    }

    /// The errors of customers that must fail.
    func errors(
        _ text: String, file name: String = "customers.yaml",
        limits: ConfigLimits = ConfigLimits(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> [ConfigError] {
        do {
            _ = try CustomersLoader.load(
                text: text, file: name, catalog: catalog, zones: TimeZoneDirectory(),
                limits: limits)
            XCTFail("the customers loaded", file: file, line: line)
            return []
        } catch let errors as ConfigErrors {
            return errors.errors
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    /// `line path` of each error, in reported order.
    func located(
        _ text: String, file name: String = "customers.yaml",
        file: StaticString = #filePath, line: UInt = #line
    ) -> [String] {
        errors(text, file: name, file: file, line: line)
            .map { "\($0.line.map(String.init) ?? "-") \($0.path)" }
    }

    // MARK: Valid files

    func testSpecExampleLoads() throws {
        let text = """
            customers:
              cus_002:
                subscriptions: [{ plan: pro, start: 2026-01-01 }]
              cus_001:
                name: "Acme GmbH"
                address:
                  { street: "Hauptstr. 5", city: "Berlin", postal_code: "10115", country: DE }
                tax_id: "DE123456789"
                timezone: Europe/Berlin
                anchor_day: 1
                currency: EUR
                tax: { name: VAT, rate: "0.19" }
                discounts:
                  - { key: launch, percent: "10", until: 2026-12-31 }
                subscriptions:
                  - { plan: euro, start: 2026-10-20, end: null }
                  - { plan: euro, start: 2026-09-15, end: 2026-10-20 }
            """
        let customers = try load(text)
        // Sorted by id; cus_002 takes its currency from its plan and UTC by default.
        XCTAssertEqual(customers.map(\.id), ["cus_001", "cus_002"])
        let acme = customers[0]
        XCTAssertEqual(acme.name, "Acme GmbH")
        XCTAssertEqual(acme.address?.postalCode, "10115")
        XCTAssertEqual(acme.timeZone.identifier, "Europe/Berlin")
        XCTAssertEqual(acme.anchorDay, 1)
        XCTAssertEqual(acme.tax?.rate.description, "0.19")
        XCTAssertEqual(acme.discounts.first?.until, CivilDate(year: 2026, month: 12, day: 31))
        // Subscriptions sorted by start; end: null is open; adjacent periods do not overlap.
        XCTAssertEqual(acme.subscriptions.map(\.start.description), ["2026-09-15", "2026-10-20"])
        XCTAssertNil(acme.subscriptions[1].end)
        XCTAssertEqual(customers[1].currency?.code, "USD")
        XCTAssertEqual(customers[1].timeZone.identifier, "UTC")
    }

    // MARK: Every error at once

    func testEveryErrorListedWithPathAndLine() {
        let text = """
            customers:
              cus_a:
                timezone: Europe/Berlln
                anchor_day: 32
                currency: EUR
                colour: red
                tax: { name: VAT, rate: "0.19", code: x }
                discounts:
                  - { key: launch, percent: "10", until: 2026-12-31, note: x }
                subscriptions:
                  - { plan: pro, start: 2026-09-15 }
                  - { plan: gold, start: 2026-10-01 }
              cus_b:
                subscriptions:
                  - { plan: pro, start: 2026-01-01, end: 2026-11-01 }
                  - { plan: pro, start: 2026-10-01 }
                  - { plan: pro, start: 2026-12-01, plan_id: 7 }
              cus_c:
                address: { street: a, city: b, postal_code: c, country: DE, floor: 3 }
                timezone: Mars/Base
                subscriptions: [{ plan: pro, start: 2026-01-01 }]
            """
        // cus_a: the unknown key (6) is found when the mapping is read; then time zone (3),
        // anchor day 32 (4), tax.code (7), discounts[0].note (9), pro bills USD but the customer
        // uses EUR (11), gold is not a plan (12).
        // cus_b: plan_id (17); [2026-10-01, open) starts before 2026-11-01 (16); [2026-12-01, …)
        // starts inside the open-ended one before it (17).
        // cus_c: address.floor (19) is reported although the time zone (20) is wrong too.
        XCTAssertEqual(located(text), [
            "6 customers.cus_a.colour",
            "3 customers.cus_a.timezone",
            "4 customers.cus_a.anchor_day",
            "7 customers.cus_a.tax.code",
            "9 customers.cus_a.discounts[0].note",
            "11 customers.cus_a.subscriptions[0].plan",
            "12 customers.cus_a.subscriptions[1].plan",
            "17 customers.cus_b.subscriptions[2].plan_id",
            "16 customers.cus_b.subscriptions[1]",
            "17 customers.cus_b.subscriptions[2]",
            "19 customers.cus_c.address.floor",
            "20 customers.cus_c.timezone",
        ])
        let messages = errors(text).map(\.message)
        XCTAssertEqual(
            messages[1],
            "unknown time zone \"Europe/Berlln\"; use an IANA name such as Europe/Berlin")
        XCTAssertEqual(messages[5], "plan \"pro\" bills in USD but the customer uses EUR")
        XCTAssertEqual(messages[6], "unknown plan \"gold\"; the catalog has: euro, pro")
    }

    func testNameAndAddressErrorsAreListedWhenSubscriptionsAreMissing() {
        let text = """
            customers:
              cus_a:
                name: ""
                address: { street: a, city: b, postal_code: c, country: DE, floor: 3 }
            """
        // name (3) is an empty string; address.floor (4); subscriptions missing (node: the
        // customer's mapping, line 3).
        XCTAssertEqual(located(text), [
            "3 customers.cus_a.name",
            "4 customers.cus_a.address.floor",
            "3 customers.cus_a.subscriptions",
        ])
    }

    func testPlanCurrenciesMustAgreeWithoutACustomerCurrency() {
        let text = """
            customers:
              cus_a:
                subscriptions:
                  - { plan: pro, start: 2026-01-01, end: 2026-06-01 }
                  - { plan: euro, start: 2026-06-01 }
            """
        // The first plan sets the customer's currency (USD); euro then disagrees (line 5).
        XCTAssertEqual(located(text), ["5 customers.cus_a.subscriptions[1].plan"])
    }

    func testSubscriptionDates() {
        let text = """
            customers:
              cus_a:
                subscriptions:
                  - { plan: pro, start: 2026-05-01, end: 2026-05-01 }
                  - { plan: pro, start: 2026-02-30 }
                  - { plan: pro }
            """
        // end = start (4); February 30 (5); no start (6, node: the item).
        XCTAssertEqual(located(text), [
            "4 customers.cus_a.subscriptions[0].end",
            "5 customers.cus_a.subscriptions[1].start",
            "6 customers.cus_a.subscriptions[2]",
        ])
    }

    func testAnchorDayBothSides() throws {
        for (day, valid) in [(0, false), (1, true), (31, true), (32, false)] {
            let text = """
                customers:
                  c: { anchor_day: \(day), subscriptions: [{ plan: pro, start: 2026-01-01 }] }
                """
            if valid {
                XCTAssertEqual(try load(text).first?.anchorDay, day)
            } else {
                XCTAssertEqual(located(text), ["2 customers.c.anchor_day"], "\(day)")
            }
        }
    }

    /// `payment_terms_days` (issue 11): 0 to 365 days, from YAML (both readings) and NDJSON.
    func testPaymentTermsBothSidesInYAMLAndNDJSON() throws {
        for (days, valid) in [("-1", false), ("0", true), ("365", true), ("366", false)] {
            let text = """
                customers:
                  c:
                    payment_terms_days: \(days)
                    subscriptions: [{ plan: pro, start: 2026-01-01 }]
                """
            let line = #"{"id":"c","payment_terms_days":\#(days),"#
                + #""subscriptions":[{"plan":"pro","start":"2026-01-01"}]}"#
            if valid {
                XCTAssertEqual(try load(text).first?.paymentTermsDays, Int(days))
                XCTAssertEqual(eventCustomers(text)?.first?.paymentTermsDays, Int(days))
                XCTAssertEqual(
                    try load(line, file: "customers.ndjson").first?.paymentTermsDays, Int(days))
            } else {
                XCTAssertNil(eventCustomers(text), days)
                XCTAssertEqual(
                    errors(text).map(\.description),
                    [
                        "customers.yaml:3:25: customers.c.payment_terms_days: expected a whole "
                            + "number from 0 to 365, found \"\(days)\""
                    ], days)
                XCTAssertEqual(
                    errors(line, file: "customers.ndjson").map(\.description),
                    [
                        "customers.ndjson:1:32: payment_terms_days: expected a whole number from 0 "
                            + "to 365, found \"\(days)\""
                    ], days)
            }
        }
        // Absent: nil, so the catalog's terms apply.
        let plain = "customers:\n  c: { subscriptions: [{ plan: pro, start: 2026-01-01 }] }\n"
        XCTAssertNil(try load(plain).first?.paymentTermsDays)
    }

    func testUnknownTopLevelKey() {
        let text = """
            version: 1
            customers:
              c: { subscriptions: [{ plan: pro, start: 2026-01-01 }] }
            """
        XCTAssertEqual(located(text), ["1 version"])
    }

    func testCustomerIDLimit() throws {
        let ok = String(repeating: "c", count: 256)
        let long = String(repeating: "c", count: 257)
        func text(_ id: String) -> String {
            "customers:\n  \(id): { subscriptions: [{ plan: pro, start: 2026-01-01 }] }\n"
        }
        XCTAssertEqual(try load(text(ok)).first?.id, ok)
        XCTAssertEqual(located(text(long)), ["2 customers.\(long)"])
    }

    // MARK: YAML level

    func testYAMLSyntaxErrorHasLineAndColumn() {
        let text = "customers:\n  c:\n\tsubscriptions: []\n"
        let found = errors(text)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first.map { "\($0.file):\($0.line ?? 0):\($0.column ?? 0)" },
                       "customers.yaml:3:1")
    }

    func testAliasBombFailsFast() {
        var lines = ["customers:", "  c:", "    subscriptions: [{ plan: pro, start: 2026-01-01 }]",
                     "    discounts: &l0 [a, a, a, a, a, a, a, a, a, a]"]
        for level in 1...8 {
            let items = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("    x\(level): &l\(level) [\(items)]")
        }
        let start = ContinuousClock.now
        let found = errors(lines.joined(separator: "\n"))
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(10))
        // A customers file is limited by the nodes its aliases add, not by its own nodes.
        XCTAssertEqual(found.map(\.description),
                       ["customers.yaml:10: aliases add more than 2000000 YAML nodes; the limit "
                        + "is 2000000 nodes added by aliases: use fewer aliases or write the "
                        + "repeated parts out"])
    }

    // MARK: Reading straight from libyaml events

    /// The customers `CustomerBuilder` makes of a Yams tree (the reference), or nil when it
    /// reports anything.
    func treeCustomers(_ text: String) -> [Customer]? {
        guard case .success(let root?) = composeYAML(text, file: "customers.yaml") else {
            return nil
        }
        return CustomersLoader.quickCustomers(
            yaml: root, file: "customers.yaml", catalog: catalog, limits: ConfigLimits(),
            nodeBudget: .max
        )?.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
    }

    func eventCustomers(_ text: String) -> [Customer]? {
        YAMLCustomerEvents.customers(
            text, catalog: catalog, zones: TimeZoneDirectory(), limits: ConfigLimits())
    }

    /// Every field of a customer, to compare two readings.
    func describe(_ customers: [Customer]?) -> [String]? {
        customers?.map { customer in
            [
                customer.id, customer.name ?? "-", customer.address.map { "\($0)" } ?? "-",
                customer.taxID ?? "-", customer.timeZone.identifier,
                customer.anchorDay.map(String.init) ?? "-", customer.currency?.code ?? "-",
                customer.tax.map { "\($0)" } ?? "-", "\(customer.discounts)",
                customer.paymentTermsDays.map(String.init) ?? "-",
                "\(customer.subscriptions)",
            ].joined(separator: " | ")
        }
    }

    /// Every key a customer may have, quoted and plain, null ends, and subscriptions out of
    /// order: the events reading builds exactly what `CustomerBuilder` builds from the tree.
    func testEventReadingBuildsWhatTheTreeReadingBuilds() {
        let text = """
            customers:
              c1:
                name: "Acme GmbH"
                address: { street: "Hauptstr. 5", city: Berlin, postal_code: "10115", country: DE }
                tax_id: 'DE123'
                timezone: Europe/Berlin
                anchor_day: 15
                payment_terms_days: 14
                currency: EUR
                tax: { name: VAT, rate: "0.19" }
                discounts:
                  - { key: launch, percent: "10", until: 2026-12-31 }
                  - { key: loyal, percent: 5.5, from: 2026-01-01, until: 2026-01-01 }
                subscriptions:
                  - { plan: euro, start: 2026-06-01, end: null }
                  - { plan: euro, start: 2026-01-01, end: 2026-06-01 }
              "c 2":
                address: { city: Cork }
                payment_terms_days: "0"
                subscriptions: [{ plan: pro, start: 2026-01-01, end: ~ }]
              c0: { subscriptions: [] }
            """
        let events = describe(eventCustomers(text))
        XCTAssertEqual(events?.count, 3)
        XCTAssertEqual(events, describe(treeCustomers(text)))
        XCTAssertEqual(events, describe(try? load(text)))
        XCTAssertEqual(events?.first?.hasPrefix("c 2 | - | "), true)  // bytewise: space first
    }

    /// Whatever `CustomerBuilder` refuses, the events reading gives up on (nil), so the loader
    /// reads the file again and reports it with its place.
    func testEventReadingGivesUpWhereTheBuilderRefuses() {
        let subscription = "subscriptions: [{ plan: pro, start: 2026-01-01 }]"
        let wrong = [
            "{ name: null, \(subscription) }", "{ name: '', \(subscription) }",
            "{ name: [a], \(subscription) }", "{ nickname: x, \(subscription) }",
            "{ id: c1, \(subscription) }", "{ timezone: No/Where, \(subscription) }",
            "{ anchor_day: 32, \(subscription) }", "{ anchor_day: x, \(subscription) }",
            "{ currency: USX, \(subscription) }", "{ currency: EUR, \(subscription) }",
            "{ payment_terms_days: 366, \(subscription) }",
            "{ payment_terms_days: -1, \(subscription) }",
            "{ payment_terms_days: 7.5, \(subscription) }",
            "{ payment_terms_days: null, \(subscription) }",
            "{ payment_terms_days: [7], \(subscription) }",
            "{ tax: { name: VAT }, \(subscription) }",
            "{ tax: { name: VAT, rate: '-1' }, \(subscription) }",
            "{ tax: { name: VAT, rate: 1, kind: x }, \(subscription) }",
            "{ tax: VAT, \(subscription) }", "{ address: { town: Cork }, \(subscription) }",
            "{ address: { city: null }, \(subscription) }", "{ address: x, \(subscription) }",
            "{ discounts: [{ key: a, percent: '100.01' }], \(subscription) }",
            "{ discounts: [{ key: a, percent: 1 }, { key: a, percent: 2 }], \(subscription) }",
            "{ discounts: [{ key: a, percent: 1, from: 2026-02-01, until: 2026-01-31 }], "
                + "\(subscription) }",
            "{ discounts: [{ key: a, percent: 1, from: 2026-02-30 }], \(subscription) }",
            "{ discounts: [{ key: a }], \(subscription) }", "{ discounts: x, \(subscription) }",
            "{ name: A }", "{ subscriptions: x }", "{ subscriptions: [{ plan: pro }] }",
            "{ subscriptions: [{ plan: nope, start: 2026-01-01 }] }",
            "{ subscriptions: [{ plan: pro, start: 2026-13-01 }] }",
            "{ subscriptions: [{ plan: pro, start: 2026-02-01, end: 2026-02-01 }] }",
            "{ subscriptions: [{ plan: pro, start: 2026-02-01, end: soon }] }",
            "{ subscriptions: [{ plan: pro, start: 2026-01-01, extra: 1 }] }",
            "{ subscriptions: [{ plan: pro, start: 2026-03-01 }, "
                + "{ plan: pro, start: 2026-01-01 }] }",
            "{ subscriptions: [{ plan: pro, start: 2026-01-01, end: 2026-04-01 }, "
                + "{ plan: pro, start: 2026-03-01 }] }",
            "{ subscriptions: [{ plan: euro, start: 2026-01-01, end: 2026-02-01 }, "
                + "{ plan: pro, start: 2026-03-01 }] }",
            "{ name: A, name: B, \(subscription) }", "x", "[]",
        ]
        for body in wrong {
            let text = "customers:\n  c0: { \(subscription) }\n  c1: \(body)\n"
            XCTAssertNil(treeCustomers(text), "the reference should refuse \(body)")
            XCTAssertNil(eventCustomers(text), body)
        }
        let longID = String(repeating: "x", count: CustomerBuilder.idBytesMax + 1)
        for text in [
            "customers:\n  \(longID): { \(subscription) }\n",
            "customers:\n  c1: { \(subscription) }\n  c1: { \(subscription) }\n",
            "customers: { c1: { \(subscription) } }\nextra: 1\n",
            "customers: []\n", "customers:\n", "[]\n", "",
            "customers: { c1: { \(subscription) } }\n---\ncustomers: {}\n",
            "customers: { c1: { \(subscription) }\n",
        ] {
            XCTAssertNil(treeCustomers(text), text)
            XCTAssertNil(eventCustomers(text), text)
        }
    }

    /// Anchors and aliases are valid but left to the tree reading (which expands them against
    /// the alias budget, customers on two threads past 1,000): the events reading gives up and
    /// the file still loads.
    func testAliasesAreLeftToTheTreeReading() throws {
        let text = """
            customers:
              c1: { tax: &vat { name: VAT, rate: "0.19" }, subscriptions: [] }
              c2: { tax: *vat, subscriptions: [] }

            """ + (3...1_500).map { "  c\($0): { tax: *vat, subscriptions: [] }\n" }.joined()
        XCTAssertNil(eventCustomers(text))
        let customers = try load(text)
        XCTAssertEqual(customers.count, 1_500)
        XCTAssertEqual(customers.prefix(3).map(\.id), ["c1", "c10", "c100"])  // bytewise
        XCTAssertEqual(Set(customers.map { $0.tax?.name }), ["VAT"])
    }

    // MARK: NDJSON

    func testNDJSONLoads() throws {
        let text = #"{"id":"c2","subscriptions":[{"plan":"pro","start":"2026-01-01"}]}"#
            + "\n\n"
            + #"{"id":"c1","timezone":"Asia/Kolkata","anchor_day":15,"currency":"EUR","#
            + #""subscriptions":[{"plan":"euro","start":"2026-01-01","end":null}]}"#
        let customers = try load(text + "\r\n", file: "customers.ndjson")
        XCTAssertEqual(customers.map(\.id), ["c1", "c2"])
        XCTAssertEqual(customers[0].anchorDay, 15)
        XCTAssertEqual(customers[0].timeZone.identifier, "Asia/Kolkata")
    }

    func testNDJSONErrorsCarryTheirLineNumber() {
        let text = #"""
            {"id":"c1","subscriptions":[{"plan":"pro","start":"2026-01-01"}]}

            {"id":"c2","timezone":"No/Where","subscriptions":[{"plan":"pro","start":"2026-01-01"}]}
            {"id":"c1","subscriptions":[{"plan":"pro","start":"2026-01-01"}]}
            {"id":"c5", "subscriptions":
            [1,2]
            {"subscriptions":[{"plan":"pro","start":"2026-01-01"}]}
            {"id":"c8","subscriptions":[{"plan":"gold","start":"2026-01-01"}],"x":1}
            """#
        // Line 3: unknown time zone; 4: c1 again; 5: not complete JSON; 6: not an object;
        // 7: no id; 8: unknown key x, then unknown plan gold. Paths are inside the line's object.
        XCTAssertEqual(located(text, file: "customers.ndjson"), [
            "3 timezone",
            "4 id",
            "5 ",
            "6 ",
            "7 id",
            "8 x",
            "8 subscriptions[0].plan",
        ])
        let found = errors(text, file: "customers.ndjson")
        XCTAssertEqual(found[1].message, "customer \"c1\" is defined twice (first at line 1)")
        XCTAssertEqual(found[0].description,
                       "customers.ndjson:3:23: timezone: unknown time zone \"No/Where\"; "
                        + "use an IANA name such as Europe/Berlin")
    }

    /// NDJSON lines are read as strict JSON (not through a YAML parser): a repeated key, a
    /// single-quoted string or a trailing comma is refused at its column, and columns count
    /// characters, as Yams' marks did.
    func testNDJSONIsStrictJSONWithColumns() {
        let subscription = #""subscriptions":[{"plan":"pro","start":"2026-01-01"}]"#
        let text = [
            #"{"id":"c1","id":"c2",\#(subscription)}"#,
            #"{"id":'c3',\#(subscription)}"#,
            #"{"id":"c4",\#(subscription),}"#,
            #"{"id":"çà","timezone":"No/Where",\#(subscription)}"#,
            #"{"id":"c6","anchor_day":1e1,\#(subscription)}"#,
        ].joined(separator: "\n")
        let found = errors(text, file: "customers.ndjson").map(\.description)
        XCTAssertEqual(found, [
            // Byte 12 (1-based) starts the second "id".
            #"customers.ndjson:1:12: invalid JSON: repeated key "id""#,
            #"customers.ndjson:2:7: invalid JSON: invalid value"#,
            #"customers.ndjson:3:66: invalid JSON: expected a string"#,
            // `{"id":"çà","timezone":` is 22 characters (24 bytes): the value is column 23.
            #"customers.ndjson:4:23: timezone: unknown time zone "No/Where"; "#
                + "use an IANA name such as Europe/Berlin",
            // A number keeps its text: 1e1 is not a whole number as written.
            #"customers.ndjson:5:25: anchor_day: expected a whole number from 1 to 31, "#
                + #"found "1e1""#,
        ])
    }

    /// `"k<first>":0,"k<first+1>":0,…` for `count` keys, the members of a line of many keys.
    func manyKeys(_ count: Int, from first: Int = 0, prefix: String = "k") -> String {
        (first..<(first + count)).map { "\"\(prefix)\($0)\":0," }.joined()
    }

    /// A line holding more nodes than `nodesMax` is refused with the node-limit message every
    /// configuration file gets, at the node that passed the limit: the parse stops there, so a
    /// 64 MiB line of millions of keys fails fast instead of building (twice) a tree of them.
    func testNDJSONLineOverTheNodeLimitFailsFast() {
        var limits = ConfigLimits()
        limits.nodesMax = 100
        let subscription = #""subscriptions":[{"plan":"pro","start":"2026-01-01"}]"#
        let text = [
            #"{"id":"c1",\#(subscription)}"#,
            "{" + manyKeys(1_000) + #""id":"c2",\#(subscription)}"#,
        ].joined(separator: "\n")
        // The object is node 1 and each member two more: node 101 is the value of k49.
        let column = ("{" + manyKeys(49) + #""k49":"#).count + 1
        XCTAssertEqual(
            errors(text, file: "customers.ndjson", limits: limits).map(\.description),
            ["customers.ndjson:2:\(column): has more than 100 YAML nodes (aliases expanded); "
                + "the limit is 100 nodes: remove unused entries or split the file"])
        // 100 nodes exactly still read (listing the unknown keys): the object, the id pair
        // and the subscriptions pair (key, list, one object of two pairs) make 10.
        let exact = "{" + manyKeys(45) + #""id":"c3",\#(subscription)}"#
        XCTAssertEqual(
            errors(exact, file: "customers.ndjson", limits: limits).map(\.path),
            (0..<45).map { "k\($0)" })
    }

    /// Past 16 keys the parser looks keys up in a set: a line of many distinct keys still
    /// reads whole (every unknown key is listed, none taken for a repeat), and a repeated key
    /// among many is still found at its column, whether it first came before or after the
    /// 16th key.
    func testNDJSONManyKeysAndARepeatAmongThem() {
        let subscription = #""subscriptions":[{"plan":"pro","start":"2026-01-01"}]"#
        let distinct = #"{"id":"c1","# + manyKeys(40, prefix: "x") + subscription + "}"
        XCTAssertEqual(
            errors(distinct, file: "customers.ndjson").map(\.path), (0..<40).map { "x\($0)" })

        // k25 first came after the 16th key, id as the first key of all.
        let late = #"{"id":"c2","# + manyKeys(30) + #""k25":1,"# + subscription + "}"
        let early = #"{"id":"c3","# + manyKeys(30) + #""id":"c4","# + subscription + "}"
        let lateColumn = (#"{"id":"c2","# + manyKeys(30)).count + 1
        let earlyColumn = (#"{"id":"c3","# + manyKeys(30)).count + 1
        XCTAssertEqual(
            errors(late + "\n" + early, file: "customers.ndjson").map(\.description),
            [
                #"customers.ndjson:1:\#(lateColumn): invalid JSON: repeated key "k25""#,
                #"customers.ndjson:2:\#(earlyColumn): invalid JSON: repeated key "id""#,
            ])
    }

    /// Past 1,000 lines the first reading is split over two threads; results, duplicates and
    /// errors are still decided in line order.
    func testLargeNDJSONReadsInLineOrder() throws {
        func line(_ id: String, zone: String = "UTC") -> String {
            #"{"id":"\#(id)","timezone":"\#(zone)","#
                + #""subscriptions":[{"plan":"pro","start":"2026-01-01"}]}"#
        }
        var lines = (1...1_500).map { line("c\($0)") }
        let valid = try load(lines.joined(separator: "\n"), file: "customers.ndjson")
        XCTAssertEqual(valid.count, 1_500)
        // `{"id":"c1200","timezone":` is 25 characters: the zone is column 26.
        lines[1_199] = line("c1200", zone: "No/Where")  // line 1,200
        lines[1_399] = line("c7")  // line 1,400 repeats line 7
        XCTAssertEqual(
            errors(lines.joined(separator: "\n"), file: "customers.ndjson").map(\.description),
            [
                #"customers.ndjson:1200:26: timezone: unknown time zone "No/Where"; "#
                    + "use an IANA name such as Europe/Berlin",
                #"customers.ndjson:1400:7: id: customer "c7" is defined twice (first at line 7)"#,
            ])
    }

    /// YAML is read quickly first (libyaml events, customers built on two threads past 1,000)
    /// and again through Yams only when something is wrong: both give the same customers, and
    /// errors keep their places.
    func testLargeYAMLQuickAndLocatedReadingsAgree() throws {
        func text(zoneOf bad: Int? = nil) -> String {
            "customers:\n" + (1...5_000).map { index in
                let zone = index == bad ? "No/Where" : "Europe/Berlin"
                return "  c\(index):\n    timezone: \(zone)\n"
                    + "    subscriptions: [{ plan: pro, start: 2026-01-01 }]\n"
            }.joined()
        }
        let customers = try load(text())
        XCTAssertEqual(customers.count, 5_000)
        XCTAssertEqual(customers.first?.id, "c1")
        XCTAssertEqual(customers.last?.id, "c999")  // bytewise order
        XCTAssertEqual(customers[1].timeZone.identifier, "Europe/Berlin")
        // Customer 4,500 (on the second thread) starts on line 2 + 3 × 4,499 = 13,499; its zone
        // is on the next line.
        XCTAssertEqual(
            errors(text(zoneOf: 4_500)).map(\.description),
            [#"customers.yaml:13500:15: customers.c4500.timezone: unknown time zone "#
                + #""No/Where"; use an IANA name such as Europe/Berlin"#])
    }

    /// A repeated id past the 16th customer (where the quick reading switches from a linear
    /// search to a set) still goes to Yams, which names it.
    func testRepeatedYAMLKeyAfterManyCustomers() {
        let customer = ": { subscriptions: [{ plan: pro, start: 2026-01-01 }] }\n"
        let text = "customers:\n" + (1...20).map { "  c\($0)" + customer }.joined()
            + "  c3" + customer
        XCTAssertEqual(
            errors(text).map(\.message), [#"duplicated key in a mapping: "c3""#])
    }

    // MARK: Time zones

    func testTimeZoneNames() {
        let zones = TimeZoneDirectory()
        // Asia/Kolkata and Etc/UTC are canonical IANA names that Foundation's list of known
        // identifiers (ICU's older set: Asia/Calcutta) leaves out.
        for name in ["UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Calcutta", "Etc/UTC",
                     "America/Santiago", "Europe/Kyiv"]
        {
            XCTAssertEqual(zones.rules(name)?.identifier, name)
        }
        XCTAssertEqual(zones.rules("Asia/Kolkata")?.utcOffsetSeconds(at: 0), 19_800)
        // Abbreviations, offsets and misspellings are not IANA names; Foundation would take
        // PST, IST and BST (as Bangladesh, +06:00) as abbreviations.
        for name in ["GMT+2", "CEST", "PST", "IST", "BST", "Europe/Berlln", "utc", "", "+02:00",
                     "/Europe/Berlin", "Europe/Berlin/x"]
        {
            XCTAssertNil(zones.rules(name), name)
        }
    }

    func testBerlinOffsetsAroundTheOctober2026Change() throws {
        let berlin = try XCTUnwrap(TimeZoneDirectory().rules("Europe/Berlin"))
        // DST ends 2026-10-25T01:00:00Z (03:00 CEST → 02:00 CET); 1_792_890_000 s.
        XCTAssertEqual(berlin.utcOffsetSeconds(at: 1_792_889_999), 7200)
        XCTAssertEqual(berlin.utcOffsetSeconds(at: 1_792_890_000), 3600)
        // Local midnight of 2026-10-01 is 2026-09-30T22:00:00Z = 1_790_805_600.
        XCTAssertEqual(berlin.startOfDay(CivilDate(year: 2026, month: 10, day: 1)!),
                       Instant(secondsSinceEpoch: 1_790_805_600))
    }

    func testMidnightLostToDSTStartsTheDayAtTheTransition() throws {
        // America/Santiago springs forward at local midnight on 2026-09-06 (00:00 -04 becomes
        // 01:00 -03) at 2026-09-06T04:00:00Z = 1_788_667_200 s: the day starts there (§11).
        let santiago = try XCTUnwrap(TimeZoneDirectory().rules("America/Santiago"))
        XCTAssertEqual(santiago.startOfDay(CivilDate(year: 2026, month: 9, day: 6)!),
                       Instant(secondsSinceEpoch: 1_788_667_200))
        // The day before starts at 00:00 -04 = 2026-09-05T04:00:00Z, 86_400 s earlier.
        XCTAssertEqual(santiago.startOfDay(CivilDate(year: 2026, month: 9, day: 5)!),
                       Instant(secondsSinceEpoch: 1_788_580_800))
    }
}

import Foundation
import TestSupport
import XCTest

/// SPEC §13.1 end to end: `rate` and `invoice` on a fixture catalog with `carries_amount`
/// meters and `dynamic` charges; the reject reasons with their lines, the counts, the rated
/// lines, the invoice page and lines file, and the same bytes at a tiny `--memory-limit`.
final class DynamicPricingEndToEndTests: XCTestCase {
    static let catalog = """
        version: 1
        currency: USD
        meters:
          llm: { aggregation: count, carries_amount: true }
          gpu: { aggregation: sum, carries_amount: true }
          calls: { aggregation: count }
        plans:
          pro:
            charges:
              - key: llm
                meter: llm
                model: dynamic
                markup: "1.2"
                group_by: [model]
                minimum: "1.00"
              - { key: gpu, meter: gpu, model: dynamic, maximum: "5" }
              - { key: calls, meter: calls, model: per_unit, unit_price: "0.01" }
        """

    static let customers = """
        customers:
          c1:
            subscriptions: [{ plan: pro, start: 2026-01-01 }]
        """

    /// An event of `c1` on 2026-10-03 with `extra` members.
    static func event(_ id: String, _ meter: String, _ extra: String) -> String {
        #"{"id":"\#(id)","customer":"c1","meter":"\#(meter)","ts":"2026-10-03T10:00:00Z","#
            + extra + "}"
    }

    static let events = [
        event("a", "llm", #""amount":"0.0125","dims":{"model":"m-large"}"#),
        event("b", "llm", #""amount":0.5,"dims":{"model":"m-large"}"#),
        event("c", "llm", #""amount":"1.50","dims":{"model":"m-large"}"#),
        event("d", "llm", #""amount":"0.25","dims":{"model":"m-small"}"#),
        // Line 5: c again, amount 1.5 written as a number: the same content, a duplicate.
        event("c", "llm", #""amount":1.5,"dims":{"model":"m-large"}"#),
        // Lines 6, 7: e with different amounts: both copies conflict.
        event("e", "llm", #""amount":"1","dims":{"model":"m-large"}"#),
        event("e", "llm", #""amount":"2","dims":{"model":"m-large"}"#),
        // Lines 8–11: one of each amount check.
        event("f", "llm", #""dims":{"model":"m-large"}"#),
        event("g", "llm", #""amount":"x""#),
        event("h", "llm", #""amount":"-1""#),
        event("i", "llm", #""amount":"0.0000000000001""#),
        // gpu: quantities 2 + 3 = 5, amounts 4.5 + 0.75 = 5.25, capped at 5.
        event("j", "gpu", #""quantity":"2","amount":"4.5""#),
        event("k", "gpu", #""quantity":"3","amount":0.75"#),
        // calls: the amount is ignored on a meter that does not carry amounts.
        event("l", "calls", #""amount":{"x":1}"#),
    ]

    func rate(_ work: URL, into name: String, extra: [String] = []) throws -> URL {
        let output = work.appendingPathComponent(name, isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: work.appendingPathComponent("catalog.yaml"),
                customers: work.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: output, inputs: ["events"], extra: extra),
            in: work, environment: ["TMPDIR": work.path])
        XCTAssertEqual(result.status, 0, result.transcript)
        return output
    }

    func testRateAndInvoiceBillPassThroughCosts() throws {
        let work = try makeTemporaryDirectory()
        try writeFile("catalog.yaml", Self.catalog, in: work)
        try writeFile("customers.yaml", Self.customers, in: work)
        try writeFile("events/e.ndjson", Self.events.joined(separator: "\n") + "\n", in: work)
        let output = try rate(work, into: "rate")

        let rejects = try readObjects(output.appendingPathComponent("rejects.ndjson"))
        XCTAssertEqual(
            rejects.map { "\($0["line"]!) \($0["reason"]!): \($0["detail"]!)" },
            [
                #"6 conflict: event id "e" of customer "c1" has differing copies; none is "#
                    + "billed. Other copies: events/e.ndjson:7",
                #"7 conflict: event id "e" of customer "c1" has differing copies; none is "#
                    + "billed. Other copies: events/e.ndjson:6",
                #"8 missing_field: missing field "amount" (meter "llm" carries amounts)"#,
                #"9 invalid_amount: amount "x" is not a decimal number"#,
                #"10 negative_amount: amount "-1" is negative"#,
                #"11 amount_precision: amount "0.0000000000001" has more than 20 integer or 12 "#
                    + "fractional digits",
            ])
        let manifest = try readObject(output.appendingPathComponent("manifest.json"))
        let counts = try XCTUnwrap(manifest["counts"] as? [String: Any])
        // 14 lines = 7 accepted (a, b, c, d, j, k, l) + 1 duplicate + 6 rejected.
        XCTAssertEqual(counts["lines"] as? Int, 14)
        XCTAssertEqual(counts["accepted"] as? Int, 7)
        XCTAssertEqual(counts["duplicates"] as? Int, 1)
        let rejected = try XCTUnwrap(counts["rejected"] as? [String: Int])
        XCTAssertEqual(rejected.count, 17, "every reason code, zeros included")
        XCTAssertEqual(rejected["amount_precision"], 1)
        XCTAssertEqual(rejected["invalid_amount"], 1)
        XCTAssertEqual(rejected["negative_amount"], 1)
        XCTAssertEqual(rejected["missing_field"], 1)
        XCTAssertEqual(rejected["conflict"], 2)

        // calls: 1 × 0.01. gpu: 5.25 capped at 5. llm m-large: (0.0125 + 0.5 + 1.5) × 1.2 =
        // 2.0125 × 1.2 = 2.415 → 2.42; m-small: 0.25 × 1.2 = 0.3, raised to the 1.00 minimum.
        let tail =
            #""period":{"start":"2026-10-01T00:00:00Z","end":"2026-11-01T00:00:00Z"},"#
            + #""plan":"pro","#
        XCTAssertEqual(
            try readLines(output.appendingPathComponent("rated.ndjson")),
            [
                #"{"customer":"c1","# + tail + #""charge":"calls","kind":"usage","group":{},"#
                    + #""quantity":"1","currency":"USD","amount_exact":"0.01","amount":"0.01","#
                    + #""tiers":[{"quantity":"1","unit_price":"0.01","amount":"0.01"}]}"#,
                #"{"customer":"c1","# + tail + #""charge":"gpu","kind":"usage","group":{},"#
                    + #""quantity":"5","currency":"USD","amount_exact":"5","amount":"5.00","#
                    + #""tiers":[{"quantity":"2","markup":"1","amount":"5.25"}]}"#,
                #"{"customer":"c1","# + tail + #""charge":"llm","kind":"usage","#
                    + #""group":{"model":"m-large"},"quantity":"3","currency":"USD","#
                    + #""amount_exact":"2.415","amount":"2.42","#
                    + #""tiers":[{"quantity":"3","markup":"1.2","amount":"2.0125"}]}"#,
                #"{"customer":"c1","# + tail + #""charge":"llm","kind":"usage","#
                    + #""group":{"model":"m-small"},"quantity":"1","currency":"USD","#
                    + #""amount_exact":"1","amount":"1.00","#
                    + #""tiers":[{"quantity":"1","markup":"1.2","amount":"0.25"}]}"#,
            ])

        let invoiced = try runInvoice(
            [
                "--catalog", "catalog.yaml", "--customers", "customers.yaml", "--period",
                "2026-10", "--rated", "rate", "--output", "invoice",
            ], in: work)
        XCTAssertEqual(invoiced.status, 0, invoiced.transcript)
        let invoice = work.appendingPathComponent("invoice")
        // unit_price (the 12th column) is empty on the dynamic lines, 0.01 on calls.
        let rows = try readLines(invoice.appendingPathComponent("invoice-lines.csv")).dropFirst()
        XCTAssertEqual(
            rows.map { $0.split(separator: ",", omittingEmptySubsequences: false)[6...12] }
                .map { $0.joined(separator: ",") },
            [
                "calls,usage,,1,1,0.01,0.01", "gpu,usage,,5,5,,5.00",
                "llm,usage,model=m-large,3,3,,2.42", "llm,usage,model=m-small,1,1,,1.00",
            ])
        let page = try readHTML(
            try readBytes(invoice.appendingPathComponent("invoices/c1.html")))
        let lines = page.rows("lines")
        XCTAssertTrue(lines.contains("pass-through cost × 1.2"), "\(lines)")
        XCTAssertTrue(lines.contains("pass-through cost"), "\(lines)")
        XCTAssertTrue(lines.contains("Minimum charge of $1.00 applied"), "\(lines)")
        XCTAssertTrue(
            lines.contains("Maximum charge of $5.00 applied (usage came to $5.25)"), "\(lines)")
        // 0.01 + 5.00 + 2.42 + 1.00 = 8.43.
        XCTAssertTrue(page.rows("totals").contains("Total | $8.43"), "\(page.rows("totals"))")
    }

    /// The amounts ride in the partitions' bytes: a run that spills at a tiny memory limit
    /// writes the bytes of the in-memory run, on many events with duplicates and conflicts.
    func testSpilledRunGivesTheBytesOfTheInMemoryRun() throws {
        let work = try makeTemporaryDirectory()
        try writeFile("catalog.yaml", Self.catalog, in: work)
        try writeFile("customers.yaml", Self.customers, in: work)
        var lines = Self.events
        for index in 0..<3000 {
            let model = ["m-large", "m-small", "m-xl"][index % 3]
            let amount = "\(index % 97).\(index % 1000)000000001"
            lines.append(
                Self.event(
                    "n\(index % 2500)", "llm",
                    #""amount":"\#(amount)","dims":{"model":"\#(model)"}"#))
        }
        try writeFile("events/e.ndjson", lines.joined(separator: "\n") + "\n", in: work)
        let inMemory = try folderDigests(try rate(work, into: "memory"))
        let manifest = try readObject(work.appendingPathComponent("memory/manifest.json"))
        let counts = try XCTUnwrap(manifest["counts"] as? [String: Any])
        // Ids n0…n499 appear twice (i and i + 2500) with other amounts and models: 1000
        // conflicting copies, plus the two copies of e.
        XCTAssertEqual((counts["rejected"] as? [String: Int])?["conflict"], 1002)
        for limit in ["1K", "64K"] {
            let spilled = try rate(work, into: "spill-\(limit)", extra: ["--memory-limit", limit])
            XCTAssertEqual(try folderDigests(spilled), inMemory, limit)
        }
    }
}

import Foundation
import TestSupport
import XCTest

/// SPEC §13.2: `percentage` charges through the built `rate` and `invoice`, on a fixture
/// catalog: per-event fees raised and capped, the fixed fee (also "0"), the line's own
/// minimum and maximum on top, group_by and filter, zero events; the same bytes when the
/// events spill to partition files; the invoice page's phrases and the CSV's empty unit price.
final class PercentageEndToEndTests: XCTestCase {
    static let catalog = """
        version: 1
        currency: USD
        meters:
          payments: { aggregation: sum }
        plans:
          pro:
            charges:
              - key: ach
                meter: payments
                model: percentage
                rate: "0.8"
                fixed_fee: "0"
                event_maximum: "5"
                minimum: "7.00"
                filter: { method: [ach] }
              - key: cards
                name: Card payments
                unit: payments
                meter: payments
                model: percentage
                rate: "2.9"
                fixed_fee: "0.30"
                event_minimum: "0.50"
                event_maximum: "10"
                filter: { method: [card] }
              - key: wires
                meter: payments
                model: percentage
                rate: "1"
                maximum: "10"
                group_by: [region]
                filter: { method: [wire] }
        """

    static let customers = """
        customers:
          c1:
            subscriptions: [{ plan: pro, start: 2026-01-01 }]
          c2:
            subscriptions: [{ plan: pro, start: 2026-01-01 }]
        """

    /// c1's payments in October 2026; c2 has none.
    static let events: [String] = {
        func payment(_ id: String, _ quantity: String, _ dims: String) -> String {
            #"{"id":"\#(id)","customer":"c1","meter":"payments","ts":"2026-10-05T10:00:00Z","#
                + #""quantity":"\#(quantity)","dims":{\#(dims)}}"#
        }
        let card = #""method":"card""#
        return [
            payment("k1", "5", card), payment("k2", "100", card), payment("k3", "1000", card),
            payment("k4", "12.345", card), payment("k5", "1", card),
            payment("w1", "250.5", #""method":"wire","region":"eu""#),
            payment("w2", "49.5", #""method":"wire","region":"eu""#),
            payment("w3", "1234.56", #""method":"wire","region":"us""#),
            payment("a1", "100", #""method":"ach""#), payment("a2", "1000", #""method":"ach""#),
        ]
    }()

    /// The rated lines, derived by hand:
    /// - c1 ach (0.8%, fixed 0, event max 5, line min 7): a1 100 → 0.8; a2 1000 → 8, capped
    ///   to 5 (−3). Rows: 1100 × 0.008 = 8.8; 2 × 0 = 0; event_maximum 1, −3. Σ 5.8 < 7: the
    ///   line minimum makes it 7.
    /// - c1 cards (2.9% + 0.30, event min 0.50, max 10): k1 5 → 0.145 + 0.3 = 0.445, raised
    ///   by 0.055; k2 100 → 3.2; k3 1000 → 29.3, capped by 19.3; k4 12.345 → 0.358005 + 0.3 =
    ///   0.658005; k5 1 → 0.329, raised by 0.171. Σ quantity 1118.345 × 0.029 = 32.432005;
    ///   5 × 0.3 = 1.5; event_minimum 2 events +0.226; event_maximum 1 event −19.3. Exact
    ///   32.432005 + 1.5 + 0.226 − 19.3 = 14.858005 (= 0.5 + 3.2 + 10 + 0.658005 + 0.5),
    ///   rounded half up 14.86.
    /// - c1 wires eu (1%): 250.5 + 49.5 = 300 × 0.01 = 3. us: 1234.56 × 0.01 = 12.3456, over
    ///   the line maximum 10: 10.
    /// - c2: no events. ach: no rows, exact 0 raised to the line minimum 7; cards: no rows, 0.
    ///   wires is grouped: no line without events.
    static let rated = [
        #"{"customer":"c1",PERIOD,"plan":"pro","charge":"ach","kind":"usage","group":{},"#
            + #""quantity":"1100","currency":"USD","amount_exact":"7","amount":"7.00","#
            + #""tiers":[{"quantity":"1100","unit_price":"0.008","amount":"8.8"},"#
            + #"{"quantity":"2","unit_price":"0","amount":"0"},"#
            + #"{"quantity":"1","adjustment":"event_maximum","amount":"-3"}]}"#,
        #"{"customer":"c1",PERIOD,"plan":"pro","charge":"cards","kind":"usage","group":{},"#
            + #""quantity":"1118.345","currency":"USD","amount_exact":"14.858005","#
            + #""amount":"14.86","tiers":["#
            + #"{"quantity":"1118.345","unit_price":"0.029","amount":"32.432005"},"#
            + #"{"quantity":"5","unit_price":"0.3","amount":"1.5"},"#
            + #"{"quantity":"2","adjustment":"event_minimum","amount":"0.226"},"#
            + #"{"quantity":"1","adjustment":"event_maximum","amount":"-19.3"}]}"#,
        #"{"customer":"c1",PERIOD,"plan":"pro","charge":"wires","kind":"usage","#
            + #""group":{"region":"eu"},"quantity":"300","currency":"USD","amount_exact":"3","#
            + #""amount":"3.00","tiers":[{"quantity":"300","unit_price":"0.01","amount":"3"}]}"#,
        #"{"customer":"c1",PERIOD,"plan":"pro","charge":"wires","kind":"usage","#
            + #""group":{"region":"us"},"quantity":"1234.56","currency":"USD","#
            + #""amount_exact":"10","amount":"10.00","#
            + #""tiers":[{"quantity":"1234.56","unit_price":"0.01","amount":"12.3456"}]}"#,
        #"{"customer":"c2",PERIOD,"plan":"pro","charge":"ach","kind":"usage","group":{},"#
            + #""quantity":"0","currency":"USD","amount_exact":"7","amount":"7.00","tiers":[]}"#,
        #"{"customer":"c2",PERIOD,"plan":"pro","charge":"cards","kind":"usage","group":{},"#
            + #""quantity":"0","currency":"USD","amount_exact":"0","amount":"0.00","tiers":[]}"#,
    ]

    /// October 2026 in UTC, as `rated.ndjson` writes a period.
    static let period =
        #""period":{"start":"2026-10-01T00:00:00Z","end":"2026-11-01T00:00:00Z"}"#

    func testRatedLinesSpillAndInvoice() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Self.customers, in: work)
        // Shuffled over two files, so partitions and workers each see a part of a line.
        let events = Self.events
        let first = try writeFile(
            "a.ndjson", [1, 3, 5, 7, 9].map { events[$0] }.joined(separator: "\n") + "\n", in: work)
        let second = try writeFile(
            "b.ndjson", [8, 6, 4, 2, 0].map { events[$0] }.joined(separator: "\n") + "\n", in: work)
        let spill = work.appendingPathComponent("spill", isDirectory: true)
        try FileManager.default.createDirectory(at: spill, withIntermediateDirectories: true)
        func rate(_ name: String, _ extra: [String]) throws -> URL {
            let output = work.appendingPathComponent(name, isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: catalog, customers: customers, period: "2026-10", output: output,
                    inputs: [first.path, second.path], extra: extra),
                in: work, environment: ["TMPDIR": spill.path])
            XCTAssertEqual(result.status, 0, "\(name): \(result.transcript)")
            return output
        }
        let output = try rate("rate", [])
        let lines = try readLines(output.appendingPathComponent("rated.ndjson"))
        XCTAssertEqual(
            lines, Self.rated.map { $0.replacingOccurrences(of: "PERIOD", with: Self.period) })
        // The per-event state merges exactly: the same bytes in memory and spilled.
        let inMemory = try folderDigests(output)
        for limit in ["1K", "64K"] {
            XCTAssertEqual(try folderDigests(try rate("spill-\(limit)", ["--memory-limit", limit])),
                inMemory, limit)
        }

        // explain shows the rows, adjustments by their kind and events.
        let explained = try runRate(
            [
                "explain", "--customer", "c1", "--charge", "cards", "--catalog", catalog.path,
                "--inputs-root", work.path, output.path,
            ], in: work)
        XCTAssertEqual(explained.status, 0, explained.transcript)
        XCTAssertTrue(
            explained.standardOutput.contains(
                "  cards (pro) usage: quantity 1118.345; 1118.345 × 0.029 = 32.432005; "
                    + "5 × 0.3 = 1.5; event_minimum (2 events) = 0.226; "
                    + "event_maximum (1 event) = -19.3; exact 14.858005 → 14.86 USD\n"),
            explained.standardOutput)

        let invoiced = try runInvoice(
            [
                "--catalog", catalog.path, "--customers", customers.path, "--period", "2026-10",
                "--rated", output.path, "--output", "invoice",
            ], in: work)
        XCTAssertEqual(invoiced.status, 0, invoiced.transcript)
        // c1: no unit or unit price on percentage lines; the rate and fixed fee as a phrase,
        // the events named by the display unit (cards: "payments", "1 payment") or "events";
        // each per-event bound as a note with its amount (the rows above), then the line's own
        // minimum or maximum as for every charge.
        func rows(_ customer: String) throws -> [String] {
            try readHTML(
                try readBytes(work.appendingPathComponent("invoice/invoices/\(customer).html"))
            ).rows("lines")
        }
        XCTAssertEqual(
            try rows("c1"),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "ach | pro | 1,100 |  |  | $7.00",
                "0.8% of $1,100.00 + $0.00 × 2 events",
                "Fee capped at the $5.00 maximum on 1 event: -$3.00",
                "Minimum charge of $7.00 applied",
                "Card payments | pro | 1,118.345 |  |  | $14.86",
                "2.9% of $1,118.345 + $0.30 × 5 payments",
                "Fee raised to the $0.50 minimum on 2 payments: +$0.226",
                "Fee capped at the $10.00 maximum on 1 payment: -$19.30",
                "wires region: eu | pro | 300 |  |  | $3.00",
                "1% of $300.00",
                "wires region: us | pro | 1,234.56 |  |  | $10.00",
                "1% of $1,234.56",
                "Maximum charge of $10.00 applied (usage came to $12.3456)",
            ])
        // c2: zero events, no rows: no breakdown; ach's line minimum still says so.
        XCTAssertEqual(
            try rows("c2"),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "ach | pro | 0 |  |  | $7.00",
                "Minimum charge of $7.00 applied",
                "Card payments | pro | 0 |  |  | $0.00",
            ])
        // unit_price is empty on every percentage line (wires eu would otherwise show 0.01:
        // one row over the whole quantity, its amount the line's).
        let csv = try readLines(work.appendingPathComponent("invoice/invoice-lines.csv"))
        XCTAssertEqual(
            Array(csv.dropFirst()),
            [
                "2026-10-000001,invoice,,c1,USD,pro,ach,usage,,1100,1100,,7.00,7,7",
                "2026-10-000001,invoice,,c1,USD,pro,cards,usage,,1118.345,1118.345,,14.86,"
                    + "14.858005,14.858005",
                "2026-10-000001,invoice,,c1,USD,pro,wires,usage,region=eu,300,300,,3.00,3,3",
                "2026-10-000001,invoice,,c1,USD,pro,wires,usage,region=us,1234.56,1234.56,,"
                    + "10.00,10,10",
                "2026-10-000002,invoice,,c2,USD,pro,ach,usage,,0,0,,7.00,7,7",
                "2026-10-000002,invoice,,c2,USD,pro,cards,usage,,0,0,,0.00,0,0",
            ])
    }
}

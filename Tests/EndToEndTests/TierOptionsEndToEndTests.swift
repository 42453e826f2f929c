import Foundation
import TestSupport
import XCTest

/// SPEC §13.6 through the built `rate` and `invoice`: block-priced tiers (graduated and volume)
/// and `flat_price_at_zero`, checked in the bytes of `rated.ndjson`, in `invoice-lines.csv` and
/// as a customer reads the HTML page.
final class TierOptionsEndToEndTests: XCTestCase {
    static let catalog = """
        version: 1
        currency: USD
        meters:
          messages: { aggregation: sum }
          storage: { aggregation: sum }
          api: { aggregation: sum }
        plans:
          basic:
            charges:
              - key: api
                meter: api
                model: graduated
                flat_price_at_zero: true
                tiers:
                  - { up_to: 1000, flat_price: "10.00" }
                  - { up_to: null, unit_price: "0.01" }
              - key: api_plain
                meter: api
                model: volume
                tiers:
                  - { up_to: null, unit_price: "0.01", flat_price: "3" }
              - key: messages
                meter: messages
                model: graduated
                tiers:
                  - { up_to: 2500, block_size: 1000, block_price: "5.00" }
                  - { up_to: null, block_size: 1000, block_price: "4.00", flat_price: "1.00" }
              - key: storage
                meter: storage
                model: volume
                tiers:
                  - { up_to: 10000, block_size: 1000, block_price: "2.00" }
                  - { up_to: null, block_size: 1000, block_price: "1.50", flat_price: "10.00" }
        """

    static let customers = """
        customers:
          c1:
            subscriptions:
              - { plan: basic, start: 2026-01-01 }
          c2:
            subscriptions:
              - { plan: basic, start: 2026-01-01 }
        """

    /// c1: 3,200 messages (2,000 + 1,200), 12,345 GB of storage, no API calls. c2: 999.5 GB
    /// of storage, 1,500 API calls, no messages.
    static let events = [
        (1, "c1", "messages", "2000"), (2, "c1", "messages", "1200"),
        (3, "c1", "storage", "12345"), (4, "c2", "storage", "999.5"), (5, "c2", "api", "1500"),
    ].map { id, customer, meter, quantity in
        #"{"id":"e\#(id)","customer":"\#(customer)","meter":"\#(meter)","#
            + #""ts":"2026-10-05T10:00:00Z","quantity":"\#(quantity)"}"#
    }.joined(separator: "\n") + "\n"

    func testBlockTiersAndFlatPriceAtZeroInRatedLinesCSVAndPage() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Self.customers, in: work)
        try writeFile("events.ndjson", Self.events, in: work)
        let rated = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10",
                output: work.appendingPathComponent("rate"),
                inputs: [work.appendingPathComponent("events.ndjson").path]), in: work)
        XCTAssertEqual(rated.status, 0, rated.transcript)
        let head =
            #"{"customer":"CUSTOMER","period":{"start":"2026-10-01T00:00:00Z","#
            + #""end":"2026-11-01T00:00:00Z"},"plan":"basic","charge":"#
        func line(_ customer: String, _ rest: String) -> String {
            head.replacingOccurrences(of: "CUSTOMER", with: customer) + rest
        }
        XCTAssertEqual(
            try readLines(work.appendingPathComponent("rate/rated.ndjson")),
            [
                // No calls; flat_price_at_zero bills the first tier's flat 10.00, its row at
                // quantity 0 (unit_price omitted in the catalog: 0).
                line(
                    "c1",
                    #""api","kind":"usage","group":{},"quantity":"0","currency":"USD","#
                        + #""amount_exact":"10","amount":"10.00","tiers":[{"quantity":"0","#
                        + #""unit_price":"0","amount":"10","flat_price":"10"}]}"#),
                // The same usage without the option: 0, no rows (§11: no flat price at zero).
                line(
                    "c1",
                    #""api_plain","kind":"usage","group":{},"quantity":"0","currency":"USD","#
                        + #""amount_exact":"0","amount":"0.00","tiers":[]}"#),
                // 3,200: first tier 2,500 → ceil(2.5) = 3 blocks × 5 = 15 (its bound cuts the
                // third block); 700 → ceil(0.7) = 1 block × 4 + 1 flat = 5; total 20.
                line(
                    "c1",
                    #""messages","kind":"usage","group":{},"quantity":"3200","currency":"USD","#
                        + #""amount_exact":"20","amount":"20.00","tiers":[{"quantity":"2500","#
                        + #""blocks":"3","block_size":"1000","block_price":"5","amount":"15"},"#
                        + #"{"quantity":"700","blocks":"1","block_size":"1000","#
                        + #""block_price":"4","amount":"5","flat_price":"1"}]}"#),
                // Volume, 12,345 in the second tier: ceil(12.345) = 13 × 1.5 + 10 = 29.5.
                line(
                    "c1",
                    #""storage","kind":"usage","group":{},"quantity":"12345","currency":"USD","#
                        + #""amount_exact":"29.5","amount":"29.50","tiers":[{"quantity":"12345","#
                        + #""blocks":"13","block_size":"1000","block_price":"1.5","#
                        + #""amount":"29.5","flat_price":"10"}]}"#),
                // 1,500 calls: 1,000 at 0 + 10 flat, then 500 × 0.01 = 5; total 15.
                line(
                    "c2",
                    #""api","kind":"usage","group":{},"quantity":"1500","currency":"USD","#
                        + #""amount_exact":"15","amount":"15.00","tiers":[{"quantity":"1000","#
                        + #""unit_price":"0","amount":"10","flat_price":"10"},{"quantity":"500","#
                        + #""unit_price":"0.01","amount":"5"}]}"#),
                // 1,500 × 0.01 + 3 = 18.
                line(
                    "c2",
                    #""api_plain","kind":"usage","group":{},"quantity":"1500","currency":"USD","#
                        + #""amount_exact":"18","amount":"18.00","tiers":[{"quantity":"1500","#
                        + #""unit_price":"0.01","amount":"18","flat_price":"3"}]}"#),
                // No messages: graduated at zero costs nothing (flat_price_at_zero is off).
                line(
                    "c2",
                    #""messages","kind":"usage","group":{},"quantity":"0","currency":"USD","#
                        + #""amount_exact":"0","amount":"0.00","tiers":[]}"#),
                // 999.5 → ceil(0.9995) = 1 block × 2 of the first tier.
                line(
                    "c2",
                    #""storage","kind":"usage","group":{},"quantity":"999.5","currency":"USD","#
                        + #""amount_exact":"2","amount":"2.00","tiers":[{"quantity":"999.5","#
                        + #""blocks":"1","block_size":"1000","block_price":"2","amount":"2"}]}"#),
            ])

        // `rate explain` shows each block row's units, blocks and block price, and the option.
        let explained = try runRate(
            [
                "explain", "--customer", "c1", "--catalog", catalog.path, "--inputs-root",
                work.path, work.appendingPathComponent("rate").path,
            ], in: work)
        XCTAssertEqual(explained.status, 0, explained.transcript)
        let report = explained.standardOutput.split(separator: "\n").map(String.init)
        let pricing = try XCTUnwrap(report.firstIndex(of: "pricing:"))
        XCTAssertEqual(
            Array(report[(pricing + 1)...].prefix { $0.hasPrefix("  ") }),
            [
                "  api (basic) usage: quantity 0; 0 × 0 + flat 10 = 10; exact 10 → 10.00 USD",
                "  api_plain (basic) usage: quantity 0; exact 0 → 0.00 USD",
                "  messages (basic) usage: quantity 3200; 2500 in 3 blocks of 1000 × 5 = 15; "
                    + "700 in 1 blocks of 1000 × 4 + flat 1 = 5; exact 20 → 20.00 USD",
                "  storage (basic) usage: quantity 12345; 12345 in 13 blocks of 1000 × 1.5 + "
                    + "flat 10 = 29.5; exact 29.5 → 29.50 USD",
                "  catalog api (basic): meter api (sum); first tier's flat price at zero",
                "  catalog api_plain (basic): meter api (sum)",
                "  catalog messages (basic): meter messages (sum)",
                "  catalog storage (basic): meter storage (sum)",
            ])

        let invoiced = try runInvoice(
            [
                "--catalog", catalog.path, "--customers", customers.path, "--period", "2026-10",
                "--rated", "rate", "--output", "invoice",
            ], in: work)
        XCTAssertEqual(invoiced.status, 0, invoiced.transcript)
        let page = try readHTML(
            try readBytes(work.appendingPathComponent("invoice/invoices/c1.html")))
        XCTAssertEqual(
            page.rows("lines"),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "api | basic | 0 |  |  | $10.00",
                "$10.00 flat at zero usage",
                "api_plain | basic | 0 |  |  | $0.00",
                "messages | basic | 3,200 |  |  | $20.00",
                "first 2,500 in 3 blocks of 1,000 at $5.00, next 700 in 1 block of 1,000 at "
                    + "$4.00 + $1.00 flat",
                "storage | basic | 12,345 |  |  | $29.50",
                "12,345 in 13 blocks of 1,000 at $1.50 + $10.00 flat",
            ])
        XCTAssertEqual(
            try readHTML(
                try readBytes(work.appendingPathComponent("invoice/invoices/c2.html"))
            ).rows("lines"),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "api | basic | 1,500 |  |  | $15.00",
                "first 1,000 for $10.00 flat, next 500 at $0.01",
                "api_plain | basic | 1,500 |  |  | $18.00",
                "1,500 at $0.01 + $3.00 flat",
                "messages | basic | 0 |  |  | $0.00",
                "storage | basic | 999.5 |  |  | $2.00",
                "999.5 in 1 block of 1,000 at $2.00",
            ])
        // The rows with blocks and the zero row follow the published schemas.
        let schemas = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3",
                Executables.packageRoot.appendingPathComponent("schemas/check.py").path,
                work.appendingPathComponent("rate").path,
                work.appendingPathComponent("invoice").path,
            ], in: work)
        XCTAssertEqual(schemas.status, 0, schemas.transcript)
        XCTAssertEqual(
            schemas.standardOutput,
            "\(work.path)/rate: 5 files checked\n\(work.path)/invoice: 8 files checked\n")
        // The CSV's unit_price is empty where the line is not one price per unit (blocks, a
        // flat price); columns: … charge,kind,group,quantity,quantity_exact,unit_price,amount.
        let csv = try readLines(work.appendingPathComponent("invoice/invoice-lines.csv"))
        XCTAssertEqual(
            csv.map { $0.split(separator: ",", omittingEmptySubsequences: false)[6...12] }
                .dropFirst().map { $0.joined(separator: ",") },
            [
                "api,usage,,0,0,,10.00", "api_plain,usage,,0,0,,0.00",
                "messages,usage,,3200,3200,,20.00", "storage,usage,,12345,12345,,29.50",
                "api,usage,,1500,1500,,15.00", "api_plain,usage,,1500,1500,,18.00",
                "messages,usage,,0,0,,0.00", "storage,usage,,999.5,999.5,,2.00",
            ])
    }
}

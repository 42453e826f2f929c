import Foundation
import TestSupport
import XCTest

/// `pipelines/duckdb/`: a run loaded as typed tables, checked in SQL (DECIMAL, never DOUBLE),
/// and exported to Parquet with its types, on the samples and on a generated 200-customer run.
final class DuckDBLoadTests: XCTestCase {
    func script(_ name: String, _ arguments: [String], in work: URL) throws -> RunResult {
        try runProcess(
            URL(fileURLWithPath: "/bin/bash"),
            [Executables.packageRoot.appendingPathComponent("pipelines/duckdb/\(name)").path]
                + arguments, in: work)
    }

    /// The result of `query` as CSV lines, header first.
    func query(_ database: URL, _ sql: String, in work: URL) throws -> [String] {
        let result = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3",
                Executables.packageRoot.appendingPathComponent(
                    "pipelines/duckdb/ratebook_duckdb.py"
                ).path, "query", database.path, sql,
            ], in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        return result.standardOutput.split(separator: "\n").map(String.init)
    }

    /// Rates and invoices `events` into `work/rate` and `work/invoice`, loads the invoice run
    /// and checks, in SQL, that it adds up: every invoice's lines to its subtotal, lines plus
    /// discounts plus tax to its total, and every customer's receivable in the journal to the
    /// amount due. Returns the database.
    func loadAndCheck(
        catalog: URL, customers: URL, events: [String], rateOptions: [String] = [],
        invoiceOptions: [String] = [], in work: URL
    ) throws -> URL {
        let rate = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10",
                output: work.appendingPathComponent("rate"), inputs: events,
                extra: rateOptions), in: work)
        XCTAssertEqual(rate.status, 0, rate.transcript)
        let invoice = try runInvoice(
            [
                "--catalog", catalog.path, "--customers", customers.path, "--period", "2026-10",
                "--rated", "rate", "--output", "invoice",
            ] + invoiceOptions, in: work)
        XCTAssertEqual(invoice.status, 0, invoice.transcript)
        let database = work.appendingPathComponent("run.duckdb")
        let load = try script("load.sh", [database.path, "invoice"], in: work)
        XCTAssertEqual(load.status, 0, load.transcript)
        XCTAssertTrue(load.standardOutput.hasPrefix("loaded invoice into"), load.transcript)

        XCTAssertEqual(
            try query(
                database,
                """
                SELECT DISTINCT typeof(total) AS money, typeof(l.amount) AS line,
                    typeof(l."group") AS grp, typeof(j.value) AS posting
                FROM invoices, invoice_lines l, journal j
                """, in: work),
            [
                "money,line,grp,posting",
                "\"DECIMAL(38,12)\",\"DECIMAL(38,12)\",\"MAP(VARCHAR, VARCHAR)\","
                    + "\"DECIMAL(38,12)\"",
            ])
        let invoices = try query(database, "SELECT count(*) FROM invoices", in: work)[1]
        // Lines, discounts and tax add up to each invoice's figures, exactly.
        XCTAssertEqual(
            try query(
                database,
                """
                SELECT count(*) AS invoices, count(*) FILTER (
                    WHERE l.amount = i.subtotal AND l.amount + i.discounts + i.tax = i.total
                        AND i.total - i.credits_applied = i.amount_due) AS adding_up
                FROM invoices i JOIN (
                    SELECT number, sum(amount) AS amount FROM invoice_lines
                    WHERE type = 'invoice' GROUP BY number) l USING (number)
                """, in: work),
            ["invoices,adding_up", "\(invoices),\(invoices)"])
        // The journal's receivable of each customer is the invoice's amount due.
        XCTAssertEqual(
            try query(
                database,
                """
                SELECT count(*) AS customers,
                    count(*) FILTER (WHERE r.balance = i.amount_due) AS owing_their_due
                FROM invoices i JOIN receivables r
                    ON r.customer = i.customer AND r.currency = i.currency
                """, in: work),
            ["customers,owing_their_due", "\(invoices),\(invoices)"])
        return database
    }

    func testSamplesLoadTypedAddUpAndExportToParquet() throws {
        let work = try makeTemporaryDirectory()
        let samples = Executables.samples
        let database = try loadAndCheck(
            catalog: samples.appendingPathComponent("catalog.yaml"),
            customers: samples.appendingPathComponent("customers.yaml"),
            events: [samples.appendingPathComponent("events").path],
            rateOptions: Executables.sampleRateOptions,
            invoiceOptions: [
                "--wallets", samples.appendingPathComponent("wallets-2026-09.ndjson").path,
                "--grants", samples.appendingPathComponent("grants.ndjson").path,
            ], in: work)
        XCTAssertEqual(
            try query(
                database,
                "SELECT currency, sum(total), sum(amount_due) FROM invoices GROUP BY currency "
                    + "ORDER BY currency", in: work),
            [
                "currency,sum(total),sum(amount_due)", "EUR,110.400000000000,110.400000000000",
                "JPY,49100.000000000000,41100.000000000000",
                // The samples' USD invoices before §13 (3,697.12; 3,537.12 due) and cus_8's
                // 99.52 (platform plan: 25.00 + 2.11 + 39.91 + 32.50), which has no credits.
                "USD,3796.640000000000,3636.640000000000",
            ])
        XCTAssertEqual(
            try query(
                database,
                """
                SELECT number, "group"['model'] AS model, quantity, unit_price,
                    amount_exact_text
                FROM invoice_lines WHERE charge = 'tokens' AND customer = 'cus_1'
                ORDER BY model LIMIT 2
                """, in: work),
            [
                "number,model,quantity,unit_price,amount_exact_text",
                "2026-10-000001,embed-v2,115.000000000000,0.004000000000,0.46",
                "2026-10-000001,m-large,915.000000000000,0.012000000000,10.98",
            ])
        let parquet = work.appendingPathComponent("parquet")
        let export = try script("export-parquet.sh", [database.path, parquet.path], in: work)
        XCTAssertEqual(export.status, 0, export.transcript)
        XCTAssertEqual(
            folderEntries(parquet),
            [
                "invoice_lines.parquet", "invoices.parquet", "journal.parquet",
                "wallet_transactions.parquet", "wallets.parquet",
            ])
        let lines = parquet.appendingPathComponent("invoice_lines.parquet").path
        XCTAssertEqual(
            try query(
                database,
                "SELECT typeof(amount) AS money, typeof(\"group\") AS grp, sum(amount) AS usd FROM "
                    + "read_parquet('\(lines)') WHERE currency = 'USD' GROUP BY ALL", in: work),
            [
                "money,grp,usd",
                "\"DECIMAL(38,12)\",\"MAP(VARCHAR, VARCHAR)\",3796.640000000000",
            ])
    }

    /// 200 customers in five time zones with VAT, 6,000 events over four meters.
    func testAGeneratedRunLoadsAndAddsUp() throws {
        let work = try makeTemporaryDirectory()
        let root = Executables.packageRoot
        let customers = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", root.appendingPathComponent("bench/gen_customers.py").path, "200", "yaml"],
            in: work)
        XCTAssertEqual(customers.status, 0, customers.transcript)
        let customersFile = try writeFile("customers.yaml", customers.standardOutput, in: work)
        var events = ""
        let meters = [("api_calls", "1"), ("tokens_in", "1234"), ("storage_gb_hours", "0.75")]
        for index in 0..<6000 {
            let (meter, quantity) = meters[index % meters.count]
            let customer = String(format: "cus_%06d", index * 7 % 200)
            let second = index * 431 % (31 * 86400)
            let day = second / 86400 + 1
            let time = String(
                format: "2026-10-%02dT%02d:%02d:%02dZ", day, second % 86400 / 3600,
                second % 3600 / 60, second % 60)
            events +=
                "{\"id\":\"e\(index)\",\"customer\":\"\(customer)\",\"meter\":\"\(meter)\","
                + "\"ts\":\"\(time)\",\"quantity\":\"\(quantity)\"}\n"
        }
        let eventsFile = try writeFile("events.ndjson", events, in: work)
        let database = try loadAndCheck(
            catalog: root.appendingPathComponent("bench/catalog.yaml"), customers: customersFile,
            events: [eventsFile.path], in: work)
        XCTAssertEqual(try query(database, "SELECT count(*) FROM invoices", in: work)[1], "200")
    }
}

import Formats
import Foundation
import Pricing
import TestSupport
import XCTest

/// `rate` then `invoice` on the shipped samples: every output compared byte for byte with the
/// reviewed files in `samples/expected/invoice/`, the journals checked by the real hledger,
/// ledger and bean-check, and every document checked to add up to the minor unit.
///
/// Regenerate the golden files only with `UPDATE_GOLDEN=1 swift test --filter EndToEndTests`,
/// then review the diff like code.
final class InvoiceSampleTests: XCTestCase {
    var expectedFolder: URL {
        Executables.samples.appendingPathComponent("expected/invoice", isDirectory: true)
    }

    /// Runs both stages for `period` and returns the invoice output folder.
    func runSamples(
        period: String = "2026-10", wallets: URL? = nil, in work: URL? = nil
    ) throws -> URL {
        let work = try work ?? makeTemporaryDirectory()
        let samples = Executables.samples
        let rateOutput = work.appendingPathComponent("rate-\(period)", isDirectory: true)
        let rated = try runRate(
            rateArguments(
                catalog: samples.appendingPathComponent("catalog.yaml"),
                customers: samples.appendingPathComponent("customers.yaml"), period: period,
                output: rateOutput, inputs: [samples.appendingPathComponent("events").path],
                extra: Executables.sampleRateOptions),
            in: work)
        XCTAssertEqual(rated.status, 0, rated.transcript)
        let output = work.appendingPathComponent("invoice-\(period)", isDirectory: true)
        let invoiced = try runInvoice(
            invoiceArguments(
                period: period, rated: rateOutput,
                wallets: wallets ?? samples.appendingPathComponent("wallets-2026-09.ndjson"),
                output: output),
            in: work)
        XCTAssertEqual(invoiced.status, 0, invoiced.transcript)
        return output
    }

    func testSampleInvoiceOutputsMatchGoldenFiles() throws {
        let output = try runSamples()
        let actual = try folderDigests(output)
        let update = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"
        if update {
            try? FileManager.default.removeItem(at: expectedFolder)
            try FileManager.default.createDirectory(
                at: expectedFolder.appendingPathComponent("invoices"),
                withIntermediateDirectories: true)
            for name in actual.keys {
                try Data(try readBytes(output.appendingPathComponent(name)))
                    .write(to: expectedFolder.appendingPathComponent(name))
            }
            print("UPDATE_GOLDEN: wrote \(expectedFolder.path); review the diff")
            return
        }
        let expected = try folderDigests(expectedFolder)
        XCTAssertEqual(actual.keys.sorted(), expected.keys.sorted(), "the same files")
        for name in actual.keys.sorted() where actual[name] != expected[name] {
            let difference = firstDifference(
                expected: try readText(expectedFolder.appendingPathComponent(name)),
                actual: try readText(output.appendingPathComponent(name)))
            XCTFail("\(name) differs from the golden file: \(difference ?? "")")
        }
        // 7 customers with lines: 7 JSON + 7 HTML invoices, UBL XML for the four with an
        // address (EInvoiceEndToEndTests), and the run's other files.
        XCTAssertEqual(
            actual.keys.sorted(),
            ["invoice-lines.csv", "invoices.csv"]
                + Self.invoiceDocuments
                + [
                    "journal.beancount", "journal.csv", "journal.ledger", "manifest.json",
                    "manifest.sha256", "wallet-transactions.ndjson", "wallets.ndjson",
                ])
    }

    /// The sample invoices' files: JSON and HTML for the 7 invoiced customers, UBL XML for all
    /// but cus_6, which has no address.
    static let invoiceDocuments: [String] = [1, 2, 3, 4, 5, 6, 8].flatMap { customer in
        ["invoices/cus_\(customer).html", "invoices/cus_\(customer).json"]
            + (customer == 6 ? [] : ["invoices/cus_\(customer).xml"])
    }

    func testRunsAreByteIdentical() throws {
        let first = try folderDigests(try runSamples())
        let second = try folderDigests(try runSamples())
        XCTAssertEqual(first, second)
    }

    /// The amounts of the review, derived by hand from the catalog, customers, wallets and
    /// grants; the usage quantities behind them are checked in `GoldenSampleTests`.
    func testHandCheckedInvoices() throws {
        let output = try runSamples()
        func invoice(_ customer: String) throws -> JSONValue {
            try JSONValue.parse(
                try readText(output.appendingPathComponent("invoices/\(customer).json")))
        }
        func text(_ value: JSONValue?) -> String? {
            if case .string(let text)? = value { return text }
            return nil
        }
        // cus_2 (EUR, Berlin): lines 12.40 + 0.60 + 1.08 + 89.00 + 0.00 = 103.08; launch 10 %:
        // -10.308 → -10.31; base 92.77; VAT 19 %: 17.6263 → 17.63; total 110.40; the EUR grant
        // is dated after the period end, so no credits.
        let acme = try invoice("cus_2")
        XCTAssertEqual(text(acme["number"]), "2026-10-000002")
        XCTAssertEqual(text(acme["subtotal"]), "103.08")
        guard case .array(let discounts)? = acme["discounts"], discounts.count == 1 else {
            return XCTFail("one discount expected")
        }
        XCTAssertEqual(text(discounts[0]["amount"]), "-10.31")
        XCTAssertEqual(text(acme["tax"]?["base"]), "92.77")
        XCTAssertEqual(text(acme["tax"]?["amount"]), "17.63")
        XCTAssertEqual(text(acme["total"]), "110.40")
        XCTAssertEqual(text(acme["credits_applied"]), "0.00")
        // cus_1 (USD): promo_spring's 15.00 expires on 10-10 (written off); credits then draw
        // the included 10.00 (expires 11-01), grant_78 20.00 (12-31), grant_77 100.00 (2027):
        // 130.00 applied; 1141.37 - 130.00 = 1011.37 due.
        let northwind = try invoice("cus_1")
        XCTAssertEqual(text(northwind["total"]), "1141.37")
        XCTAssertEqual(text(northwind["credits_applied"]), "130.00")
        XCTAssertEqual(text(northwind["amount_due"]), "1011.37")
        // cus_3 (JPY): 36 + 2000 + 6600 + 36000 = 44636; JCT 10 %: 4463.6 → 4464; total 49100;
        // jp_topup (priority 0) before jp_welcome (priority 1): 5000 + 3000 applied.
        let sakura = try invoice("cus_3")
        XCTAssertEqual(text(sakura["total"]), "49100")
        XCTAssertEqual(text(sakura["credits_applied"]), "8000")
        XCTAssertEqual(text(sakura["amount_due"]), "41100")
        // cus_6: 49.00 fee + 20.00 seats minimum + 31.00 true-up to the 100.00 commitment.
        let quiet = try invoice("cus_6")
        XCTAssertEqual(text(quiet["total"]), "100.00")
        XCTAssertEqual(text(quiet["amount_due"]), "90.00")
        // cus_8 (platform, SPEC §13): the 25.00 fee + llm 2.11 + payments 39.91 + storage 32.50
        // (GoldenSampleTests derives each) = 99.52; no tax, discount or credits.
        let harbor = try invoice("cus_8")
        XCTAssertEqual(text(harbor["subtotal"]), "99.52")
        XCTAssertEqual(text(harbor["total"]), "99.52")
        XCTAssertEqual(text(harbor["amount_due"]), "99.52")
    }

    /// Every invoice adds up to the minor unit: subtotal = Σ lines, total = subtotal +
    /// Σ discounts + tax, amount due = total - credits (computed here with exact decimals).
    func testEveryInvoiceAddsUp() throws {
        let output = try runSamples()
        for customer in [1, 2, 3, 4, 5, 6, 8] {
            let value = try JSONValue.parse(
                try readText(output.appendingPathComponent("invoices/cus_\(customer).json")))
            func amount(_ field: JSONValue?) throws -> Rational {
                guard case .string(let text)? = field, let parsed = DecimalText.exact(text) else {
                    throw HarnessError(
                        description: "cus_\(customer): not an amount: \(String(describing: field))")
                }
                return parsed
            }
            guard case .array(let lines)? = value["lines"],
                case .array(let discounts)? = value["discounts"]
            else { return XCTFail("cus_\(customer): lines and discounts expected") }
            var sum = Rational.zero
            for line in lines { sum = try sum + amount(line["amount"]) }
            XCTAssertEqual(sum, try amount(value["subtotal"]), "cus_\(customer) subtotal")
            var total = try amount(value["subtotal"])
            for discount in discounts { total = try total + amount(discount["amount"]) }
            if let tax = value["tax"], tax != .null {
                XCTAssertEqual(try amount(tax["base"]), total, "cus_\(customer) tax base")
                total = try total + amount(tax["amount"])
            }
            XCTAssertEqual(total, try amount(value["total"]), "cus_\(customer) total")
            XCTAssertEqual(
                try amount(value["total"]) - amount(value["credits_applied"]),
                try amount(value["amount_due"]), "cus_\(customer) amount due")
        }
    }

    /// The real accounting tools accept the journals; receivables equal the amounts due and the
    /// credit liabilities equal the closing wallets.
    func testJournalsPassTheRealToolsAndAgreeWithInvoicesAndWallets() throws {
        let output = try runSamples()
        let ledger = output.appendingPathComponent("journal.ledger").path
        for (tool, arguments) in [
            ("hledger", ["-f", ledger, "check"]),
            // Strict: every account and commodity declared (the accounts with their ids).
            ("hledger", ["-f", ledger, "check", "-s"]),
            ("ledger", ["-f", ledger, "balance"]),
            ("bean-check", [output.appendingPathComponent("journal.beancount").path]),
        ] {
            let result = try runTool(tool, arguments, in: output)
            XCTAssertEqual(result.status, 0, "\(tool): \(result.transcript)")
        }
        let beancheck = try runTool(
            "bean-check", [output.appendingPathComponent("journal.beancount").path], in: output)
        XCTAssertEqual(beancheck.standardOutput + beancheck.standardError, "")

        // hledger's flat balances, one "<amount> <code>  <account>" per line.
        let balances = try runTool(
            "hledger", ["-f", ledger, "balance", "--flat", "--no-total", "Receivable", "Credits"],
            in: output)
        XCTAssertEqual(balances.status, 0, balances.transcript)
        var byAccount: [String: String] = [:]
        for line in balances.standardOutput.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 3 else { continue }
            byAccount[String(parts[2])] = "\(parts[0]) \(parts[1])"
        }
        let csv = try readLines(output.appendingPathComponent("invoices.csv")).dropFirst()
        for row in csv {
            let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(
                String.init)
            let customer = fields[2]
            let account = "Assets:Receivable:" + AccountNames.component(customer)
            XCTAssertEqual(
                byAccount[account], "\(fields[16]) \(fields[6])", "receivable of \(customer)")
        }
        // Closing wallets: only cus_2 holds credits (the EUR grant dated after the period end).
        var remaining: [String: Rational] = [:]
        for wallet in try readObjects(output.appendingPathComponent("wallets.ndjson")) {
            let key =
                "\(wallet["customer"] as? String ?? "")|\(wallet["currency"] as? String ?? "")"
            guard let text = wallet["remaining"] as? String, let value = DecimalText.exact(text)
            else {
                return XCTFail("wallet row without remaining")
            }
            remaining[key] = try (remaining[key] ?? .zero) + value
        }
        XCTAssertEqual(remaining["cus_2|EUR"], DecimalText.exact("50"))
        XCTAssertEqual(byAccount["Liabilities:Credits:Cus-2"], "-50.00 EUR")
        // Each account made from an id is declared with it: an auditor finds a customer's
        // accounts, and the charge behind an income account, by the original id.
        let declared = try runTool(
            "hledger", ["-f", ledger, "accounts", "--declared", "tag:customer=^cus_2$"],
            in: output)
        XCTAssertEqual(declared.status, 0, declared.transcript)
        XCTAssertEqual(
            declared.standardOutput, "Assets:Receivable:Cus-2\nLiabilities:Credits:Cus-2\n")
        let fee = try runTool(
            "hledger", ["-f", ledger, "accounts", "--declared", "tag:charge=^platform_fee$"],
            in: output)
        XCTAssertEqual(fee.status, 0, fee.transcript)
        XCTAssertEqual(fee.standardOutput, "Income:Recurring:Platform-fee\n")
        for (key, value) in remaining where key != "cus_2|EUR" {
            XCTAssertEqual(value, .zero, "\(key) is spent or expired")
        }
    }

    /// Passing the same grants file again next period credits nothing twice; October's included
    /// credits expire unused (spent already), and the late EUR grant now pays cus_2.
    func testNextPeriodNeverGrantsTwice() throws {
        let work = try makeTemporaryDirectory()
        let october = try runSamples(in: work)
        let november = try runSamples(
            period: "2026-11", wallets: october.appendingPathComponent("wallets.ndjson"), in: work)
        let movements = try readObjects(
            november.appendingPathComponent("wallet-transactions.ndjson"))
        let granted = movements.filter { $0["kind"] as? String == "grant" }.compactMap {
            $0["grant"] as? String
        }
        XCTAssertEqual(
            granted.sorted(),
            // cus_4's November period (Nov 15 – Dec 15) is all on `pro`, which includes none.
            [
                "included_2026-11_cus_1_starter", "included_2026-11_cus_5_starter",
                "included_2026-11_cus_6_starter",
            ],
            "only November's included credits are new")
        let acme = movements.filter { $0["customer"] as? String == "cus_2" }
        XCTAssertEqual(acme.map { $0["kind"] as? String }, ["apply"])
        XCTAssertEqual(acme.first?["amount"] as? String, "-50.00")
    }

    /// DuckDB reads `invoices.csv` as it is: header, types and values detected with no options.
    func testInvoicesCSVLoadsInDuckDBAsItIs() throws {
        let output = try runSamples()
        let script = try writeFile(
            "load.py",
            """
            import sys
            import duckdb
            rows = duckdb.sql(
                "SELECT number, customer, typeof(issue_date), CAST(amount_due AS VARCHAR), currency "
                "FROM read_csv(?) ORDER BY number", params=[sys.argv[1]]).fetchall()
            for row in rows:
                print("|".join(str(value) for value in row))

            """, in: output.deletingLastPathComponent())
        let result = try runTool(
            "python3", [script.path, output.appendingPathComponent("invoices.csv").path], in: output
        )
        XCTAssertEqual(result.status, 0, result.transcript)
        // DuckDB detects the amounts as numbers (DOUBLE: "110.40" reads back as 110.4, the
        // JPY "41100" as 41100.0 because the column also holds decimals) and dates as DATE.
        XCTAssertEqual(
            result.standardOutput.split(separator: "\n").map(String.init),
            [
                "2026-10-000001|cus_1|DATE|1011.37|USD", "2026-10-000002|cus_2|DATE|110.4|EUR",
                "2026-10-000003|cus_3|DATE|41100.0|JPY", "2026-10-000004|cus_4|DATE|1298.68|USD",
                "2026-10-000005|cus_5|DATE|1137.07|USD", "2026-10-000006|cus_6|DATE|90.0|USD",
                "2026-10-000007|cus_8|DATE|99.52|USD",
            ])
    }

    /// `--as-of` changes the printed issue date and nothing else (SPEC §11).
    func testAsOfChangesOnlyTheIssueDate() throws {
        let work = try makeTemporaryDirectory()
        let plain = try runSamples(in: work)
        let asOf = work.appendingPathComponent("as-of")
        let result = try runInvoice(
            invoiceArguments(
                period: "2026-10", rated: work.appendingPathComponent("rate-2026-10"),
                wallets: Executables.samples.appendingPathComponent("wallets-2026-09.ndjson"),
                output: asOf) + ["--as-of", "2026-11-03"],
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        let before = try folderDigests(plain)
        let after = try folderDigests(asOf)
        let changed = before.keys.filter { before[$0] != after[$0] }.sorted()
        // The invoices (JSON, HTML, and the e-invoices: issue and due dates), their CSV
        // listing and the manifest (options, digests).
        XCTAssertEqual(
            changed,
            ["invoices.csv"] + Self.invoiceDocuments + ["manifest.json", "manifest.sha256"])
        let json = try readText(asOf.appendingPathComponent("invoices/cus_1.json"))
        XCTAssertTrue(json.contains("\"issue_date\": \"2026-11-03\""), json)
    }

    func testPeriodMustMatchTheRatedFolder() throws {
        let work = try makeTemporaryDirectory()
        let output = try runSamples(in: work)
        _ = output
        let result = try runInvoice(
            invoiceArguments(
                period: "2026-11", rated: work.appendingPathComponent("rate-2026-10"), wallets: nil,
                output: work.appendingPathComponent("other")),
            in: work)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertTrue(
            result.standardError.contains("differs from the rated folder's period 2026-10"))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: work.appendingPathComponent("other").path))
    }

    func testConflictingGrantsListEveryIdAndWriteNothing() throws {
        let work = try makeTemporaryDirectory()
        _ = try runSamples(in: work)
        let grants = try writeFile(
            "grants.ndjson",
            """
            {"id":"g1","customer":"cus_1","ts":"2026-10-04T10:00:00Z","amount":"5.00","currency":"USD"}
            {"id":"g1","customer":"cus_1","ts":"2026-10-04T10:00:00Z","amount":"6.00","currency":"USD"}
            {"id":"g2","customer":"cus_1","ts":"2026-10-04T10:00:00Z","amount":"5.001","currency":"USD"}

            """, in: work)
        let result = try runInvoice(
            invoiceArguments(
                period: "2026-10", rated: work.appendingPathComponent("rate-2026-10"), wallets: nil,
                output: work.appendingPathComponent("bad"), extra: ["--grants", grants.path]),
            in: work)
        XCTAssertEqual(result.status, 2, result.transcript)
        XCTAssertTrue(
            result.standardError.contains("grants.ndjson:2: id: grant \"g1\" is given twice"),
            result.standardError)
        XCTAssertTrue(
            result.standardError.contains("grants.ndjson:3: amount:"), result.standardError)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: work.appendingPathComponent("bad").path))
    }

    func invoiceArguments(
        period: String, rated: URL, wallets: URL?, output: URL, extra: [String] = []
    ) -> [String] {
        let samples = Executables.samples
        var arguments = [
            "--catalog", samples.appendingPathComponent("catalog.yaml").path,
            "--customers", samples.appendingPathComponent("customers.yaml").path,
            "--period", period, "--rated", rated.path, "--output", output.path,
        ]
        if let wallets { arguments += ["--wallets", wallets.path] }
        if extra.isEmpty {
            arguments += ["--grants", samples.appendingPathComponent("grants.ndjson").path]
        }
        return arguments + extra
    }
}

extension InvoiceSampleTests {
    /// A period's books hold its whole run (issue 10): credits applied to an invoice are dated
    /// with it, so hledger's balance of each customer's receivable over the customer's own
    /// period is exactly the invoice's amount due (before, the October credits landed on
    /// 2026-11-01 and cus_1 showed 1141.37 owed against 1011.37 due).
    func testEachPeriodsReceivableIsTheAmountDue() throws {
        let work = try makeTemporaryDirectory()
        let output = try runSamples(in: work)
        let journal = output.appendingPathComponent("journal.ledger").path
        let folder = output.appendingPathComponent("invoices")
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where name.hasSuffix(".json") {
            let invoice = try readObject(folder.appendingPathComponent(name))
            let customer = try XCTUnwrap(invoice["customer"] as? String)
            let period = try XCTUnwrap(invoice["period"] as? [String: String])
            let result = try runTool(
                "hledger",
                [
                    "-f", journal, "bal", "-N", "-b", String(period["start"]!.prefix(10)), "-e",
                    String(period["end"]!.prefix(10)), "tag:customer=\(customer)",
                    "Assets:Receivable",
                ], in: work)
            XCTAssertEqual(result.status, 0, result.transcript)
            let figures = result.standardOutput.split(separator: " ").filter { !$0.isEmpty }
            XCTAssertEqual(figures.first.map(String.init), invoice["amount_due"] as? String, name)
            XCTAssertEqual(
                figures.dropFirst().first.map(String.init), invoice["currency"] as? String)
            checked += 1
        }
        XCTAssertEqual(checked, 7)
    }
}

extension InvoiceSampleTests {
    /// `invoice --metrics-file`: the invoice count and each currency's amounts, as the manifest
    /// totals them.
    func testInvoiceMetricsFile() throws {
        let work = try makeTemporaryDirectory()
        _ = try runSamples(in: work)
        let samples = Executables.samples
        let metrics = work.appendingPathComponent("invoice.prom")
        let result = try runInvoice(
            invoiceArguments(
                period: "2026-10", rated: work.appendingPathComponent("rate-2026-10"),
                wallets: samples.appendingPathComponent("wallets-2026-09.ndjson"),
                output: work.appendingPathComponent("again"),
                extra: [
                    "--grants", samples.appendingPathComponent("grants.ndjson").path,
                    "--metrics-file", metrics.path,
                ]),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        let lines = try readLines(metrics)
        for expected in [
            "ratebook_invoice_invoices{period=\"2026-10\"} 7",
            // 3697.12 before SPEC §13's cus_8, whose invoice is 99.52.
            "ratebook_invoice_amount{period=\"2026-10\",currency=\"USD\",kind=\"total\"} 3796.64",
            "ratebook_invoice_amount{period=\"2026-10\",currency=\"JPY\",kind=\"amount_due\"} "
                + "41100",
            "ratebook_invoice_amount{period=\"2026-10\",currency=\"EUR\",kind=\"credits_applied\"} "
                + "0.00",
        ] {
            XCTAssertTrue(lines.contains(expected), "missing «\(expected)»")
        }
    }
}

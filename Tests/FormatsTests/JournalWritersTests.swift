import Foundation
import XCTest

@testable import Formats
@testable import Pricing

/// The journal writers (SPEC §8.3): exact bytes for a small case, and the real tools (hledger,
/// ledger, bean-check) reading a journal with every kind of movement and awkward text.
final class JournalWritersTests: XCTestCase {
    static let usd = Currency(code: "USD", minorUnitDigits: 2)
    static let jpy = Currency(code: "JPY", minorUnitDigits: 0)
    /// A catalog pseudo-currency without minor units.
    static let credits = Currency(code: "CREDITS", minorUnitDigits: 0)

    // MARK: - Exact bytes

    /// A USD invoice (quotes in its description) and a JPY grant whose grant id needs escaping;
    /// CREDITS is declared though unused.
    func smallCase() throws -> [JournalTransaction] {
        let usd = Self.usd
        let jpy = Self.jpy
        return [
            JournalTransaction(
                date: try date("2026-10-31"), kind: .invoice, reference: "inv_2026-10_cus_001",
                customer: "cus_001", invoiceID: "inv_2026-10_cus_001", grantID: nil,
                description: "Invoice 2026-10-000001 \"cus_001\"",
                postings: [
                    Posting(account: "Assets:Receivable:Cus-001", amount: money(11900, usd)),
                    Posting(account: "Income:Usage:Api", amount: money(-10000, usd)),
                    Posting(account: "Liabilities:Tax:VAT", amount: money(-1900, usd)),
                ]),
            JournalTransaction(
                date: try date("2026-10-04"), kind: .grant, reference: "wal_cus_002_g1",
                customer: "cus_002", invoiceID: nil, grantID: "g 1,%",
                description: "Credits granted (promotional) g1",
                postings: [
                    Posting(account: "Expenses:Promotions", amount: money(500, jpy)),
                    Posting(account: "Liabilities:Credits:Cus-002", amount: money(-500, jpy)),
                ]),
        ]
    }

    /// The ids behind the small case's accounts.
    static let smallCaseIDs = AccountIDs(
        accounts: AccountNames(), customerIDs: ["cus_001", "cus_002"], chargeKeys: ["api"],
        taxNames: ["VAT"])

    func testLedgerSmallCaseExactBytes() throws {
        let output = JournalWriters.ledger(
            try smallCase(), currencies: [Self.usd, Self.jpy, Self.credits],
            accountIDs: Self.smallCaseIDs)
        // Declarations in the given order (USD with a format line, the zero-digit ones bare);
        // every account sorted by name, those made from an id tagged with it; then
        // transactions in the given order, not re-sorted by date. The grant id `g 1,%` keeps
        // its inner space; `,` → %2C and `%` → %25.
        let expected = """
            commodity USD
                format 1000.00 USD
            commodity JPY
            commodity CREDITS

            account Assets:Receivable:Cus-001
                ; customer: cus_001
            account Expenses:Promotions
            account Income:Usage:Api
                ; charge: api
            account Liabilities:Credits:Cus-002
                ; customer: cus_002
            account Liabilities:Tax:VAT
                ; tax: VAT

            2026-10-31 * Invoice 2026-10-000001 "cus_001"
                ; kind: invoice
                ; reference: inv_2026-10_cus_001
                ; customer: cus_001
                ; invoice: inv_2026-10_cus_001
                Assets:Receivable:Cus-001  119.00 USD
                Income:Usage:Api  -100.00 USD
                Liabilities:Tax:VAT  -19.00 USD

            2026-10-04 * Credits granted (promotional) g1
                ; kind: grant
                ; reference: wal_cus_002_g1
                ; customer: cus_002
                ; grant: g 1%2C%25
                Expenses:Promotions  500 JPY
                Liabilities:Credits:Cus-002  -500 JPY

            """
        XCTAssertEqual(String(decoding: output, as: UTF8.self), expected)
    }

    func testBeancountSmallCaseExactBytes() throws {
        let output = JournalWriters.beancount(
            try smallCase(), currencies: [Self.usd, Self.jpy, Self.credits],
            accountIDs: Self.smallCaseIDs)
        // Commodities on the first date (2026-10-04); opens sorted by first use, ties in order
        // of appearance, each made from an id with the id as metadata; `"` escaped; the
        // invoice id is link-safe so it is a link too.
        let expected = #"""
            option "tolerance_multiplier" "0"

            2026-10-04 commodity USD
            2026-10-04 commodity JPY
            2026-10-04 commodity CREDITS

            2026-10-04 open Expenses:Promotions
            2026-10-04 open Liabilities:Credits:Cus-002
              customer: "cus_002"
            2026-10-31 open Assets:Receivable:Cus-001
              customer: "cus_001"
            2026-10-31 open Income:Usage:Api
              charge: "api"
            2026-10-31 open Liabilities:Tax:VAT
              tax: "VAT"

            2026-10-31 * "Invoice 2026-10-000001 \"cus_001\"" ^inv_2026-10_cus_001
              kind: "invoice"
              reference: "inv_2026-10_cus_001"
              customer: "cus_001"
              invoice: "inv_2026-10_cus_001"
              Assets:Receivable:Cus-001  119.00 USD
              Income:Usage:Api  -100.00 USD
              Liabilities:Tax:VAT  -19.00 USD

            2026-10-04 * "Credits granted (promotional) g1"
              kind: "grant"
              reference: "wal_cus_002_g1"
              customer: "cus_002"
              grant: "g 1%2C%25"
              Expenses:Promotions  500 JPY
              Liabilities:Credits:Cus-002  -500 JPY

            """#
        XCTAssertEqual(String(decoding: output, as: UTF8.self), expected)
    }

    func testCSVSmallCaseExactBytes() throws {
        let output = JournalWriters.csv(try smallCase())
        // One row per posting; the description with quotes is quoted, quotes doubled.
        let expected = """
            date,transaction,kind,customer,account,value,commodity,description
            2026-10-31,inv_2026-10_cus_001,invoice,cus_001,Assets:Receivable:Cus-001,119.00,\
            USD,"Invoice 2026-10-000001 ""cus_001\"""
            2026-10-31,inv_2026-10_cus_001,invoice,cus_001,Income:Usage:Api,-100.00,USD,\
            "Invoice 2026-10-000001 ""cus_001\"""
            2026-10-31,inv_2026-10_cus_001,invoice,cus_001,Liabilities:Tax:VAT,-19.00,USD,\
            "Invoice 2026-10-000001 ""cus_001\"""
            2026-10-04,wal_cus_002_g1,grant,cus_002,Expenses:Promotions,500,JPY,\
            Credits granted (promotional) g1
            2026-10-04,wal_cus_002_g1,grant,cus_002,Liabilities:Credits:Cus-002,-500,JPY,\
            Credits granted (promotional) g1

            """
        XCTAssertEqual(String(decoding: output, as: UTF8.self), expected)
    }

    func testEmptyJournals() {
        // Declarations only (ledger); beancount has no date to declare on, so only the option.
        XCTAssertEqual(
            String(decoding: JournalWriters.ledger([], currencies: [Self.credits]), as: UTF8.self),
            "commodity CREDITS\n")
        XCTAssertEqual(
            String(decoding: JournalWriters.beancount([], currencies: [Self.usd]), as: UTF8.self),
            "option \"tolerance_multiplier\" \"0\"\n")
        XCTAssertEqual(
            String(decoding: JournalWriters.csv([]), as: UTF8.self),
            "date,transaction,kind,customer,account,value,commodity,description\n")
    }

    func testLedgerQuotesCodesWithDigitsAndDeclaresUndeclaredCurrencies() throws {
        let eur2 = Currency(code: "EUR2", minorUnitDigits: 3)
        let transaction = JournalTransaction(
            date: try date("2026-10-31"), kind: .invoice, reference: "r", customer: "c",
            invoiceID: nil, grantID: nil, description: "",
            postings: [
                Posting(account: "Assets:A", amount: money(1500, eur2)),
                Posting(account: "Income:B", amount: money(-1500, eur2)),
            ])
        // Not in `currencies`, so declared after them; 3 digits → `1000.000`; quoted because a
        // digit would be read as part of the number.
        let expected = """
            commodity USD
                format 1000.00 USD
            commodity "EUR2"
                format 1000.000 "EUR2"

            account Assets:A
            account Income:B

            2026-10-31 *
                ; kind: invoice
                ; reference: r
                ; customer: c
                Assets:A  1.500 "EUR2"
                Income:B  -1.500 "EUR2"

            """
        let output = JournalWriters.ledger([transaction], currencies: [Self.usd])
        XCTAssertEqual(String(decoding: output, as: UTF8.self), expected)

        // Both tools read the quoted code and the empty description; beancount needs no quotes.
        let folder = try temporaryFolder()
        let ledgerFile = folder.appendingPathComponent("journal.ledger")
        let beancountFile = folder.appendingPathComponent("journal.beancount")
        try Data(output).write(to: ledgerFile)
        try Data(JournalWriters.beancount([transaction], currencies: [Self.usd]))
            .write(to: beancountFile)
        try expectSuccess(
            try run("hledger", ["-f", ledgerFile.path, "check", "commodities"]), "hledger check")
        let balance = try run("ledger", [
            "--args-only", "-f", ledgerFile.path, "balance", "Assets", "--flat", "--no-total",
            "--format", "%(account)|%(display_total)\n",
        ])
        try expectSuccess(balance, "ledger balance")
        XCTAssertEqual(balance.output, "Assets:A|1.500 \"EUR2\"\n")
        let beanCheck = try run("bean-check", [beancountFile.path])
        try expectSuccess(beanCheck, "bean-check")
        XCTAssertEqual(beanCheck.output + beanCheck.errors, "")
    }

    // MARK: - Text rules

    func testDescriptionRule() {
        // Controls → space, runs collapse, ends trimmed.
        XCTAssertEqual(JournalText.description("  a\tb\r\n c\u{2028}d\u{85}e  "), "a b c d e")
        XCTAssertEqual(JournalText.description("\n\t "), "")
        // Ledger: `;` → `,`, a leading `(` → `[`, other parentheses kept.
        XCTAssertEqual(
            JournalText.ledgerDescription(" (x) a;b ; kind: evil (y)"),
            "[x) a,b , kind: evil (y)")
    }

    func testIdentifierRuleIsReversible() {
        let cases: [(String, String)] = [
            ("cus_001", "cus_001"),
            ("acme.jp/é_1", "acme.jp/é_1"),
            (" a, b%\n", "%20a%2C b%25%0A"),
            ("a\u{7F}\u{0}", "a%7F%00"),
            (" ", "%20"),
            ("", ""),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(JournalText.identifier(input), expected, "identifier of \(input)")
            XCTAssertEqual(
                JournalText.identifier(input).removingPercentEncoding, input,
                "percent-decoding gives back \(input)")
        }
    }

    func testLinkSafety() {
        XCTAssertTrue(JournalText.isLinkSafe("inv_2026-10_cus.001/a"))
        XCTAssertFalse(JournalText.isLinkSafe("inv_2026-10_é"))
        XCTAssertFalse(JournalText.isLinkSafe("inv 1"))
        XCTAssertFalse(JournalText.isLinkSafe(""))
    }

    func testOutputIsDeterministicAndLineClean() throws {
        let book = try fullBook()
        let currencies = [Self.usd, Self.jpy, Self.credits]
        let outputs = [
            JournalWriters.ledger(book, currencies: currencies),
            JournalWriters.beancount(book, currencies: currencies),
            JournalWriters.csv(book),
        ]
        XCTAssertEqual(outputs[0], JournalWriters.ledger(book, currencies: currencies))
        XCTAssertEqual(outputs[1], JournalWriters.beancount(book, currencies: currencies))
        XCTAssertEqual(outputs[2], JournalWriters.csv(book))
        for output in outputs {
            XCTAssertFalse(output.contains(0x0D), "no CR")
            XCTAssertEqual(output.last, 0x0A, "ends with LF")
            // Every LF ends a record: no description or id brought a newline of its own.
            let text = String(decoding: output, as: UTF8.self)
            XCTAssertFalse(text.contains("\u{2028}"))
            XCTAssertFalse(text.contains("\t"))
        }
        // The ledger file has exactly the lines we expect: 4 declaration lines (USD and its
        // format, JPY, CREDITS), a blank line and one `account` line per account (no ids were
        // given, so no account tags), then per transaction a blank line, a header, its tags
        // and postings; the final LF leaves one empty piece after it.
        let ledgerLines = String(decoding: outputs[0], as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let tagCount = book.reduce(0) { $0 + JournalWriters.tags($1).count }
        let postingCount = book.reduce(0) { $0 + $1.postings.count }
        let accountCount = Set(book.flatMap { $0.postings.map(\.account) }).count
        XCTAssertEqual(accountCount, 15)
        XCTAssertEqual(
            ledgerLines.count,
            4 + 1 + accountCount + book.count * 2 + tagCount + postingCount + 1)
    }

    // MARK: - The real tools

    func testToolsAcceptEveryKindOfMovement() throws {
        let folder = try temporaryFolder()
        let book = try fullBook()
        let currencies = [Self.usd, Self.jpy, Self.credits]
        let ledgerFile = folder.appendingPathComponent("journal.ledger")
        let beancountFile = folder.appendingPathComponent("journal.beancount")
        let csvFile = folder.appendingPathComponent("journal.csv")
        let rulesFile = folder.appendingPathComponent("journal.csv.rules")
        let ids = AccountIDs(
            accounts: AccountNames(), customerIDs: ["cus_001", "acme.jp/é_1", "cus_003"],
            chargeKeys: ["api_calls", "seat", "tokens"], taxNames: ["VAT", "JCT"])
        try Data(JournalWriters.ledger(book, currencies: currencies, accountIDs: ids))
            .write(to: ledgerFile)
        try Data(JournalWriters.beancount(book, currencies: currencies, accountIDs: ids))
            .write(to: beancountFile)
        try Data(JournalWriters.csv(book)).write(to: csvFile)
        // Each row is a one-posting transaction; the other leg goes to Equity:Unbalanced, which
        // must therefore total zero in every currency.
        try Data(
            """
            skip 1
            fields date, code, kind, customer, account1, value, commodity, description
            amount1 %value %commodity
            account2 Equity:Unbalanced

            """.utf8
        ).write(to: rulesFile)

        // hledger: parses, every transaction balances, every commodity is declared.
        try expectSuccess(try run("hledger", ["-f", ledgerFile.path, "check"]), "hledger check")
        try expectSuccess(
            try run("hledger", ["-f", ledgerFile.path, "check", "commodities"]),
            "hledger check commodities")

        // Per-customer receivables. cus_001: invoice 535.50 − credits applied 160.00 = 375.50
        // USD; acme.jp/é_1: 12100 JPY, nothing applied; cus_003: invoice 300 − 200 applied =
        // 100 CREDITS. Accounts sort by name, `Acme…` before `Cus…`.
        let expectedReceivables = """
            "account","balance"
            "Assets:Receivable:Acme-jp-U00E9-1","12100 JPY"
            "Assets:Receivable:Cus-001","375.50 USD"
            "Assets:Receivable:Cus-003","100 CREDITS"

            """
        let balance = try run(
            "hledger", ["-f", ledgerFile.path, "balance", "^Assets:Receivable:", "-N", "-O", "csv"])
        try expectSuccess(balance, "hledger balance")
        XCTAssertEqual(balance.output, expectedReceivables)
        // Each account made from an id carries it as an account tag: hledger finds the
        // customer's accounts by the original id, and lists every charge key.
        // (`--declared`: the accounts' own tags, not those of the transactions posting to them.)
        let byCustomer = try run(
            "hledger",
            ["-f", ledgerFile.path, "accounts", "--declared", "tag:customer=^acme.jp/é_1$"])
        try expectSuccess(byCustomer, "hledger accounts tag:customer")
        XCTAssertEqual(byCustomer.output, "Assets:Receivable:Acme-jp-U00E9-1\n")
        let charges = try run("hledger", ["-f", ledgerFile.path, "tags", "charge", "--values"])
        try expectSuccess(charges, "hledger tags charge")
        XCTAssertEqual(charges.output, "api_calls\nseat\ntokens\n")
        // With every account declared, hledger's strict account check passes too.
        try expectSuccess(
            try run("hledger", ["-f", ledgerFile.path, "check", "accounts"]),
            "hledger check accounts")

        // Whole-book balance: every currency sums to zero, so the total line is empty.
        let total = try run("hledger", ["-f", ledgerFile.path, "balance", "-O", "csv"])
        try expectSuccess(total, "hledger balance (all)")
        XCTAssertTrue(total.output.hasSuffix("\"total\",\"0\"\n"), total.output)

        // hledger reads tags back as written (the description's `; kind: evil` is not a tag).
        let kinds = try run("hledger", ["-f", ledgerFile.path, "tags", "kind", "--values"])
        try expectSuccess(kinds, "hledger tags")
        XCTAssertEqual(kinds.output, "apply\nexpiry\ngrant\ninvoice\nopening\n")
        let grants = try run("hledger", ["-f", ledgerFile.path, "tags", "grant", "--values"])
        XCTAssertEqual(grants.output, "grant_77\npromo%2C 10%25\npromo_0\ntokens\n")

        // ledger 3.3: balances (it would exit 1 on an unbalanced transaction) with the same
        // receivables. `--args-only` keeps ~/.ledgerrc and LEDGER_* out of the test.
        try expectSuccess(
            try run("ledger", ["--args-only", "-f", ledgerFile.path, "balance"]), "ledger balance")
        let ledgerReceivables = try run("ledger", [
            "--args-only", "-f", ledgerFile.path, "balance", "^Assets:Receivable:", "--flat",
            "--no-total", "--format", "%(account)|%(display_total)\n",
        ])
        try expectSuccess(ledgerReceivables, "ledger balance receivables")
        XCTAssertEqual(
            ledgerReceivables.output,
            """
            Assets:Receivable:Acme-jp-U00E9-1|12100 JPY
            Assets:Receivable:Cus-001|375.50 USD
            Assets:Receivable:Cus-003|100 CREDITS

            """)

        // bean-check: silent success.
        let beanCheck = try run("bean-check", [beancountFile.path])
        try expectSuccess(beanCheck, "bean-check")
        XCTAssertEqual(beanCheck.output, "")
        XCTAssertEqual(beanCheck.errors, "")

        // journal.csv read by hledger as is: the same receivables, and the balancing leg
        // totals zero.
        let csvBalance = try run("hledger", [
            "-f", csvFile.path, "--rules-file", rulesFile.path, "balance", "^Assets:Receivable:",
            "-N", "-O", "csv",
        ])
        try expectSuccess(csvBalance, "hledger on journal.csv")
        XCTAssertEqual(csvBalance.output, expectedReceivables)
        let unbalanced = try run("hledger", [
            "-f", csvFile.path, "--rules-file", rulesFile.path, "balance", "^Equity:Unbalanced",
            "-N", "-O", "csv",
        ])
        try expectSuccess(unbalanced, "hledger on journal.csv, balancing leg")
        XCTAssertEqual(unbalanced.output, "\"account\",\"balance\"\n")
    }

    /// Every shape of id the account-name rule distinguishes gives accounts all three tools
    /// accept, declared with the id: a leading digit or separator, non-ASCII letters, a
    /// combining mark, an emoji, only separators, the empty id, `%` and `,` in the metadata.
    func testToolsAcceptAccountsMadeFromAwkwardIds() throws {
        let ids = [
            "9lives", "_x", "ÄB", "東京", "e\u{301}", "\u{1F600}", "_", "", "a,b%", "x\"y",
        ]
        let accounts = AccountNames()
        let usd = Self.usd
        let transactions = try ids.enumerated().map { index, id in
            JournalTransaction(
                date: try date("2026-10-31"), kind: .invoice, reference: "inv_\(index)",
                customer: id, invoiceID: nil, grantID: nil, description: "Invoice \(index)",
                postings: [
                    Posting(account: accounts.receivable(id), amount: money(100, usd)),
                    Posting(account: accounts.tax(id), amount: money(-100, usd)),
                ])
        }
        let accountIDs = AccountIDs(
            accounts: accounts, customerIDs: ids, chargeKeys: [String](), taxNames: ids)
        XCTAssertTrue(accountIDs.isEmpty, "no two of these ids share a name")
        let folder = try temporaryFolder()
        let ledgerFile = folder.appendingPathComponent("awkward.ledger")
        let beancountFile = folder.appendingPathComponent("awkward.beancount")
        try Data(JournalWriters.ledger(transactions, currencies: [usd], accountIDs: accountIDs))
            .write(to: ledgerFile)
        try Data(
            JournalWriters.beancount(transactions, currencies: [usd], accountIDs: accountIDs)
        ).write(to: beancountFile)
        try expectSuccess(
            try run("hledger", ["-f", ledgerFile.path, "check", "-s"]), "hledger check -s")
        try expectSuccess(
            try run("ledger", ["--args-only", "-f", ledgerFile.path, "balance"]), "ledger")
        let beanCheck = try run("bean-check", [beancountFile.path])
        try expectSuccess(beanCheck, "bean-check")
        XCTAssertEqual(beanCheck.output + beanCheck.errors, "")
        // hledger reads each id back from its account's tag, sorted (`%` and `,`
        // percent-encoded; the empty id is an empty value, which hledger does not list).
        let tags = try run("hledger", ["-f", ledgerFile.path, "tags", "tax", "--values"])
        try expectSuccess(tags, "hledger tags tax")
        XCTAssertEqual(
            tags.output, "9lives\n_\n_x\na%2Cb%25\ne\u{301}\nx\"y\nÄB\n東京\n\u{1F600}\n")
    }

    /// The tools really check: a transaction off by one cent, written by hand, fails each.
    func testToolsRejectAnUnbalancedTransaction() throws {
        let folder = try temporaryFolder()
        let ledgerFile = folder.appendingPathComponent("unbalanced.ledger")
        let beancountFile = folder.appendingPathComponent("unbalanced.beancount")
        try Data(
            """
            commodity USD
                format 1000.00 USD

            2026-10-31 * Invoice
                Assets:Receivable:Cus-001  119.00 USD
                Income:Usage:Api  -118.99 USD

            """.utf8
        ).write(to: ledgerFile)
        try Data(
            """
            option "tolerance_multiplier" "0"

            2026-10-31 commodity USD
            2026-10-31 open Assets:Receivable:Cus-001
            2026-10-31 open Income:Usage:Api

            2026-10-31 * "Invoice"
              Assets:Receivable:Cus-001  119.00 USD
              Income:Usage:Api  -118.99 USD

            """.utf8
        ).write(to: beancountFile)
        let hledger = try run("hledger", ["-f", ledgerFile.path, "check"])
        XCTAssertNotEqual(hledger.status, 0, "hledger must reject an unbalanced transaction")
        XCTAssertTrue(hledger.errors.contains("could not balance"), hledger.errors)
        let ledger = try run("ledger", ["--args-only", "-f", ledgerFile.path, "balance"])
        XCTAssertNotEqual(ledger.status, 0, "ledger must reject an unbalanced transaction")
        XCTAssertTrue(ledger.errors.contains("does not balance"), ledger.errors)
        let beanCheck = try run("bean-check", [beancountFile.path])
        XCTAssertNotEqual(beanCheck.status, 0, "bean-check must reject an unbalanced transaction")
        XCTAssertTrue(
            (beanCheck.output + beanCheck.errors).contains("does not balance"),
            beanCheck.output + beanCheck.errors)
    }

    /// Why the beancount header holds `tolerance_multiplier 0`: a residue of 0.004 USD passes
    /// bean-check without it (tolerance 0.5 × 0.01 = 0.005) and fails with it.
    func testBeancountToleranceOptionMakesBalancingExact() throws {
        let folder = try temporaryFolder()
        let body = """
            2026-10-31 commodity USD
            2026-10-31 open Assets:A
            2026-10-31 open Income:B

            2026-10-31 * "Residue"
              Assets:A  1.004 USD
              Income:B  -1.00 USD

            """
        let loose = folder.appendingPathComponent("loose.beancount")
        let exact = folder.appendingPathComponent("exact.beancount")
        try Data(body.utf8).write(to: loose)
        let header = String(
            decoding: JournalWriters.beancount([], currencies: []), as: UTF8.self)
        try Data((header + "\n" + body).utf8).write(to: exact)
        let looseCheck = try run("bean-check", [loose.path])
        XCTAssertEqual(looseCheck.status, 0, "beancount's default tolerance hides 0.004 USD")
        let exactCheck = try run("bean-check", [exact.path])
        XCTAssertNotEqual(exactCheck.status, 0, "our header must make bean-check exact")
    }

    // MARK: - The full book

    /// One period with every kind of movement. Account names are made by `AccountNames`, so
    /// the test follows the one account-name rule rather than restating it.
    func fullBook() throws -> [JournalTransaction] {
        let accounts = AccountNames()
        let usd = Self.usd
        let jpy = Self.jpy
        let credits = Self.credits
        let first = "cus_001"
        // `_`, `.`, `/` and a non-ASCII letter.
        let second = "acme.jp/é_1"
        let third = "cus_003"
        // A charge key with `_`.
        let apiCalls = accounts.usageIncome + ":" + AccountNames.component("api_calls")
        func transaction(
            _ day: String, _ kind: JournalKind, _ reference: String, _ customer: String,
            invoice: String? = nil, grant: String? = nil, _ description: String,
            _ postings: [(String, Int128, Currency)]
        ) throws -> JournalTransaction {
            JournalTransaction(
                date: try date(day), kind: kind, reference: reference, customer: customer,
                invoiceID: invoice, grantID: grant, description: description,
                postings: postings.map { Posting(account: $0.0, amount: money($0.1, $0.2)) })
        }
        return [
            // cus_001 wallet: 50.00 carried in + 100.00 bought + 20.00 promotional − 10.00
            // expired = 160.00, all applied to the invoice.
            try transaction(
                "2026-10-01", .opening, "2026-10:cus_001:opening:USD", first,
                "Credits carried in for cus_001", [
                    (accounts.openingBalances, 5000, usd),
                    (accounts.credits(first), -5000, usd),
                ]),
            try transaction(
                "2026-10-04", .grant, "wal_grant_77", first, grant: "grant_77",
                "Credits granted (purchase) grant_77", [
                    (accounts.payments, 10000, usd), (accounts.credits(first), -10000, usd),
                ]),
            try transaction(
                "2026-10-05", .grant, "wal_promo", first, grant: "promo, 10%",
                "(promotional) grant; kind: evil, \"q\" \\ a  b\tc\nd", [
                    (accounts.promotions, 2000, usd), (accounts.credits(first), -2000, usd),
                ]),
            try transaction(
                "2026-10-20", .expiry, "wal_expiry_promo_0", first, grant: "promo_0",
                "Credits expired promo_0", [
                    (accounts.credits(first), 1000, usd), (accounts.breakage, -1000, usd),
                ]),
            // Lines 400.00 + 100.00, discount 50.00, VAT 19% of 450.00 = 85.50;
            // total 450.00 + 85.50 = 535.50.
            try transaction(
                "2026-10-31", .invoice, "inv_2026-10_cus_001", first,
                invoice: "inv_2026-10_cus_001", "Invoice 2026-10-000001 cus_001", [
                    (accounts.receivable(first), 53550, usd),
                    (apiCalls, -40000, usd),
                    (accounts.recurringIncome + ":Seat", -10000, usd),
                    (accounts.discounts, 5000, usd),
                    (accounts.tax("VAT"), -8550, usd),
                ]),
            try transaction(
                "2026-10-31", .apply, "wal_apply_inv_2026-10_cus_001", first,
                invoice: "inv_2026-10_cus_001", grant: "grant_77",
                "Credits applied to inv_2026-10_cus_001", [
                    (accounts.credits(first), 16000, usd),
                    (accounts.receivable(first), -16000, usd),
                ]),
            // JPY: 11000 + 10% consumption tax 1100 = 12100. The invoice id is not link-safe.
            try transaction(
                "2026-10-31", .invoice, "inv_2026-10_acme.jp/é_1", second,
                invoice: "inv_2026-10_acme.jp/é_1", "Invoice 2026-10-000002 acme.jp/é_1", [
                    (accounts.receivable(second), 12100, jpy),
                    (apiCalls, -11000, jpy),
                    (accounts.tax("JCT"), -1100, jpy),
                ]),
            // CREDITS: 200 included, invoice 300, 200 applied, 100 left to pay.
            try transaction(
                "2026-10-01", .grant, "wal_tokens", third, grant: "tokens",
                "Credits granted (included) tokens", [
                    (accounts.promotions, 200, credits), (accounts.credits(third), -200, credits),
                ]),
            try transaction(
                "2026-10-31", .invoice, "inv_2026-10_cus_003", third,
                invoice: "inv_2026-10_cus_003", "Invoice 2026-10-000003 cus_003", [
                    (accounts.receivable(third), 300, credits),
                    (accounts.usageIncome + ":Tokens", -300, credits),
                ]),
            try transaction(
                "2026-10-31", .apply, "wal_apply_inv_2026-10_cus_003", third,
                invoice: "inv_2026-10_cus_003", grant: "tokens",
                "Credits applied to inv_2026-10_cus_003", [
                    (accounts.credits(third), 200, credits),
                    (accounts.receivable(third), -200, credits),
                ]),
        ]
    }

    // MARK: - Helpers

    func date(_ text: String) throws -> CivilDate {
        try XCTUnwrap(CivilDate(iso: text), "test date \(text)")
    }

    func money(_ minorUnits: Int128, _ currency: Currency) -> Money {
        Money(minorUnits: minorUnits, currency: currency)
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("JournalWritersTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    struct ToolRun {
        let status: Int32
        let output: String
        let errors: String
    }

    struct MissingTool: Error {}

    /// Runs an installed tool with UTF-8 locale set explicitly (hledger cannot read UTF-8
    /// under the C locale). A missing tool fails the test, never skips it: CI installs them all.
    func run(_ tool: String, _ arguments: [String]) throws -> ToolRun {
        guard let path = try locate(tool) else {
            XCTFail(Self.missingToolMessage(tool))
            throw MissingTool()
        }
        return try launch(URL(fileURLWithPath: path), arguments)
    }

    static func missingToolMessage(_ tool: String) -> String {
        "\(tool) is not installed: run scripts/setup (CI installs it)"
    }

    /// The tool's path as `which` finds it on PATH, or nil.
    func locate(_ tool: String) throws -> String? {
        let which = try launch(URL(fileURLWithPath: "/usr/bin/env"), ["which", tool])
        let path = which.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return which.status == 0 && !path.isEmpty ? path : nil
    }

    /// The lookup behind the "run scripts/setup" failure really reports a missing tool.
    /// Every tool these tests check the journals with is installed (a missing one fails here
    /// by name, not as a skip), and a tool that is not installed is not found.
    func testTheCheckingToolsAreInstalled() throws {
        XCTAssertNil(try locate("ratebook-no-such-tool"))
        for tool in ["hledger", "ledger", "bean-check"] {
            XCTAssertNotNil(try locate(tool), Self.missingToolMessage(tool))
        }
    }

    func launch(_ executable: URL, _ arguments: [String]) throws -> ToolRun {
        let folder = try temporaryFolder()
        let outputFile = folder.appendingPathComponent("stdout")
        let errorFile = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: outputFile)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        defer {
            try? outputHandle.close()
            try? errorHandle.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        environment["LC_ALL"] = "C.UTF-8"
        environment["LEDGER_FILE"] = nil
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()
        process.waitUntilExit()
        return ToolRun(
            status: process.terminationStatus,
            output: String(decoding: try Data(contentsOf: outputFile), as: UTF8.self),
            errors: String(decoding: try Data(contentsOf: errorFile), as: UTF8.self))
    }

    func expectSuccess(
        _ run: ToolRun, _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        XCTAssertEqual(
            run.status, 0, "\(what) failed:\n\(run.output)\(run.errors)", file: file, line: line)
    }
}

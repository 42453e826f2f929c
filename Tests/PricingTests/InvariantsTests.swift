import XCTest

@testable import Pricing

/// Issue 8, "Invariants": the self-checks pass on consistent results built by the real code,
/// and each one fails, naming what broke, when fed a deliberately broken value.
final class InvariantsTests: XCTestCase {
    let usd = Currency(code: "USD", minorUnitDigits: 2)

    func value(_ text: String) -> Rational {
        guard case .success(let parsed) = DecimalText.rational(text) else {
            XCTFail("bad literal \(text)")
            return .zero
        }
        return parsed
    }

    func money(_ text: String) throws -> Money {
        try Money(rounding: value(text), currency: usd, rule: .halfUp)
    }

    /// One plan `basic`: usage charge `api` at 0.50 per unit with a per-line minimum of 1.00.
    var catalog: Catalog {
        let api = UsageCharge(
            key: "api", meter: "calls", groupBy: [], filter: [],
            model: .perUnit(.single(value("0.50"))), freeQuantity: nil, divideBy: nil,
            roundQuantity: .none, minimum: value("1.00"), maximum: nil)
        let basic = Plan(
            key: "basic", currency: usd, charges: [.usage(api)], minimumCommitment: nil,
            includedCredits: nil)
        return Catalog(
            version: 1, seller: nil, currency: usd, rounding: .halfUp, currencies: [:],
            meters: ["calls": Meter(key: "calls", aggregation: .count, field: nil)],
            plans: ["basic": basic], accounts: AccountNames())
    }

    var month: YearMonth { YearMonth(year: 2026, month: 10)! }

    func customer(_ id: String) throws -> Customer {
        Customer(
            id: id, name: nil, address: nil, taxID: nil, timeZone: FixedOffsetZone.utc,
            anchorDay: nil, currency: nil, tax: nil, discounts: [],
            subscriptions: [
                Subscription(
                    plan: "basic", start: try XCTUnwrap(CivilDate(iso: "2026-01-01")), end: nil)
            ])
    }

    /// A rated `api` line of `customer` for `quantity` units, as the Rater makes it.
    func ratedLine(_ customer: String, quantity: String) throws -> RatedLine {
        let result = try Rater(catalog: catalog, month: month).rate(
            customers: [try self.customer(customer)],
            aggregates: [
                UsageAggregate(
                    customer: customer, plan: "basic", charge: "api", group: [],
                    quantity: value(quantity), events: 1)
            ])
        return try XCTUnwrap(result.lines.first)
    }

    /// A line like `line` with other amounts.
    func altered(_ line: RatedLine, exact: Rational, amount: Money) -> RatedLine {
        RatedLine(
            customer: line.customer, plan: line.plan, charge: line.charge, kind: line.kind,
            group: line.group, quantity: line.quantity, amountExact: exact, amount: amount,
            tiers: line.tiers)
    }

    func rateFailures(
        counts: LineCounts, reasons: [RejectReason] = [], lines: [RatedLine] = []
    ) -> [String] {
        do {
            var written: [RejectReason: Int64] = [:]
            for reason in reasons { written[reason, default: 0] += 1 }
            try RateInvariants.check(
                counts: counts, rejectRecords: written, lines: lines, catalog: catalog)
            return []
        } catch {
            return error.failures
        }
    }

    // MARK: rate

    func testConsistentRateResultsPass() throws {
        var counts = LineCounts()
        (counts.lines, counts.blank, counts.accepted, counts.duplicates) = (6, 1, 3, 1)
        counts.outOfPeriod = 1
        counts.rejected = [.malformedJSON: 1]
        // 7 × 0.50 = 3.50; 1 × 0.50 = 0.50 is raised to the minimum 1.00.
        let lines = [try ratedLine("c1", quantity: "7"), try ratedLine("c2", quantity: "1")]
        XCTAssertEqual(lines[1].amountExact, value("1.00"))
        XCTAssertEqual(rateFailures(counts: counts, reasons: [.malformedJSON], lines: lines), [])
    }

    func testCountsThatDoNotReconcileFail() {
        var counts = LineCounts()
        (counts.lines, counts.blank, counts.accepted, counts.duplicates) = (5, 1, 2, 1)
        XCTAssertEqual(
            rateFailures(counts: counts),
            [
                "counts: lines 5 != blank 1 + accepted 2 + duplicates 1 + superseded 0 "
                    + "+ rejected 0"
            ])
        counts.outOfPeriod = 3
        XCTAssertEqual(
            rateFailures(counts: counts).last, "counts: billed is negative (-1)")
    }

    func testRejectRecordsMustMatchRejectedCounts() {
        var counts = LineCounts()
        counts.lines = 2
        counts.rejected = [.unknownMeter: 2]
        XCTAssertEqual(
            rateFailures(counts: counts, reasons: [.unknownMeter]),
            ["rejects: 2 lines counted as unknown_meter but 1 reject records written"])
    }

    func testRatedAmountOtherThanItsTiersFails() throws {
        let line = try ratedLine("c1", quantity: "7")
        let broken = altered(line, exact: value("3.51"), amount: try money("3.51"))
        XCTAssertEqual(
            rateFailures(counts: LineCounts(), lines: [broken]),
            ["rated line c1/basic/api: exact amount 3.51 != tiers' sum 3.5 bounded to 3.5"])
    }

    func testRatedAmountNotRoundedFromItsExactAmountFails() throws {
        let line = try ratedLine("c1", quantity: "7")
        let broken = altered(line, exact: line.amountExact, amount: try money("3.49"))
        XCTAssertEqual(
            rateFailures(counts: LineCounts(), lines: [broken]),
            ["rated line c1/basic/api: amount 3.49 USD != exact 3.5 rounded to 3.50 USD"])
    }

    // MARK: invoice

    /// c1: one line of 3.50, a 2.00 grant applied in full; the journal built by the real code.
    func invoiceRun() throws -> (
        lines: [RatedLine], invoices: [Invoice], wallets: WalletBook, journal: [JournalTransaction]
    ) {
        let line = try ratedLine("c1", quantity: "7")
        let customer = try customer("c1")
        let builder = InvoiceBuilder(month: month, rounding: .halfUp)
        var wallets = WalletBook(month: month, opening: [])
        let grant = Grant(
            id: "g1", customer: "c1", instant: Instant(secondsSinceEpoch: 1_790_000_000),
            timestampText: "2026-09-21T13:33:20Z", amount: try money("2.00"), expires: nil,
            expiresText: nil, source: "purchase", priority: 0)
        try wallets.grant([grant])
        let period = customer.billingPeriod(startingIn: month)
        let draft = try builder.draft(customer: customer, lines: [line], number: 1, issueDate: nil)
        let credits = try wallets.apply(to: draft, at: period.range.end)
        let invoice = try builder.applying(credits: credits, to: draft)
        let journal = try JournalBuilder.transactions(
            invoices: [invoice], wallets: wallets, customers: [customer],
            accounts: AccountNames())
        return ([line], [invoice], wallets, journal)
    }

    func invoiceFailures(
        lines: [RatedLine], invoices: [Invoice], wallets: WalletBook,
        journal: [JournalTransaction]
    ) -> [String] {
        do {
            try InvoiceInvariants.check(
                ratedLines: lines, invoices: invoices, wallets: wallets, journal: journal,
                accounts: AccountNames())
            return []
        } catch {
            return error.failures
        }
    }

    func testConsistentInvoiceResultsPass() throws {
        let run = try invoiceRun()
        XCTAssertEqual(run.invoices[0].creditsApplied.description, "2.00")
        XCTAssertEqual(
            invoiceFailures(
                lines: run.lines, invoices: run.invoices, wallets: run.wallets,
                journal: run.journal), [])
    }

    func testInvoiceLinesDifferingFromTheRatedLinesFail() throws {
        let run = try invoiceRun()
        let extra = try ratedLine("c1", quantity: "1")
        XCTAssertEqual(
            invoiceFailures(
                lines: run.lines + [extra], invoices: run.invoices, wallets: run.wallets,
                journal: run.journal),
            ["invoice lines of c1 USD: 1 lines differ from the 2 rated lines read"])
    }

    func testInvoiceTotalsThatDoNotAddUpFail() throws {
        let run = try invoiceRun()
        let invoice = run.invoices[0]
        let broken = Invoice(
            invoiceID: invoice.invoiceID, number: invoice.number, customer: invoice.customer,
            period: invoice.period, issueDate: invoice.issueDate, currency: invoice.currency,
            lines: invoice.lines, subtotal: invoice.subtotal, discounts: invoice.discounts,
            tax: invoice.tax, total: try money("3.60"), creditsApplied: invoice.creditsApplied,
            amountDue: try money("1.60"))
        XCTAssertEqual(
            invoiceFailures(
                lines: run.lines, invoices: [broken], wallets: run.wallets, journal: run.journal),
            ["invoice inv_2026-10_c1 (USD): total is not subtotal + discounts + tax"])
    }

    func testUnbalancedJournalTransactionFails() throws {
        let run = try invoiceRun()
        var journal = run.journal
        let index = try XCTUnwrap(journal.firstIndex { $0.kind == .invoice })
        let original = journal[index]
        journal[index] = JournalTransaction(
            date: original.date, kind: original.kind, reference: original.reference,
            customer: original.customer, invoiceID: original.invoiceID,
            grantID: original.grantID, description: original.description,
            postings: original.postings + [
                Posting(account: "Income:Rounding", amount: Money(minorUnits: 1, currency: usd))
            ])
        XCTAssertEqual(
            invoiceFailures(
                lines: run.lines, invoices: run.invoices, wallets: run.wallets, journal: journal),
            ["journal: transaction inv_2026-10_c1 does not balance"])
    }

    func testJournalCreditsDifferingFromTheClosingWalletFail() throws {
        let run = try invoiceRun()
        let journal = run.journal.filter { $0.kind != .apply }
        XCTAssertEqual(
            invoiceFailures(
                lines: run.lines, invoices: run.invoices, wallets: run.wallets, journal: journal),
            ["journal: credits account of c1 USD != closing wallet"])
    }

    func testNegativeWalletBalanceFails() throws {
        let grant = Grant(
            id: "g0", customer: "c1", instant: Instant(secondsSinceEpoch: 1_780_000_000),
            timestampText: "2026-05-28T20:26:40Z", amount: try money("5.00"), expires: nil,
            expiresText: nil, source: "purchase", priority: 0)
        let wallets = WalletBook(
            month: month, opening: [WalletEntry(grant: grant, remaining: try money("-0.01"))])
        let journal = try JournalBuilder.transactions(
            invoices: [], wallets: wallets, customers: [try customer("c1")],
            accounts: AccountNames())
        XCTAssertEqual(
            invoiceFailures(lines: [], invoices: [], wallets: wallets, journal: journal),
            ["closing wallet c1 USD: grant g0 is negative"])
    }
}

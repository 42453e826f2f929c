import XCTest

@testable import Pricing

/// `JournalBuilder` on its own (issue 10: it had no unit tests): the postings of each kind of
/// movement, their dates and order, every transaction balanced.
final class JournalBuilderTests: XCTestCase {
    static let eur = Currency(code: "EUR", minorUnitDigits: 2)
    let october = YearMonth("2026-10")!

    func euros(_ cents: Int128) -> Money { Money(minorUnits: cents, currency: Self.eur) }

    func instant(_ text: String) -> Instant { RFC3339.parse(text)! }

    /// Berlin is UTC+2 in October until the 25th, then UTC+1: a fixed UTC+2 zone is enough
    /// to show local dates.
    let customer = Customer(
        id: "cus_1", name: nil, address: nil, taxID: nil,
        timeZone: FixedOffsetZone(identifier: "UTC+2", offsetSeconds: 7_200), anchorDay: nil,
        currency: JournalBuilderTests.eur, tax: nil, discounts: [], subscriptions: [])

    func line(_ charge: String, _ kind: LineKind, _ cents: Int128) -> RatedLine {
        RatedLine(
            customer: "cus_1", plan: "pro", charge: charge, kind: kind, group: [],
            quantity: Rational(1), amountExact: try! Rational(significand: cents, scale: 2),
            amount: euros(cents),
            tiers: [])
    }

    func grant(_ id: String, _ cents: Int128, source: String, expires: String? = nil) -> Grant {
        Grant(
            id: id, customer: "cus_1", instant: instant("2026-10-05T10:00:00Z"),
            timestampText: "2026-10-05T10:00:00Z", amount: euros(cents),
            expires: expires.map(instant), expiresText: expires, source: source, priority: 0)
    }

    /// Usage 400.00 and a fee 100.00 (500.00), a discount of 50.00, VAT 19 % of 450.00 =
    /// 85.50, total 535.50; a 30.00 opening balance, a purchased grant of 200.00, a
    /// promotional one of 10.00 expiring on 2026-10-20, and 230.00 applied.
    func testEveryKindOfMovement() throws {
        var book = WalletBook(
            month: october,
            opening: [
                WalletEntry(
                    grant: Grant(
                        id: "carried", customer: "cus_1", instant: instant("2026-09-01T00:00:00Z"),
                        timestampText: "2026-09-01T00:00:00Z", amount: euros(5_000),
                        expires: nil, expiresText: nil, source: "promotional", priority: 0),
                    remaining: euros(3_000))
            ])
        try book.grant([
            grant("bought", 20_000, source: "purchase"),
            grant("promo", 1_000, source: "promotional", expires: "2026-10-20T00:00:00Z"),
        ])
        let period = customer.billingPeriod(startingIn: october)
        try book.expire(customer: "cus_1", before: period.range.end)
        let invoice = Invoice(
            invoiceID: "inv_2026-10_cus_1", number: "2026-10-000001", customer: customer,
            period: period, issueDate: CivilDate(year: 2026, month: 10, day: 31)!,
            currency: Self.eur,
            lines: [line("api", .usage, 40_000), line("platform_fee", .recurring, 10_000)],
            subtotal: euros(50_000),
            discounts: [AppliedDiscount(key: "launch", amount: euros(-5_000))],
            tax: AppliedTax(
                name: "VAT", rate: try DecimalText.rational("0.19").get(), base: euros(45_000),
                amount: euros(8_550)),
            total: euros(53_550), creditsApplied: euros(23_000), amountDue: euros(30_550))
        XCTAssertEqual(try book.apply(to: invoice, at: period.range.end), euros(23_000))
        let journal = try JournalBuilder.transactions(
            invoices: [invoice], wallets: book, customers: [customer], accounts: AccountNames())
        XCTAssertTrue(journal.allSatisfy(\.isBalanced))
        func describe(_ transaction: JournalTransaction) -> String {
            "\(transaction.date) \(transaction.kind.rawValue): "
                + transaction.postings.map { "\($0.account) \($0.amount.minorUnits)" }
                .joined(separator: ", ")
        }
        XCTAssertEqual(
            journal.map(describe),
            [
                "2026-10-01 opening: Equity:Opening-Balances 3000, "
                    + "Liabilities:Credits:Cus-1 -3000",
                "2026-10-05 grant: Assets:Clearing:Payments 20000, "
                    + "Liabilities:Credits:Cus-1 -20000",
                "2026-10-05 grant: Expenses:Promotions 1000, Liabilities:Credits:Cus-1 -1000",
                "2026-10-20 expiry: Liabilities:Credits:Cus-1 1000, Income:Breakage -1000",
                "2026-10-31 invoice: Assets:Receivable:Cus-1 53550, "
                    + "Income:Usage:Api -40000, Income:Recurring:Platform-fee -10000, "
                    + "Income:Discounts 5000, Liabilities:Tax:VAT -8550",
                // Both applications whole: the carried 30.00 (not a purchase) is drawn before
                // the purchase; they are listed by reference.
                "2026-10-31 apply: Liabilities:Credits:Cus-1 20000, "
                    + "Assets:Receivable:Cus-1 -20000",
                "2026-10-31 apply: Liabilities:Credits:Cus-1 3000, "
                    + "Assets:Receivable:Cus-1 -3000",
            ])
        XCTAssertEqual(
            journal.map(\.reference),
            [
                "2026-10:cus_1:opening:EUR", "2026-10:cus_1:grant:bought",
                "2026-10:cus_1:grant:promo", "2026-10:cus_1:expiry:promo", "inv_2026-10_cus_1",
                "2026-10:cus_1:apply:bought", "2026-10:cus_1:apply:carried",
            ])
        XCTAssertEqual(
            book.transactions.filter { $0.kind == .apply }.map(\.grant.id), ["carried", "bought"],
            "the draw order")
    }
}

extension JournalBuilderTests {
    /// A credit note's transaction: the invoice's postings for the difference alone, balanced.
    func testCorrectionTransaction() throws {
        func value(_ text: String) -> Rational { DecimalText.exact(text)! }
        let key = { (charge: String, kind: String) in
            BillableLineKey(customer: "cus_1", plan: "pro", charge: charge, kind: kind, group: [])
        }
        // api fell by 36.00 and the fee vanished (-10.00): subtotal -46.00, the 10 % discount
        // +4.60, VAT 19 % of -41.40 = -7.87 (rounded on each side), total -49.27.
        let draft = CorrectionDraft(
            kind: .creditNote,
            lines: [
                LineChange(
                    key: key("api", "usage"), before: .absent, after: .absent,
                    quantityDelta: value("-90"), amountExactDelta: value("-36"),
                    amountDelta: value("-36")),
                LineChange(
                    key: key("platform_fee", "recurring"), before: .absent, after: nil,
                    quantityDelta: value("-1"), amountExactDelta: value("-10"),
                    amountDelta: value("-10")),
            ], subtotal: value("-46"), discounts: value("4.6"), tax: value("-7.87"),
            total: value("-49.27"))
        let transaction = try JournalBuilder.correctionTransaction(
            draft, number: "2026-10-C000001", corrects: "inv_2026-10_cus_1", customer: "cus_1",
            currency: Self.eur, taxName: "VAT", date: CivilDate(year: 2026, month: 11, day: 5)!,
            accounts: AccountNames())
        XCTAssertTrue(transaction.isBalanced)
        XCTAssertEqual(transaction.kind, .correction)
        XCTAssertEqual(transaction.reference, "2026-10-C000001")
        XCTAssertEqual(
            transaction.postings.map { "\($0.account) \($0.amount.minorUnits)" },
            [
                "Assets:Receivable:Cus-1 -4927", "Income:Usage:Api 3600",
                "Income:Recurring:Platform-fee 1000", "Income:Discounts -460",
                "Liabilities:Tax:VAT 787",
            ])
        // A difference that is not whole cents is a bug, said.
        let broken = CorrectionDraft(
            kind: .creditNote, lines: [], subtotal: .zero, discounts: .zero, tax: .zero,
            total: value("-0.005"))
        XCTAssertThrowsError(
            try JournalBuilder.correctionTransaction(
                broken, number: "2026-10-C000002", corrects: "i", customer: "cus_1",
                currency: Self.eur, taxName: nil,
                date: CivilDate(year: 2026, month: 11, day: 5)!, accounts: AccountNames())
        ) { error in
            XCTAssertEqual(
                "\(error)", "2026-10-C000002: -0.005 is not a whole number of EUR minor units")
        }
    }
}

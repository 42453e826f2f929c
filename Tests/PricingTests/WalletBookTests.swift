import XCTest

@testable import Pricing

/// `WalletBook` on its own (issue 10: it had no unit tests): the §7 draw order, expiry,
/// never below zero, balances before and after every movement, idempotency keys.
final class WalletBookTests: XCTestCase {
    static let usd = Currency(code: "USD", minorUnitDigits: 2)
    let october = YearMonth("2026-10")!

    func dollars(_ cents: Int128) -> Money { Money(minorUnits: cents, currency: Self.usd) }

    func instant(_ text: String) -> Instant { RFC3339.parse(text)! }

    func grant(
        _ id: String, _ cents: Int128, at ts: String = "2026-10-01T00:00:00Z",
        expires: String? = nil, source: String = "promotional", priority: Int = 0,
        customer: String = "cus_1"
    ) -> Grant {
        Grant(
            id: id, customer: customer, instant: instant(ts), timestampText: ts,
            amount: dollars(cents), expires: expires.map(instant), expiresText: expires,
            source: source, priority: priority)
    }

    let customer = Customer(
        id: "cus_1", name: nil, address: nil, taxID: nil, timeZone: FixedOffsetZone.utc,
        anchorDay: nil, currency: WalletBookTests.usd, tax: nil, discounts: [],
        subscriptions: [])

    /// An invoice of `cents` for cus_1 in October (only what `apply` reads matters).
    func invoice(_ cents: Int128) -> Invoice {
        Invoice(
            invoiceID: "inv_2026-10_cus_1", number: "2026-10-000001", customer: customer,
            period: customer.billingPeriod(startingIn: october),
            issueDate: CivilDate(year: 2026, month: 10, day: 31)!, currency: Self.usd,
            lines: [], subtotal: dollars(cents), discounts: [], tax: nil, total: dollars(cents),
            creditsApplied: dollars(0), amountDue: dollars(cents))
    }

    var periodEnd: Instant { instant("2026-11-01T00:00:00Z") }

    /// Priority first, then the soonest expiry (none last), then any source before
    /// `purchase`, then the earliest ts, then the id.
    func testDrawOrder() throws {
        var book = WalletBook(month: october, opening: [])
        try book.grant([
            grant("h_purchase", 100, source: "purchase"),
            grant("g_late", 100, at: "2026-10-02T00:00:00Z"),
            grant("f_early", 100),
            grant("e_no_expiry_purchase", 100, source: "purchase", priority: 0),
            grant("d_expires_dec", 100, expires: "2026-12-31T00:00:00Z"),
            grant("c_expires_nov", 100, expires: "2026-11-30T00:00:00Z"),
            grant("b_priority_1", 100, expires: "2026-11-02T00:00:00Z", priority: 1),
            grant("a_also_early", 100),
        ])
        let applied = try book.apply(to: invoice(750), at: periodEnd)
        XCTAssertEqual(applied, dollars(750))
        XCTAssertEqual(
            book.transactions.filter { $0.kind == .apply }.map(\.grant.id),
            [
                "c_expires_nov", "d_expires_dec", "a_also_early", "f_early", "g_late",
                "e_no_expiry_purchase", "h_purchase", "b_priority_1",
            ])
        XCTAssertEqual(
            book.transactions.filter { $0.kind == .apply }.map(\.amount.minorUnits),
            [-100, -100, -100, -100, -100, -100, -100, -50], "the last draw is partial")
    }

    /// Never below zero: a 250 invoice takes 250 of 400 of credits, and 150 stays.
    func testNeverBelowZeroAndBalances() throws {
        var book = WalletBook(
            month: october,
            opening: [
                WalletEntry(
                    grant: grant("old", 300, at: "2026-09-01T00:00:00Z"),
                    remaining: dollars(300))
            ])
        try book.grant([grant("new", 100)])
        XCTAssertEqual(book.openingBalances["cus_1"]?["USD"], dollars(300))
        let applied = try book.apply(to: invoice(250), at: periodEnd)
        XCTAssertEqual(applied, dollars(250))
        XCTAssertEqual(
            book.transactions.map {
                "\($0.kind.rawValue) \($0.grant.id) \($0.amount.minorUnits) "
                    + "\($0.balanceBefore.minorUnits)→\($0.balanceAfter.minorUnits)"
            },
            ["grant new 100 300→400", "apply old -250 400→150"])
        XCTAssertEqual(
            book.transactions.map(\.idempotencyKey),
            ["2026-10:cus_1:grant:new", "2026-10:cus_1:apply:old"])
        XCTAssertEqual(
            book.closingEntries.map { "\($0.grant.id) \($0.remaining.minorUnits)" },
            ["new 100", "old 50"])
        // An invoice of 1,000 takes only what is left.
        var second = book
        XCTAssertEqual(try second.apply(to: invoice(1_000), at: periodEnd), dollars(150))
        XCTAssertTrue(second.closingEntries.allSatisfy { $0.remaining.minorUnits == 0 })
    }

    /// Grants expiring before the period end are written off (soonest first); one expiring
    /// at the end, after it, or granted after it is not; a grant already known is not granted
    /// twice.
    func testExpiryAndWhatIsUsable() throws {
        var book = WalletBook(month: october, opening: [])
        try book.grant([
            grant("expires_mid", 100, expires: "2026-10-15T00:00:00Z"),
            grant("expires_early", 100, expires: "2026-10-10T00:00:00Z"),
            grant("expires_at_end", 100, expires: "2026-11-01T00:00:00Z"),
            grant("granted_after", 100, at: "2026-11-02T00:00:00Z"),
        ])
        try book.grant([grant("expires_mid", 999)])
        XCTAssertEqual(book.transactions.count, 4, "a known grant id is not granted again")
        try book.expire(customer: "cus_1", before: periodEnd)
        XCTAssertEqual(
            book.transactions.filter { $0.kind == .expiry }.map {
                "\($0.grant.id) \($0.amount.minorUnits) at its expiry: "
                    + "\($0.instant == $0.grant.expires)"
            },
            ["expires_early -100 at its expiry: true", "expires_mid -100 at its expiry: true"])
        XCTAssertEqual(try book.apply(to: invoice(500), at: periodEnd), dollars(100))
        XCTAssertEqual(
            book.transactions.filter { $0.kind == .apply }.map(\.grant.id), ["expires_at_end"])
    }
}

extension WalletBookTests {
    /// A finalized invoice's re-run applies exactly the credits first applied, not more.
    func testApplyUpToTheIssuedCredits() throws {
        var book = WalletBook(month: october, opening: [])
        try book.grant([grant("a", 500), grant("b", 500)])
        XCTAssertEqual(
            try book.apply(upTo: dollars(700), to: invoice(2_000), at: periodEnd), dollars(700))
        XCTAssertEqual(
            book.closingEntries.map { "\($0.grant.id) \($0.remaining.minorUnits)" },
            ["a 0", "b 300"])
        var small = WalletBook(month: october, opening: [])
        try small.grant([grant("a", 500)])
        XCTAssertEqual(
            try small.apply(upTo: dollars(700), to: invoice(300), at: periodEnd), dollars(300),
            "never more than the invoice's total")
    }
}

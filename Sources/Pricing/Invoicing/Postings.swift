/// One leg of a double-entry transaction: positive is a debit, negative a credit.
public struct Posting: Hashable, Sendable {
    public let account: String
    public let amount: Money
}

/// What a journal transaction records.
public enum JournalKind: String, Sendable, CaseIterable {
    /// The wallet balances carried in from the previous period.
    case opening
    case grant
    case expiry
    case invoice
    case apply
    /// A credit note or a supplementary invoice (SPEC §9): the difference to an issued invoice.
    case correction

    /// Order within one day and customer: carried balances, then grants, expiries, the
    /// invoice, the credits applied to it, and its corrections.
    var rank: Int {
        switch self {
        case .opening: return 0
        case .grant: return 1
        case .expiry: return 2
        case .invoice: return 3
        case .apply: return 4
        case .correction: return 5
        }
    }
}

/// One balanced journal transaction (SPEC §8.3).
public struct JournalTransaction: Sendable {
    /// The customer's local date of the movement.
    public let date: CivilDate
    public let kind: JournalKind
    /// The invoice id, or the wallet transaction's idempotency key (or `opening:<customer>:…`).
    public let reference: String
    public let customer: String
    /// The invoice this movement belongs to, if any.
    public let invoiceID: String?
    /// The grant moved, for wallet movements.
    public let grantID: String?
    public let description: String
    /// Debits and credits; they sum to zero per currency.
    public let postings: [Posting]

    /// Whether the postings sum to exactly zero in each currency, in minor units.
    public var isBalanced: Bool {
        var sums: [String: Int128] = [:]
        for posting in postings {
            sums[posting.amount.currency.code, default: 0] += posting.amount.minorUnits
        }
        return sums.values.allSatisfy { $0 == 0 }
    }
}

extension AccountNames {
    /// The receivable account of a customer: `Assets:Receivable:Cus-1` for `cus_1`.
    public func receivable(_ customer: String) -> String {
        receivable + ":" + AccountNames.component(customer)
    }

    /// The credit-wallet liability of a customer: `Liabilities:Credits:Cus-1` for `cus_1`.
    public func credits(_ customer: String) -> String {
        credits + ":" + AccountNames.component(customer)
    }

    /// The income account of a rated line: its charge under the usage or recurring root, or
    /// the minimum true-up account.
    public func income(for line: RatedLine) -> String {
        switch line.kind {
        case .usage: return usageIncome + ":" + AccountNames.component(line.charge)
        case .recurring:
            return recurringIncome + ":" + AccountNames.component(line.charge)
        case .minimumTrueUp: return minimumIncome
        }
    }

    /// The liability account of a tax name: `Liabilities:Tax:VAT` for `VAT`.
    public func tax(_ name: String) -> String {
        tax + ":" + AccountNames.component(name)
    }
}

/// Turns invoices and wallet movements into balanced journal transactions.
public enum JournalBuilder {
    /// Every transaction of the run, sorted by date, customer, kind, reference. `corrections`
    /// are the correction documents' transactions (`correctionTransaction`), sorted in.
    public static func transactions(
        invoices: [Invoice], wallets: WalletBook, customers: [Customer], accounts: AccountNames,
        corrections: [JournalTransaction] = []
    ) throws -> [JournalTransaction] {
        var zones: [String: any TimeZoneRules] = [:]
        var periodStarts: [String: CivilDate] = [:]
        var lastDays: [String: CivilDate] = [:]
        for customer in customers {
            zones[customer.id] = customer.timeZone
            let period = customer.billingPeriod(startingIn: wallets.month)
            periodStarts[customer.id] = period.startDate
            lastDays[customer.id] = period.endDate.adding(days: -1)
        }
        func localDate(_ customer: String, _ instant: Instant) -> CivilDate {
            (zones[customer] ?? FixedOffsetZone.utc).localDate(at: instant)
        }
        var result: [JournalTransaction] = []
        for (customer, balances) in wallets.openingBalances {
            for (code, balance) in balances where balance.minorUnits != 0 {
                result.append(
                    JournalTransaction(
                        date: periodStarts[customer] ?? wallets.month.clampedDate(day: 1),
                        kind: .opening, reference: "\(wallets.month):\(customer):opening:\(code)",
                        customer: customer, invoiceID: nil, grantID: nil,
                        description: "Credits carried in for \(customer)",
                        postings: [
                            Posting(account: accounts.openingBalances, amount: balance),
                            Posting(account: accounts.credits(customer), amount: balance.negated),
                        ]))
            }
        }
        for invoice in invoices {
            result.append(try invoiceTransaction(invoice, accounts: accounts))
        }
        for movement in wallets.transactions where movement.amount.minorUnits != 0 {
            let customer = movement.customer
            let postings: [Posting]
            let kind: JournalKind
            let description: String
            switch movement.kind {
            case .grant:
                kind = .grant
                let funding =
                    movement.grant.source == "purchase" ? accounts.payments : accounts.promotions
                postings = [
                    Posting(account: funding, amount: movement.amount),
                    Posting(account: accounts.credits(customer), amount: movement.amount.negated),
                ]
                description = "Credits granted (\(movement.grant.source)) \(movement.grant.id)"
            case .apply:
                kind = .apply
                postings = [
                    Posting(account: accounts.credits(customer), amount: movement.amount.negated),
                    Posting(account: accounts.receivable(customer), amount: movement.amount),
                ]
                description = "Credits applied to \(movement.invoiceID ?? "")"
            case .expiry:
                kind = .expiry
                postings = [
                    Posting(account: accounts.credits(customer), amount: movement.amount.negated),
                    Posting(account: accounts.breakage, amount: movement.amount),
                ]
                description = "Credits expired \(movement.grant.id)"
            }
            // Credits are applied at the period's end instant, which is the next period's
            // first local day; the application belongs to the invoice it pays, so it is dated
            // with it, on the period's last local day (a period's books then hold its whole
            // run: `hledger bal -p 2026-10` shows the amount due).
            let date =
                movement.kind == .apply
                ? lastDays[customer] ?? localDate(customer, movement.instant)
                : localDate(customer, movement.instant)
            result.append(
                JournalTransaction(
                    date: date, kind: kind,
                    reference: movement.idempotencyKey, customer: customer,
                    invoiceID: movement.invoiceID, grantID: movement.grant.id,
                    description: description, postings: postings))
        }
        result += corrections
        for transaction in result {
            precondition(
                transaction.isBalanced, "journal transaction \(transaction.reference) must balance")
        }
        return result.sorted { left, right in
            if left.date != right.date { return left.date < right.date }
            if left.customer != right.customer {
                return left.customer.utf8.lexicographicallyPrecedes(right.customer.utf8)
            }
            if left.kind != right.kind { return left.kind.rank < right.kind.rank }
            return left.reference.utf8.lexicographicallyPrecedes(right.reference.utf8)
        }
    }

    /// The invoice: receivable debited with the total; income per account, discounts and tax.
    /// Postings to one account are summed; zero postings are left out.
    static func invoiceTransaction(
        _ invoice: Invoice, accounts: AccountNames
    ) throws
        -> JournalTransaction
    {
        let currency = invoice.currency
        var order: [String] = []
        var sums: [String: Money] = [:]
        func post(_ account: String, _ amount: Money) throws {
            if sums[account] == nil { order.append(account) }
            sums[account] = try (sums[account] ?? .zero(currency)) + amount
        }
        try post(accounts.receivable(invoice.customer.id), invoice.total)
        for line in invoice.lines { try post(accounts.income(for: line), line.amount.negated) }
        for discount in invoice.discounts { try post(accounts.discounts, discount.amount.negated) }
        if let tax = invoice.tax { try post(accounts.tax(tax.name), tax.amount.negated) }
        let postings = order.compactMap { account -> Posting? in
            let amount = sums[account]!
            return amount.minorUnits == 0 ? nil : Posting(account: account, amount: amount)
        }
        // Dated on the period's last local day: `--as-of` only changes the printed issue date
        // (SPEC §11), never the books.
        return JournalTransaction(
            date: invoice.period.endDate.adding(days: -1), kind: .invoice,
            reference: invoice.invoiceID,
            customer: invoice.customer.id, invoiceID: invoice.invoiceID, grantID: nil,
            description: "Invoice \(invoice.number) \(invoice.customer.id)", postings: postings)
    }

    /// A correction document's transaction: the invoice's postings for the difference alone.
    /// The receivable moves by the correction's total (down for a credit note: the amount goes
    /// back to the customer's receivable, not to the wallet), each line's income account by
    /// its amount difference, the discounts and the tax by theirs (`taxName` is the corrected
    /// invoice's tax, nil without one). Balanced by construction: the total is the subtotal,
    /// discounts and tax, and the subtotal the lines' sum. Throws `CorrectionAmountError` when
    /// a difference is not a whole number of minor units (never, for a correction of rounded
    /// figures: a bug), `ArithmeticError` on overflow. The description names `invoiceNumber`
    /// (the number printed on the corrected invoice) when given, else `invoiceID`.
    public static func correctionTransaction(
        _ draft: CorrectionDraft, number: String, corrects invoiceID: String, customer: String,
        currency: Currency, taxName: String?, date: CivilDate, accounts: AccountNames,
        invoiceNumber: String? = nil
    ) throws -> JournalTransaction {
        func money(_ value: Rational) throws -> Money {
            let minor = try value.significand(atScale: currency.minorUnitDigits, rule: .down)
            guard try Rational(significand: minor, scale: currency.minorUnitDigits) == value else {
                throw CorrectionAmountError(
                    description: "\(number): \(value) is not a whole number of \(currency.code) "
                        + "minor units")
            }
            return Money(minorUnits: minor, currency: currency)
        }
        var order: [String] = []
        var sums: [String: Money] = [:]
        func post(_ account: String, _ amount: Money) throws {
            if sums[account] == nil { order.append(account) }
            sums[account] = try (sums[account] ?? .zero(currency)) + amount
        }
        try post(accounts.receivable(customer), try money(draft.total))
        for line in draft.lines {
            let account: String
            switch LineKind(rawValue: line.key.kind) ?? .usage {
            case .usage:
                account = accounts.usageIncome + ":"
                    + AccountNames.component(line.key.charge)
            case .recurring:
                account = accounts.recurringIncome + ":"
                    + AccountNames.component(line.key.charge)
            case .minimumTrueUp: account = accounts.minimumIncome
            }
            try post(account, try money(line.amountDelta).negated)
        }
        try post(accounts.discounts, try money(draft.discounts).negated)
        if let taxName { try post(accounts.tax(taxName), try money(draft.tax).negated) }
        let postings = order.compactMap { account -> Posting? in
            let amount = sums[account]!
            return amount.minorUnits == 0 ? nil : Posting(account: account, amount: amount)
        }
        let kind = draft.kind == .creditNote ? "Credit note" : "Supplementary invoice"
        return JournalTransaction(
            date: date, kind: .correction, reference: number, customer: customer,
            invoiceID: invoiceID, grantID: nil,
            description: "\(kind) \(number) \(customer) (corrects \(invoiceNumber ?? invoiceID))",
            postings: postings)
    }
}

/// A correction whose difference is not a whole number of minor units: a bug, never an input.
public struct CorrectionAmountError: Error, CustomStringConvertible {
    public let description: String
}

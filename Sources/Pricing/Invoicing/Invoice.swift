/// A percent discount as applied to one invoice.
public struct AppliedDiscount: Hashable, Sendable {
    public let key: String
    /// Negative: the amount taken off the subtotal.
    public let amount: Money

    /// A discount as the builder computes it, or as a document states it.
    public init(key: String, amount: Money) {
        self.key = key
        self.amount = amount
    }
}

/// The tax of one invoice: computed once, on the discounted subtotal.
public struct AppliedTax: Hashable, Sendable {
    public let name: String
    public let rate: Rational
    public let base: Money
    public let amount: Money

    /// A tax as the builder computes it, or as a document states it.
    public init(name: String, rate: Rational, base: Money, amount: Money) {
        self.name = name
        self.rate = rate
        self.base = base
        self.amount = amount
    }
}

/// One customer's invoice for a period (SPEC §8.2). Every figure adds up to the minor unit:
/// `subtotal = Σ lines`, `base = subtotal + Σ discounts`, `total = base + tax`,
/// `amountDue = total - creditsApplied`.
public struct Invoice: Sendable {
    public let invoiceID: String
    public let number: String
    public let customer: Customer
    public let period: BillingPeriod
    public let issueDate: CivilDate
    public let currency: Currency
    /// Sorted by plan, charge, group.
    public let lines: [RatedLine]
    public let subtotal: Money
    public let discounts: [AppliedDiscount]
    public let tax: AppliedTax?
    public let total: Money
    public let creditsApplied: Money
    public let amountDue: Money

    /// An invoice as its document states it: what the issued store reads back. Nothing is
    /// recomputed; `InvoiceInvariants` checks that it adds up.
    public init(
        invoiceID: String, number: String, customer: Customer, period: BillingPeriod,
        issueDate: CivilDate, currency: Currency, lines: [RatedLine], subtotal: Money,
        discounts: [AppliedDiscount], tax: AppliedTax?, total: Money, creditsApplied: Money,
        amountDue: Money
    ) {
        self.invoiceID = invoiceID
        self.number = number
        self.customer = customer
        self.period = period
        self.issueDate = issueDate
        self.currency = currency
        self.lines = lines
        self.subtotal = subtotal
        self.discounts = discounts
        self.tax = tax
        self.total = total
        self.creditsApplied = creditsApplied
        self.amountDue = amountDue
    }

    /// The subtotal after discounts: the tax base.
    public var discountedSubtotal: Money {
        (try? discounts.reduce(subtotal) { try $0 + $1.amount }) ?? subtotal
    }
}

/// Builds invoices from rated lines (pure; no wallets: credits are applied by `WalletBook`).
public struct InvoiceBuilder {
    public let month: YearMonth
    public let rounding: RoundingRule

    public init(month: YearMonth, rounding: RoundingRule) {
        self.month = month
        self.rounding = rounding
    }

    /// The invoice id of a customer's period: `inv_<period>_<customer>`.
    public func invoiceID(customer: String) -> String { "inv_\(month)_\(customer)" }

    /// `<period>-<6 digits>`.
    public func number(_ value: Int) -> String {
        let digits = String(value)
        return "\(month)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// The invoice before credits: lines, subtotal, discounts, tax and total.
    public func draft(
        customer: Customer, lines: [RatedLine], number: Int, issueDate: CivilDate?
    ) throws -> Invoice {
        precondition(!lines.isEmpty, "an invoice needs at least one line")
        let currency = lines[0].currency
        precondition(lines.allSatisfy { $0.currency == currency }, "one currency per invoice")
        let period = customer.billingPeriod(startingIn: month)
        // Each step names the customer and its numbers when it overflows (`AmountOverflow`).
        func overflow(_ computation: String, _ error: ArithmeticError) -> AmountOverflow {
            AmountOverflow(
                customer: customer.id, plan: nil, charge: nil, computation: computation,
                cause: error)
        }
        var subtotal = Money.zero(currency)
        for line in lines {
            do {
                subtotal = try subtotal + line.amount
            } catch let error as ArithmeticError {
                throw overflow(
                    "the subtotal (adding \(line.amount) \(currency.code) of plan "
                        + "\"\(line.plan)\", charge \"\(line.charge)\" to \(subtotal) "
                        + "\(currency.code))", error)
            }
        }
        // Each active discount applies to the subtotal (not compounding), rounded once as the
        // negative number it is; the discounted subtotal never goes below zero.
        var discounts: [AppliedDiscount] = []
        var remaining = subtotal
        for discount in customer.discounts where discount.applies(to: period) {
            do {
                let exact = try subtotal.exact * discount.percent / Rational(100)
                var amount = try Money(rounding: exact.negated, currency: currency, rule: rounding)
                if try (remaining + amount).minorUnits < 0 { amount = remaining.negated }
                remaining = try remaining + amount
                discounts.append(AppliedDiscount(key: discount.key, amount: amount))
            } catch let error as ArithmeticError {
                throw overflow(
                    "discount \(discount.key) of \(discount.percent) % on \(subtotal) "
                        + currency.code, error)
            }
        }
        var tax: AppliedTax?
        var total = remaining
        if let customerTax = customer.tax {
            do {
                let amount = try Money(
                    rounding: try remaining.exact * customerTax.rate, currency: currency,
                    rule: rounding)
                tax = AppliedTax(
                    name: customerTax.name, rate: customerTax.rate, base: remaining, amount: amount)
                total = try remaining + amount
            } catch let error as ArithmeticError {
                throw overflow(
                    "tax \(customerTax.name) at rate \(customerTax.rate) on \(remaining) "
                        + currency.code, error)
            }
        }
        return Invoice(
            invoiceID: invoiceID(customer: customer.id), number: self.number(number),
            customer: customer, period: period,
            issueDate: issueDate ?? period.endDate.adding(days: -1), currency: currency,
            lines: sortedByKey(lines, \.sortKey), subtotal: subtotal,
            discounts: discounts, tax: tax, total: total, creditsApplied: .zero(currency),
            amountDue: total)
    }

    /// The same invoice with `credits` applied (at most its total).
    public func applying(credits: Money, to invoice: Invoice) throws -> Invoice {
        precondition(credits.minorUnits <= invoice.total.minorUnits, "credits beyond the total")
        precondition(credits.minorUnits >= 0, "credits are never negative")
        return Invoice(
            invoiceID: invoice.invoiceID, number: invoice.number, customer: invoice.customer,
            period: invoice.period, issueDate: invoice.issueDate, currency: invoice.currency,
            lines: invoice.lines, subtotal: invoice.subtotal, discounts: invoice.discounts,
            tax: invoice.tax, total: invoice.total, creditsApplied: credits,
            amountDue: try invoice.total - credits)
    }
}

extension Discount {
    /// Whether `[from, until]` (inclusive local dates) meets any day of the period.
    public func applies(to period: BillingPeriod) -> Bool {
        let lastDay = period.endDate.adding(days: -1)
        if let from, lastDay < from { return false }
        if let until, until < period.startDate { return false }
        return true
    }
}


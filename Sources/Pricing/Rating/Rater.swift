/// An included-credits grant produced by rating, for the invoice stage (SPEC §11).
public struct IncludedCredit: Sendable {
    public let id: String
    public let customer: String
    public let plan: String
    public let amount: Money
    public let start: Instant
    public let end: Instant
    public let startOffsetSeconds: Int
    public let endOffsetSeconds: Int
}

/// Everything rating produced for the period.
public struct RatingResult: Sendable {
    /// Sorted by customer, plan, charge, group.
    public let lines: [RatedLine]
    /// Sorted by customer, then plan.
    public let includedCredits: [IncludedCredit]
}

/// Prices a period's usage aggregates and recurring fees (SPEC §5, §11 "Pricing").
public struct Rater {
    public let catalog: Catalog
    public let month: YearMonth

    public init(catalog: Catalog, month: YearMonth) {
        self.catalog = catalog
        self.month = month
    }

    /// Rates every customer. `aggregates` must come from the same catalog and month.
    public func rate(customers: [Customer], aggregates: [UsageAggregate]) throws -> RatingResult {
        var byCustomer: [String: [UsageAggregate]] = [:]
        for aggregate in aggregates {
            byCustomer[aggregate.customer, default: []].append(aggregate)
        }
        var lines: [RatedLine] = []
        var credits: [IncludedCredit] = []
        for customer in customers {
            let period = customer.billingPeriod(startingIn: month)
            let active = customer.activeSubscriptions(in: period)
            var customerLines: [RatedLine] = []
            for aggregate in byCustomer[customer.id] ?? [] {
                customerLines.append(try usageLine(aggregate))
            }
            // Plans in key order; a plan subscribed twice in one period counts its days once each.
            let planKeys = Set(active.map(\.plan)).sorted {
                $0.utf8.lexicographicallyPrecedes($1.utf8)
            }
            for planKey in planKeys {
                guard let plan = catalog.plans[planKey] else { continue }
                let spans = active.filter { $0.plan == planKey }
                for case .recurring(let charge) in plan.charges {
                    let line: RatedLine?
                    do {
                        line = try recurringLine(
                            charge, plan: plan, customer: customer, period: period, spans: spans)
                    } catch let error as ArithmeticError {
                        throw AmountOverflow(
                            customer: customer.id, plan: planKey, charge: charge.key,
                            computation: "amount \(charge.amount) over the period's occurrences",
                            cause: error)
                    }
                    if let line { customerLines.append(line) }
                }
                if let commitment = plan.minimumCommitment {
                    var planTotal = Money.zero(plan.currency)
                    for line in customerLines where line.plan == planKey {
                        do {
                            planTotal = try planTotal + line.amount
                        } catch let error as ArithmeticError {
                            throw AmountOverflow(
                                customer: customer.id, plan: planKey, charge: nil,
                                computation: "the plan's total for minimum_commitment "
                                    + "\(commitment) (adding \(line.amount) to \(planTotal))",
                                cause: error)
                        }
                    }
                    let shortfall: Rational
                    do {
                        shortfall = try commitment - planTotal.exact
                    } catch let error as ArithmeticError {
                        throw AmountOverflow(
                            customer: customer.id, plan: planKey, charge: nil,
                            computation: "minimum_commitment \(commitment) minus the plan's total "
                                + "\(planTotal)",
                            cause: error)
                    }
                    if shortfall > .zero {
                        customerLines.append(
                            RatedLine(
                                customer: customer.id, plan: planKey,
                                charge: Rater.trueUpCharge, kind: .minimumTrueUp, group: [],
                                quantity: .one, amountExact: shortfall,
                                amount: try Money(
                                    rounding: shortfall, currency: plan.currency,
                                    rule: catalog.rounding),
                                tiers: [
                                    TierAmount(
                                        quantity: .one, unitPrice: shortfall, amount: shortfall,
                                        flatPrice: nil)
                                ]))
                    }
                }
                if let included = plan.includedCredits, included > .zero {
                    credits.append(
                        IncludedCredit(
                            id: "included_\(month)_\(customer.id)_\(planKey)",
                            customer: customer.id,
                            plan: planKey,
                            amount: try Money(
                                rounding: included, currency: plan.currency,
                                rule: catalog.rounding),
                            start: period.range.start, end: period.range.end,
                            startOffsetSeconds: period.startOffsetSeconds,
                            endOffsetSeconds: period.endOffsetSeconds))
                }
            }
            lines += customerLines
        }
        lines = sortedByKey(lines, \.sortKey)
        // Grants were appended in the caller's customer order; sort them by the documented key
        // (customer, then plan, byte order like the lines) so output never depends on it.
        credits.sort { left, right in
            if left.customer != right.customer {
                return left.customer.utf8.lexicographicallyPrecedes(right.customer.utf8)
            }
            return left.plan.utf8.lexicographicallyPrecedes(right.plan.utf8)
        }
        return RatingResult(lines: lines, includedCredits: credits)
    }

    /// The charge key of a plan's minimum-commitment true-up line; reserved in catalogs.
    public static let trueUpCharge = "minimum_true_up"

    /// Prices one aggregate; an overflow is thrown as `AmountOverflow` naming the line, its
    /// quantity and its prices.
    func usageLine(_ aggregate: UsageAggregate) throws -> RatedLine {
        guard let plan = catalog.plans[aggregate.plan],
            case .usage(let charge)? = plan.charges.first(where: { $0.key == aggregate.charge })
        else { preconditionFailure("aggregate names a usage charge the catalog lacks") }
        var groupValues: [String: String] = [:]
        for dimension in aggregate.group { groupValues[dimension.key] = dimension.value }
        if case .percentage(let fee) = charge.model {
            return try percentageLine(aggregate, fee: fee, charge: charge, plan: plan)
        }
        do {
            let priced: (quantity: Rational, tiers: [TierAmount], exact: Rational, amount: Money)
            if case .dynamic = charge.model {
                priced = try Rater.priceDynamic(
                    quantity: aggregate.quantity, events: aggregate.events,
                    amount: aggregate.amount ?? .zero, charge: charge, currency: plan.currency,
                    rounding: catalog.rounding)
            } else {
                priced = try Rater.price(
                    aggregate.quantity, charge: charge, group: groupValues,
                    currency: plan.currency, rounding: catalog.rounding)
            }
            return RatedLine(
                customer: aggregate.customer, plan: plan.key, charge: charge.key, kind: .usage,
                group: aggregate.group, quantity: priced.quantity, amountExact: priced.exact,
                amount: priced.amount, tiers: priced.tiers)
        } catch let error as ArithmeticError {
            throw AmountOverflow(
                customer: aggregate.customer, plan: plan.key, charge: charge.key,
                group: aggregate.group,
                computation: aggregate.amount != nil
                    ? "the amounts of \(aggregate.events) events, summing to "
                        + "\(aggregate.amount ?? .zero), times "
                        + charge.model.priceSummary(for: groupValues)
                    : "quantity \(aggregate.quantity) priced by "
                        + charge.model.priceSummary(for: groupValues),
                cause: error)
        }
    }

    /// A `percentage` line (SPEC §13.2): the rows from the events' sum, count and bounded fees,
    /// the line's `minimum`/`maximum`, rounded once. The quantity is the meter's sum (the model
    /// allows no transforms).
    func percentageLine(
        _ aggregate: UsageAggregate, fee: PercentageFee, charge: UsageCharge, plan: Plan
    ) throws -> RatedLine {
        do {
            let tiers = try PriceModels.percentage(
                fee, quantity: aggregate.quantity, events: aggregate.events,
                adjustments: aggregate.percentage ?? .none)
            let exact = PriceModels.bounded(
                try PriceModels.total(tiers), minimum: charge.minimum, maximum: charge.maximum)
            return RatedLine(
                customer: aggregate.customer, plan: plan.key, charge: charge.key, kind: .usage,
                group: aggregate.group, quantity: aggregate.quantity, amountExact: exact,
                amount: try Money(rounding: exact, currency: plan.currency, rule: catalog.rounding),
                tiers: tiers)
        } catch let error as ArithmeticError {
            throw AmountOverflow(
                customer: aggregate.customer, plan: plan.key, charge: charge.key,
                group: aggregate.group,
                computation: "the fees of \(aggregate.events) events of quantity "
                    + "\(aggregate.quantity) in all priced by \(fee.summary)",
                cause: error)
        }
    }

    /// The pricing steps of a usage line (transform the quantity, price it, bound it, round it
    /// to the currency), shared with the catalog's load-time check of the largest quantity.
    public static func price(
        _ quantity: Rational, charge: UsageCharge, group: [String: String], currency: Currency,
        rounding: RoundingRule
    ) throws -> (quantity: Rational, tiers: [TierAmount], exact: Rational, amount: Money) {
        let transformed = try PriceModels.transform(quantity, charge: charge)
        let tiers = try PriceModels.breakdown(
            transformed, model: charge.model, group: group,
            flatPriceAtZero: charge.flatPriceAtZero)
        let exact = PriceModels.bounded(
            try PriceModels.total(tiers), minimum: charge.minimum, maximum: charge.maximum)
        let amount = try Money(rounding: exact, currency: currency, rule: rounding)
        return (transformed, tiers, exact, amount)
    }

    func recurringLine(
        _ charge: RecurringCharge, plan: Plan, customer: Customer, period: BillingPeriod,
        spans: [ActiveSubscription]
    ) throws -> RatedLine? {
        var occurrences = 0
        var tiers: [TierAmount] = []
        switch charge.schedule {
        case .monthly:
            occurrences = 1
            if charge.prorate {
                let activeDays = spans.reduce(0) { $0 + $1.dayCount }
                let share = try Rational(
                    numerator: Int128(activeDays), denominator: Int128(period.dayCount))
                tiers = [
                    TierAmount(
                        quantity: share, unitPrice: charge.amount,
                        amount: try share * charge.amount, flatPrice: nil)
                ]
            }
        default:
            for span in spans {
                occurrences += charge.schedule.occurrenceCount(
                    from: span.startDate, to: span.endDate, zone: customer.timeZone)
            }
            if occurrences == 0 { return nil }
        }
        let count = Rational(occurrences)
        if tiers.isEmpty {
            tiers = [
                TierAmount(
                    quantity: count, unitPrice: charge.amount, amount: try count * charge.amount,
                    flatPrice: nil)
            ]
        }
        let exact = PriceModels.bounded(
            try PriceModels.total(tiers), minimum: charge.minimum, maximum: charge.maximum)
        return RatedLine(
            customer: customer.id, plan: plan.key, charge: charge.key, kind: .recurring,
            group: [], quantity: count, amountExact: exact,
            amount: try Money(rounding: exact, currency: plan.currency, rule: catalog.rounding),
            tiers: tiers)
    }
}

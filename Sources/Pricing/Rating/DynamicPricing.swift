/// `dynamic` pricing (SPEC §13.1): events carry their own price; a line bills the sum of its
/// events' amounts times the charge's markup.
extension PriceModels {
    /// The one breakdown row of a dynamic line: `quantity` is the number of events, `amount` the
    /// sum of their amounts (before the markup), `markup` the charge's. At zero events it is
    /// the row `{ quantity 0, amount 0, markup }` (SPEC §13.5: always one row).
    public static func dynamicRow(events: Int64, amount: Rational, markup: Rational) -> TierAmount {
        TierAmount(
            quantity: Rational(Int128(events)), unitPrice: nil, amount: amount, flatPrice: nil,
            markup: markup)
    }
}

extension TierAmount {
    /// What this row adds to its line's exact amount before the line's minimum and maximum: its
    /// amount, times its markup on a `dynamic` row (whose amount is the pass-through sum).
    public func lineShare() throws -> Rational {
        guard let markup else { return amount }
        return try amount * markup
    }
}

extension Rater {
    /// The pricing steps of a `dynamic` line: one row of the events' count and amount sum, the
    /// exact amount `amount × markup` bounded by the line's minimum and maximum, rounded once.
    /// `quantity` is the meter's aggregate, reported as the line's quantity (no transforms:
    /// the catalog refuses them with `dynamic`).
    public static func priceDynamic(
        quantity: Rational, events: Int64, amount: Rational, charge: UsageCharge,
        currency: Currency, rounding: RoundingRule
    ) throws -> (quantity: Rational, tiers: [TierAmount], exact: Rational, amount: Money) {
        guard case .dynamic(let markup) = charge.model else {
            preconditionFailure("priceDynamic prices dynamic charges only")
        }
        let row = PriceModels.dynamicRow(events: events, amount: amount, markup: markup)
        let exact = PriceModels.bounded(
            try row.lineShare(), minimum: charge.minimum, maximum: charge.maximum)
        let money = try Money(rounding: exact, currency: currency, rule: rounding)
        return (quantity, [row], exact, money)
    }
}

import Pricing
import Yams

/// The `percentage` model's keys and checks (SPEC §13.2, §13.5), beside the loader's other
/// models in `CatalogLoader.swift`.
extension CatalogBuilder {
    /// The keys only a `percentage` charge has.
    static let percentageKeys: Set<String> = ["rate", "fixed_fee", "event_minimum", "event_maximum"]

    /// A `percentage` charge's terms: `rate` (a percent, at most 6 fractional digits), optional
    /// `fixed_fee`, `event_minimum` and `event_maximum` (prices: at most 12 fractional digits),
    /// all ≥ 0, the minimum not above the maximum, on a `sum` meter. Every problem is listed.
    func percentage(
        _ node: Node, _ fields: [String: Node], _ path: String, meter: Meter?
    ) -> PricingModel? {
        var valid = true
        if let meter, meter.aggregation != .sum {
            reader.fail(
                fields["model"], path + ".model",
                "percentage prices each event's quantity as money and needs a sum meter; meter "
                    + "\"\(meter.key)\" aggregates by \(meter.aggregation.rawValue)")
            valid = false
        }
        var rate: Rational?
        if let rateNode = fields["rate"] {
            rate = reader.decimal(
                rateNode, path + ".rate", fractionDigitsMax: PercentageFee.rateFractionDigitsMax)
        } else {
            reader.fail(node, path + ".rate", "missing; percentage needs a rate (a percent)")
        }
        func optional(_ key: String) -> Rational? {
            guard let value = fields[key] else { return nil }
            let result = price(value, join(path, key))
            if result == nil { valid = false }
            return result
        }
        let fixedFee = optional("fixed_fee")
        let minimum = optional("event_minimum")
        let maximum = optional("event_maximum")
        if let minimum, let maximum, maximum < minimum {
            reader.fail(
                fields["event_maximum"], path + ".event_maximum",
                "is below event_minimum (\(maximum) < \(minimum))")
            valid = false
        }
        guard valid, let rate else { return nil }
        return .percentage(
            PercentageFee(
                rate: rate, fixedFee: fixedFee, eventMinimum: minimum, eventMaximum: maximum))
    }

    /// Refuses percentage terms whose figures do not fit the per-event arithmetic (integers at
    /// `PercentageFee.feeScale`, 10^-17), or whose fee of the largest event quantity overflows
    /// it: then every single event's fee is exact, and only sums of many huge fees can still
    /// overflow, which rating reports naming the line. Returns the problem, or nil.
    static func percentageOverflow(_ fee: PercentageFee) -> String? {
        let quantityNanos =
            Rational.powerOfTen(QuantityScale.integerDigitsMax + QuantityScale.fractionDigits) - 1
        guard let scaled = try? fee.scaled(), scaled.fee(quantityNanos: quantityNanos) != nil
        else {
            return "the fee of the largest event quantity "
                + "\(CatalogBuilder.largestEventQuantity) priced by \(fee.summary) overflows 38 "
                + "significant digits at 17 fractional digits; use a smaller rate or fee"
        }
        return nil
    }
}

/// The terms of a `percentage` charge (SPEC §13.2): a percent of each event's quantity (a money
/// value: a payment, an order), plus a fixed fee per event, each event's fee then bounded.
public struct PercentageFee: Hashable, Sendable {
    /// The percent of each event's quantity (`2.9`), at most `rateFractionDigitsMax` digits.
    public let rate: Rational
    /// Added to every event's fee; nil when the catalog gives none (no fixed-fee row).
    public let fixedFee: Rational?
    /// Each event's fee is raised to this when below it.
    public let eventMinimum: Rational?
    /// Each event's fee is lowered to this when above it.
    public let eventMaximum: Rational?

    /// Fractional digits a `rate` may have (SPEC §13.2).
    public static let rateFractionDigitsMax = 6

    /// The fractional digits of a per-event fee held as a scaled integer: a quantity's 9, plus
    /// the rate's 6, plus 2 for the division by 100. `fixed_fee` and the event bounds have at
    /// most 12 (the catalog's price digits), so every fee is an exact integer at this scale.
    public static let feeScale = 17

    public init(
        rate: Rational, fixedFee: Rational?, eventMinimum: Rational?, eventMaximum: Rational?
    ) {
        self.rate = rate
        self.fixedFee = fixedFee
        self.eventMinimum = eventMinimum
        self.eventMaximum = eventMaximum
    }

    /// The price per unit of quantity: `rate / 100`, exact (it has at most 8 digits).
    public var unitPrice: Rational {
        // 100 is not zero and rate has at most 6 fractional digits: the quotient fits.
        (try? rate / Rational(100)) ?? .zero
    }

    /// The fee's figures as integers at `feeScale`, for the per-event arithmetic of the hot
    /// path; throws when one does not fit (the catalog loader refuses such a charge).
    public func scaled() throws -> ScaledPercentageFee {
        func atFeeScale(_ value: Rational) throws -> Int128 {
            let scaled = try value.significand(atScale: PercentageFee.feeScale, rule: .halfUp)
            // Exact by the digit limits above; a programmatic catalog that breaks them fails.
            guard try Rational(significand: scaled, scale: PercentageFee.feeScale) == value else {
                throw ArithmeticError.overflow(operation: "percentage fee scale")
            }
            return scaled
        }
        // rate / 100 per billionth of a quantity: at scale 17 - 9 = 8.
        let perNano = try unitPrice.significand(
            atScale: PercentageFee.feeScale - QuantityScale.fractionDigits, rule: .halfUp)
        guard try Rational(significand: perNano, scale: 8) == unitPrice else {
            throw ArithmeticError.overflow(operation: "percentage rate scale")
        }
        return ScaledPercentageFee(
            ratePerNano: perNano, fixedFee: try atFeeScale(fixedFee ?? .zero),
            eventMinimum: try eventMinimum.map(atFeeScale),
            eventMaximum: try eventMaximum.map(atFeeScale))
    }

    /// The catalog's terms as a message names them: `rate 2.9%, fixed_fee 0.30, event_minimum
    /// 0.50, event_maximum 10`.
    public var summary: String {
        var parts = ["rate \(rate)%"]
        if let fixedFee { parts.append("fixed_fee \(fixedFee)") }
        if let eventMinimum { parts.append("event_minimum \(eventMinimum)") }
        if let eventMaximum { parts.append("event_maximum \(eventMaximum)") }
        return parts.joined(separator: ", ")
    }
}

/// A `PercentageFee` as integers at `PercentageFee.feeScale` (10^-17), so the fee of every
/// event is computed exactly without allocating: `quantity nanos × ratePerNano + fixedFee`,
/// then bounded.
public struct ScaledPercentageFee: Hashable, Sendable {
    /// `rate / 100` at scale 8: times a quantity in billionths, a fee at scale 17.
    public let ratePerNano: Int128
    /// `fixed_fee` at scale 17 (0 when absent).
    public let fixedFee: Int128
    public let eventMinimum: Int128?
    public let eventMaximum: Int128?

    public init(ratePerNano: Int128, fixedFee: Int128, eventMinimum: Int128?, eventMaximum: Int128?)
    {
        self.ratePerNano = ratePerNano
        self.fixedFee = fixedFee
        self.eventMinimum = eventMinimum
        self.eventMaximum = eventMaximum
    }

    /// One event's unbounded fee at scale 17; nil when it overflows `Int128`.
    @inlinable
    public func fee(quantityNanos: Int128) -> Int128? {
        let (product, overflow) = quantityNanos.multipliedReportingOverflow(by: ratePerNano)
        if overflow { return nil }
        let (sum, overflowed) = product.addingReportingOverflow(fixedFee)
        return overflowed ? nil : sum
    }
}

/// What bounding each event's fee changed, summed over a line's events (SPEC §13.2): the
/// events raised to `event_minimum` and by how much in all, the events lowered to
/// `event_maximum` and by how much in all. Everything else of the line's fees follows from the
/// sum of quantities and the number of events.
public struct PercentageAdjustments: Hashable, Sendable {
    /// Events whose fee was strictly below `event_minimum`.
    public let raisedEvents: Int64
    /// The sum of `event_minimum − fee` over those events (≥ 0).
    public let raisedAmount: Rational
    /// Events whose fee was strictly above `event_maximum`.
    public let cappedEvents: Int64
    /// The sum of `fee − event_maximum` over those events (≥ 0).
    public let cappedAmount: Rational

    public init(
        raisedEvents: Int64, raisedAmount: Rational, cappedEvents: Int64, cappedAmount: Rational
    ) {
        self.raisedEvents = raisedEvents
        self.raisedAmount = raisedAmount
        self.cappedEvents = cappedEvents
        self.cappedAmount = cappedAmount
    }

    /// No event raised or capped.
    public static let none = PercentageAdjustments(
        raisedEvents: 0, raisedAmount: .zero, cappedEvents: 0, cappedAmount: .zero)
}

extension PriceModels {
    /// The breakdown of a `percentage` line (SPEC §13.2, §13.5) from its events: the rate row
    /// over the sum of quantities, the fixed-fee row over the events (when the charge has a
    /// `fixed_fee`, even 0), then an `event_minimum` row (positive) and an `event_maximum` row
    /// (negative) when an event was raised or capped. No rows at zero events. The rows add up
    /// to the sum of the events' bounded fees, before the line's own `minimum`/`maximum`.
    public static func percentage(
        _ fee: PercentageFee, quantity: Rational, events: Int64,
        adjustments: PercentageAdjustments
    ) throws -> [TierAmount] {
        guard events > 0 else { return [] }
        let unitPrice = fee.unitPrice
        var rows = [
            TierAmount(
                quantity: quantity, unitPrice: unitPrice, amount: try quantity * unitPrice,
                flatPrice: nil)
        ]
        if let fixed = fee.fixedFee {
            let count = Rational(Int128(events))
            rows.append(
                TierAmount(
                    quantity: count, unitPrice: fixed, amount: try count * fixed, flatPrice: nil))
        }
        if adjustments.raisedEvents > 0 {
            rows.append(
                TierAmount(
                    quantity: Rational(Int128(adjustments.raisedEvents)), unitPrice: nil,
                    amount: adjustments.raisedAmount, flatPrice: nil,
                    adjustment: PercentageFee.eventMinimumAdjustment))
        }
        if adjustments.cappedEvents > 0 {
            rows.append(
                TierAmount(
                    quantity: Rational(Int128(adjustments.cappedEvents)), unitPrice: nil,
                    amount: adjustments.cappedAmount.negated, flatPrice: nil,
                    adjustment: PercentageFee.eventMaximumAdjustment))
        }
        return rows
    }
}

extension PercentageFee {
    /// The `adjustment` of the row of events raised to `event_minimum`.
    public static let eventMinimumAdjustment = "event_minimum"
    /// The `adjustment` of the row of events lowered to `event_maximum`.
    public static let eventMaximumAdjustment = "event_maximum"
}

extension RatedLine {
    /// `unitPrice`, except for a line of a `percentage` charge, which has none: its quantity is
    /// a sum of money its rate is a percent of, and a fixed fee per event may come on top, so
    /// documents show the breakdown instead (SPEC §13.2). `charge` is the line's charge in the
    /// catalog, when known.
    public func unitPrice(charge: Charge?) -> Rational? {
        if case .usage(let usage)? = charge, case .percentage = usage.model { return nil }
        return unitPrice
    }
}

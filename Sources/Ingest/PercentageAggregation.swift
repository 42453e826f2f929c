import Pricing

/// The per-event part of a `percentage` charge's aggregate (SPEC §13.2): each event's fee is
/// bounded on its own, so what the bounds changed is summed as the events arrive. The sum of
/// quantities and the number of events are the aggregate's own (`AggregateState`); with these
/// four figures the line's rows follow exactly (`PriceModels.percentage`). Every figure adds, so
/// states merge exactly across partitions and workers in any order.
struct PercentageState {
    /// Events whose fee was strictly below `event_minimum`.
    var raisedEvents: Int64 = 0
    /// Σ (event_minimum − fee) over them, at `PercentageFee.feeScale`.
    var raisedAmount: Int128 = 0
    /// Events whose fee was strictly above `event_maximum`.
    var cappedEvents: Int64 = 0
    /// Σ (fee − event_maximum) over them, at `PercentageFee.feeScale`.
    var cappedAmount: Int128 = 0

    /// Bounds one event's fee; false when a figure overflows `Int128`. No allocation: the
    /// hot path calls this once per event of a percentage charge and never for other charges.
    @inline(__always)
    mutating func add(quantityNanos: Int128, terms: ScaledPercentageFee) -> Bool {
        guard let fee = terms.fee(quantityNanos: quantityNanos) else { return false }
        if let minimum = terms.eventMinimum, fee < minimum {
            let (sum, overflow) = raisedAmount.addingReportingOverflow(minimum - fee)
            if overflow { return false }
            raisedAmount = sum
            raisedEvents += 1
        } else if let maximum = terms.eventMaximum, fee > maximum {
            let (sum, overflow) = cappedAmount.addingReportingOverflow(fee - maximum)
            if overflow { return false }
            cappedAmount = sum
            cappedEvents += 1
        }
        return true
    }

    /// Adds another worker's or partition's figures; false on overflow.
    mutating func merge(_ other: PercentageState) -> Bool {
        let (raised, raisedOverflow) = raisedAmount.addingReportingOverflow(other.raisedAmount)
        let (capped, cappedOverflow) = cappedAmount.addingReportingOverflow(other.cappedAmount)
        if raisedOverflow || cappedOverflow { return false }
        raisedAmount = raised
        cappedAmount = capped
        raisedEvents += other.raisedEvents
        cappedEvents += other.cappedEvents
        return true
    }

    /// The figures as exact values for rating.
    func adjustments() throws -> PercentageAdjustments {
        PercentageAdjustments(
            raisedEvents: raisedEvents,
            raisedAmount: try Rational(significand: raisedAmount, scale: PercentageFee.feeScale),
            cappedEvents: cappedEvents,
            cappedAmount: try Rational(significand: cappedAmount, scale: PercentageFee.feeScale))
    }
}

extension AggregationPlan {
    /// Per slot, the number of its scaled percentage terms in `percentageTerms`, or -1 for a
    /// charge of another model: the hot path reads one `Int32` per summed event to know.
    static func percentageTerms(
        _ slots: [ChargeSlot]
    ) -> (numbers: [Int32], terms: [ScaledPercentageFee]) {
        var numbers: [Int32] = []
        var terms: [ScaledPercentageFee] = []
        for slot in slots {
            guard case .percentage(let fee) = slot.charge.model else {
                numbers.append(-1)
                continue
            }
            guard let scaled = try? fee.scaled() else {
                preconditionFailure("the catalog loader checks that a percentage fee's figures fit")
            }
            numbers.append(Int32(terms.count))
            terms.append(scaled)
        }
        return (numbers, terms)
    }
}

extension Aggregation {
    /// A percentage charge's per-event fees or their adjustments past `Int128`.
    static func percentageOverflow(
        plan: AggregationPlan, customer: Int32, slot: Int32, group: [Dimension], events: Int64
    ) -> AmountOverflow {
        let chargeSlot = plan.slots[Int(slot)]
        var terms = ""
        if case .percentage(let fee) = chargeSlot.charge.model { terms = " (\(fee.summary))" }
        return AmountOverflow(
            customer: plan.customerIDs[Int(customer)], plan: chargeSlot.plan,
            charge: chargeSlot.charge.key, group: group,
            computation: "the percentage fees\(terms) of meter \"\(chargeSlot.meter.key)\" "
                + "quantities over \(events) events",
            cause: ArithmeticError.overflow(operation: "percentage fee"))
    }
}

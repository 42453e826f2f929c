/// The level of one gauge — a (customer, `time_weighted` meter, group) — at a point in time:
/// a row of `gauges.ndjson`, written at the end of a period and read as the next period's
/// opening level (SPEC §13.3).
public struct GaugeLevel: Hashable, Sendable {
    public let customer: String
    public let meter: String
    /// Group dimension values, sorted by dimension name (the meter's charges' `group_by`).
    public let group: [Dimension]
    /// The level in billionths, as event quantities are held.
    public let levelNanos: Int128
    /// The instant of the event that set the level; nil when unknown.
    public let since: Instant?

    /// A gauge's level.
    public init(
        customer: String, meter: String, group: [Dimension], levelNanos: Int128, since: Instant?
    ) {
        self.customer = customer
        self.meter = meter
        self.group = group
        self.levelNanos = levelNanos
        self.since = since
    }

    /// The order of `gauges.ndjson`: customer, meter, then group values, bytewise.
    public var sortKey: LineKey { LineKey(customer, meter, "", group) }
}

/// The integral of a gauge's level over time (SPEC §13.3): a step function that starts at the
/// opening level and takes each step's level from its instant on.
public enum GaugeIntegral {
    /// One change of level: from `instant` on, the level is `levelNanos`.
    public struct Step: Sendable, Equatable {
        public let instant: Instant
        public let levelNanos: Int128

        /// A step.
        public init(instant: Instant, levelNanos: Int128) {
            self.instant = instant
            self.levelNanos = levelNanos
        }
    }

    /// For each of `spans` (disjoint, in time order), the integral of the level over the span in
    /// level-billionths × nanoseconds. `steps` are in time order, at most one per instant (the
    /// caller keeps the greatest id's); a step before a span's start sets the level the span
    /// starts from. Throws on overflow of Int128.
    public static func integrate(opening: Int128, steps: [Step], spans: [TimeRange]) throws
        -> [Int128]
    {
        var result: [Int128] = []
        result.reserveCapacity(spans.count)
        var level = opening
        var next = 0
        for span in spans {
            while next < steps.count && steps[next].instant <= span.start {
                level = steps[next].levelNanos
                next += 1
            }
            var total: Int128 = 0
            var from = span.start
            while next < steps.count && steps[next].instant < span.end {
                total = try add(total, level, from, steps[next].instant)
                from = steps[next].instant
                level = steps[next].levelNanos
                next += 1
            }
            result.append(try add(total, level, from, span.end))
        }
        return result
    }

    /// `total + level × (to − from)`, checked.
    static func add(_ total: Int128, _ level: Int128, _ from: Instant, _ to: Instant) throws
        -> Int128
    {
        let nanoseconds =
            Int128(to.secondsSinceEpoch - from.secondsSinceEpoch) * 1_000_000_000
            + Int128(to.nanoseconds - from.nanoseconds)
        let (area, overflow) = level.multipliedReportingOverflow(by: nanoseconds)
        let (sum, sumOverflow) = total.addingReportingOverflow(area)
        if overflow || sumOverflow {
            throw ArithmeticError.overflow(operation: "time-weighted integral")
        }
        return sum
    }

    /// An integral (level-billionths × nanoseconds) as a quantity: divided by 10^18 and by the
    /// length of `per` in seconds, exactly.
    public static func quantity(_ integral: Int128, per: GaugeUnit) throws -> Rational {
        try Rational(
            numerator: integral, denominator: 1_000_000_000_000_000_000 * Int128(per.seconds))
    }
}

extension Catalog {
    /// The `group_by` (sorted bytewise) and `filter` of the charges on time-weighted meter
    /// `meter` — the catalog loader makes them agree — or none for a meter without charges.
    public func gaugeShape(meter: String) -> (groupBy: [String], filter: [DimensionFilter]) {
        for key in plans.keys.sorted() {
            for case .usage(let charge) in plans[key]!.charges where charge.meter == meter {
                return (
                    charge.groupBy.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) },
                    charge.filter
                )
            }
        }
        return ([], [])
    }
}

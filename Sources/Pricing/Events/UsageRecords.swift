/// Where an input line came from: the index of its source (a file or archive member, in the
/// order the caller registered them) and its 1-based line number.
public struct LineLocation: Hashable, Sendable {
    public let source: Int32
    public let line: Int64

    public init(source: Int32, line: Int64) {
        self.source = source
        self.line = line
    }
}

/// Counts that prove nothing was lost (SPEC §8.1).
public struct LineCounts: Equatable, Sendable {
    public var lines: Int64 = 0
    public var blank: Int64 = 0
    public var accepted: Int64 = 0
    public var duplicates: Int64 = 0
    /// Copies set aside by a resolution (SPEC §13.4): neither billed nor rejected.
    public var superseded: Int64 = 0
    public var outOfPeriod: Int64 = 0
    public var rejected: [RejectReason: Int64] = [:]

    public init() {}

    public var billed: Int64 { accepted - outOfPeriod }
    public var rejectedTotal: Int64 { rejected.values.reduce(0, +) }

    /// `lines = blank + accepted + duplicates + superseded + rejected` (SPEC §13.4).
    public var addsUp: Bool {
        lines == blank + accepted + duplicates + superseded + rejectedTotal
    }
}

/// A conflicting copy of an event key: every copy is rejected (SPEC §3).
public struct ConflictCopy: Sendable {
    public let location: LineLocation
    /// The other copies' locations, in location order.
    public let others: [LineLocation]
    public let customer: String
    public let id: String

    public init(location: LineLocation, others: [LineLocation], customer: String, id: String) {
        self.location = location
        self.others = others
        self.customer = customer
        self.id = id
    }
}

/// The aggregated usage of one (customer, plan, charge, group) in the period.
public struct UsageAggregate: Sendable {
    public let customer: String
    public let plan: String
    public let charge: String
    /// Group dimension values, sorted by dimension name.
    public let group: [Dimension]
    /// The aggregated quantity.
    public let quantity: Rational
    /// The number of events that fed it.
    public let events: Int64
    /// The figures of the §13 models, boxed and nil for every other charge: a run holds an
    /// aggregate per customer, charge and group (about 140,000 at the benchmark's 10,000
    /// customers) until its outputs are written, so they cost a pointer, not 100 bytes, each.
    private let priced: Priced?

    /// The sum of the events' own amounts (SPEC §13.1), for a charge on a `carries_amount`
    /// meter; nil for every other charge.
    public var amount: Rational? { priced?.amount }
    /// A `percentage` charge's per-event bounds at work (SPEC §13.2); nil for other models.
    public var percentage: PercentageAdjustments? { priced?.percentage }

    public init(
        customer: String, plan: String, charge: String, group: [Dimension], quantity: Rational,
        events: Int64, amount: Rational? = nil, percentage: PercentageAdjustments? = nil
    ) {
        self.customer = customer
        self.plan = plan
        self.charge = charge
        self.group = group
        self.quantity = quantity
        self.events = events
        priced =
            amount == nil && percentage == nil
            ? nil : Priced(amount: amount, percentage: percentage)
    }

    private final class Priced: Sendable {
        let amount: Rational?
        let percentage: PercentageAdjustments?

        init(amount: Rational?, percentage: PercentageAdjustments?) {
            self.amount = amount
            self.percentage = percentage
        }
    }
}

/// Everything `rate` learns from the events.
public struct CollectedUsage: Sendable {
    public let counts: LineCounts
    /// Sorted by customer, plan, charge, group.
    public let aggregates: [UsageAggregate]
    /// Sorted by location.
    public let conflicts: [ConflictCopy]
    /// The gauges' levels at the period end (SPEC §13.3), sorted by `GaugeLevel.sortKey`: one
    /// per gauge seen in the opening levels or the period.
    public var gauges: [GaugeLevel] = []
    /// The resolutions that found copies of their key (SPEC §13.4), by resolution index.
    public let resolved: [ResolutionOutcome]

    public init(
        counts: LineCounts, aggregates: [UsageAggregate], conflicts: [ConflictCopy],
        resolved: [ResolutionOutcome] = []
    ) {
        self.counts = counts
        self.aggregates = aggregates
        self.conflicts = conflicts
        self.resolved = resolved
    }
}

/// `items` sorted by `key`, each key computed once; the sort moves indices, not items.
public func sortedByKey<Item>(_ items: [Item], _ key: (Item) -> LineKey) -> [Item] {
    let keys = items.map(key)
    return keys.indices.sorted { keys[$0] < keys[$1] }.map { items[$0] }
}

/// The total sort key of usage and rated lines: customer, plan, charge, then group values,
/// each compared as UTF-8 bytes so the order never depends on locale or Unicode tables.
///
/// Held as one byte string that compares like the list of parts: each part's bytes with 0x00
/// written as 0x01 0x01 and 0x01 as 0x01 0x02, then a 0x00 terminator — so a part that is a
/// prefix of another sorts first, and fewer parts sort before more.
public struct LineKey: Comparable {
    let bytes: [UInt8]

    public init(_ customer: String, _ plan: String, _ charge: String, _ group: [Dimension]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(
            customer.utf8.count + plan.utf8.count + charge.utf8.count + 3 + group.count * 16)
        func append(_ part: String) {
            for byte in part.utf8 {
                if byte <= 0x01 {
                    bytes.append(0x01)
                    bytes.append(byte + 1)
                } else {
                    bytes.append(byte)
                }
            }
            bytes.append(0x00)
        }
        append(customer)
        append(plan)
        append(charge)
        for dimension in group {
            append(dimension.key)
            append(dimension.value)
        }
        self.bytes = bytes
    }

    public static func < (left: LineKey, right: LineKey) -> Bool {
        left.bytes.withUnsafeBufferPointer { a in
            right.bytes.withUnsafeBufferPointer { b in
                let common = min(a.count, b.count)
                for index in 0..<common where a[index] != b[index] {
                    return a[index] < b[index]
                }
                return a.count < b.count
            }
        }
    }
}

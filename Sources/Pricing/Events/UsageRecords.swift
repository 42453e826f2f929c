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
    public var outOfPeriod: Int64 = 0
    public var rejected: [RejectReason: Int64] = [:]

    public init() {}

    public var billed: Int64 { accepted - outOfPeriod }
    public var rejectedTotal: Int64 { rejected.values.reduce(0, +) }

    /// `lines = blank + accepted + duplicates + rejected`.
    public var addsUp: Bool { lines == blank + accepted + duplicates + rejectedTotal }
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

    public init(
        customer: String, plan: String, charge: String, group: [Dimension], quantity: Rational,
        events: Int64
    ) {
        self.customer = customer
        self.plan = plan
        self.charge = charge
        self.group = group
        self.quantity = quantity
        self.events = events
    }
}

/// Everything `rate` learns from the events.
public struct CollectedUsage: Sendable {
    public let counts: LineCounts
    /// Sorted by customer, plan, charge, group.
    public let aggregates: [UsageAggregate]
    /// Sorted by location.
    public let conflicts: [ConflictCopy]

    public init(counts: LineCounts, aggregates: [UsageAggregate], conflicts: [ConflictCopy]) {
        self.counts = counts
        self.aggregates = aggregates
        self.conflicts = conflicts
    }
}

/// `items` sorted by `key`, each key computed once (a key allocates; a comparison must not).
public func sortedByKey<Item>(_ items: [Item], _ key: (Item) -> LineKey) -> [Item] {
    items.map { (key($0), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
}

/// The total sort key of usage and rated lines: customer, plan, charge, then group values,
/// each compared as UTF-8 bytes so the order never depends on locale or Unicode tables.
public struct LineKey: Comparable {
    let parts: [String]

    public init(_ customer: String, _ plan: String, _ charge: String, _ group: [Dimension]) {
        var parts = [customer, plan, charge]
        for dimension in group {
            parts.append(dimension.key)
            parts.append(dimension.value)
        }
        self.parts = parts
    }

    public static func < (left: LineKey, right: LineKey) -> Bool {
        for (a, b) in zip(left.parts, right.parts) where a != b {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return left.parts.count < right.parts.count
    }
}

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

/// What happened to an event line handed to `UsageCollector.add`.
public enum Admission: Equatable, Sendable {
    /// Accepted for now; it may still become a conflict when a differing copy turns up.
    case accepted
    /// An identical copy of an accepted event: dropped and counted.
    case duplicate
    /// Rejected with a reason and a detail.
    case rejected(RejectReason, String)
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
}

/// Everything `rate` learns from the events.
public struct CollectedUsage: Sendable {
    public let counts: LineCounts
    /// Sorted by customer, plan, charge, group.
    public let aggregates: [UsageAggregate]
    /// Sorted by location.
    public let conflicts: [ConflictCopy]
}

/// Checks events against the catalog and customers, drops duplicates, finds conflicts and
/// aggregates usage per (customer, plan, charge, group) for one billing month.
///
/// Events are kept as compact records until `finish`, because a conflicting copy read last can
/// take back an event read first; aggregation then runs once over the surviving records, so the
/// result never depends on the order lines were read in.
public final class UsageCollector {
    public let catalog: Catalog
    public let month: YearMonth
    private let customers: [Customer]
    private let customerIndex: [String: Int32]
    private let periods: [BillingPeriod]
    private let activeSubscriptions: [[ActiveSubscription]]
    private let meterKeys: [String]
    /// The catalog's meters in `meterKeys` order.
    private let meters: [Meter]
    /// Meter positions; `Int32` so no catalog within `ConfigLimits.metersMax` (or far above it)
    /// can overflow it, as `Int16` did past 32,767 meters.
    private let meterIndex: [String: Int32]

    private struct DedupeKey: Hashable {
        let customer: Int32
        let id: String
    }

    private struct EventRecord {
        let customer: Int32
        let meter: Int32
        /// Index into the customer's active subscriptions; -1 when out of period.
        let subscription: Int16
        let instant: Instant
        let quantityNanos: Int128
        let dims: Int32
        let location: LineLocation
        var conflicted: Bool
    }

    private var records: [EventRecord] = []
    private var ids: [String] = []
    private var keys: [DedupeKey: Int] = [:]
    /// Locations of the copies of a record beyond the first (duplicates and conflicts).
    private var otherCopies: [Int: [LineLocation]] = [:]
    private var dimsIndex: [[Dimension]: Int32] = [:]
    private var dimsTable: [[Dimension]] = []
    public private(set) var counts = LineCounts()

    public init(catalog: Catalog, customers: [Customer], month: YearMonth) {
        self.catalog = catalog
        self.month = month
        self.customers = customers
        var index: [String: Int32] = [:]
        for (position, customer) in customers.enumerated() { index[customer.id] = Int32(position) }
        self.customerIndex = index
        self.periods = customers.map { $0.billingPeriod(startingIn: month) }
        self.activeSubscriptions = zip(customers, periods).map { $0.activeSubscriptions(in: $1) }
        self.meterKeys = catalog.meters.keys.sorted()
        self.meters = meterKeys.map { catalog.meters[$0]! }
        precondition(meterKeys.count < Int(Int32.max), "the catalog loader limits meters")
        var meters: [String: Int32] = [:]
        for (position, key) in meterKeys.enumerated() { meters[key] = Int32(position) }
        self.meterIndex = meters
        for key in RejectReason.allCases { counts.rejected[key] = 0 }
    }

    /// Counts a blank line.
    public func addBlank() {
        counts.lines += 1
        counts.blank += 1
    }

    /// Counts a line rejected before it became an event (syntax, field rules, too long).
    public func addRejected(_ reason: RejectReason) {
        counts.lines += 1
        counts.rejected[reason, default: 0] += 1
    }

    /// Checks one parsed event and records it.
    public func add(_ event: UsageEvent, at location: LineLocation) -> Admission {
        counts.lines += 1
        let admission = admit(event, at: location)
        switch admission {
        case .accepted: counts.accepted += 1
        case .duplicate: counts.duplicates += 1
        case .rejected(let reason, _): counts.rejected[reason, default: 0] += 1
        }
        return admission
    }

    private func admit(_ event: UsageEvent, at location: LineLocation) -> Admission {
        guard let meterPosition = meterIndex[event.meter] else {
            return .rejected(.unknownMeter, "meter \"\(event.meter)\" is not in the catalog")
        }
        let meter = meters[Int(meterPosition)]
        if meter.aggregation.needsQuantity && event.quantityNanos == nil {
            return .rejected(
                .missingField,
                "missing field \"quantity\" (meter \"\(meter.key)\" aggregates "
                    + "\(meter.aggregation.rawValue))"
            )
        }
        guard let customerPosition = customerIndex[event.customer] else {
            return .rejected(
                .unknownCustomer, "customer \"\(event.customer)\" is not in the customers file")
        }
        let period = periods[Int(customerPosition)]
        var subscription: Int16 = -1
        if period.range.contains(event.instant) {
            let active = activeSubscriptions[Int(customerPosition)]
            guard let found = active.firstIndex(where: { $0.range.contains(event.instant) }) else {
                return .rejected(
                    .noSubscription,
                    "no plan of customer \"\(event.customer)\" covers "
                        + event.instant.rfc3339(offsetSeconds: 0)
                )
            }
            subscription = Int16(found)
        }
        // A count event without quantity is the same content as one with "1".
        let quantity = event.quantityNanos ?? QuantityScale.unit
        let dims = intern(event.dims)
        let key = DedupeKey(customer: customerPosition, id: event.id)
        if let existing = keys[key] {
            let first = records[existing]
            otherCopies[existing, default: []].append(location)
            let same =
                first.meter == meterPosition && first.instant == event.instant
                && first.quantityNanos == quantity && first.dims == dims
            if same && !first.conflicted { return .duplicate }
            if !first.conflicted {
                // The first copy was counted accepted (and any identical copies duplicates);
                // they all become conflicts now.
                records[existing].conflicted = true
                counts.accepted -= 1
                if first.subscription < 0 { counts.outOfPeriod -= 1 }
                let identical = Int64(otherCopies[existing]!.count - 1)
                counts.duplicates -= identical
                counts.rejected[.conflict, default: 0] += 1 + identical
            }
            return .rejected(.conflict, "")
        }
        keys[key] = records.count
        records.append(
            EventRecord(
                customer: customerPosition, meter: meterPosition, subscription: subscription,
                instant: event.instant, quantityNanos: quantity, dims: dims, location: location,
                conflicted: false))
        ids.append(event.id)
        if subscription < 0 { counts.outOfPeriod += 1 }
        return .accepted
    }

    private func intern(_ dims: [Dimension]) -> Int32 {
        if let known = dimsIndex[dims] { return known }
        let position = Int32(dimsTable.count)
        dimsTable.append(dims)
        dimsIndex[dims] = position
        return position
    }

    /// One usage charge of one plan: what an aggregate is of.
    private struct ChargeSlot {
        let plan: String
        let charge: UsageCharge
        let meter: Meter
        /// `groupBy` sorted bytewise: the order of an aggregate's group values.
        let sortedGroupBy: [String]
    }

    /// An aggregate's identity, all integers so hashing it is cheap on the hot loop.
    private struct AggregateKey: Hashable {
        let customer: Int32
        let slot: Int32
        let group: Int32
    }

    /// A charge slot applied to one interned dims value: its group, or none when filtered out.
    private struct GroupCacheKey: Hashable {
        let slot: Int32
        let dims: Int32
    }

    private struct AggregateState {
        var events: Int64 = 0
        var sum: Int128 = 0
        var maximum: Int128?
        var minimum: Int128?
        var latest: (Instant, String, Int128)?
        var distinct: Set<String> = []
    }

    /// Aggregates the surviving events and lists the conflicts.
    public func finish() throws -> CollectedUsage {
        precondition(counts.addsUp, "line counts must add up before aggregation")
        // Charge slots per (plan, meter), computed once.
        var slots: [ChargeSlot] = []
        var slotsByPlanMeter: [String: [[Int32]]] = [:]
        for key in catalog.plans.keys.sorted() {
            var byMeter = Array(repeating: [Int32](), count: meterKeys.count)
            for case .usage(let charge) in catalog.plans[key]!.charges {
                guard let position = meterIndex[charge.meter] else { continue }
                byMeter[Int(position)].append(Int32(slots.count))
                slots.append(
                    ChargeSlot(
                        plan: key, charge: charge, meter: catalog.meters[charge.meter]!,
                        sortedGroupBy: charge.groupBy.sorted {
                            $0.utf8.lexicographicallyPrecedes($1.utf8)
                        }))
            }
            slotsByPlanMeter[key] = byMeter
        }
        let planSlots = activeSubscriptions.map { spans in spans.map { slotsByPlanMeter[$0.plan]! }
        }
        var groups: [[Dimension]] = []
        var groupIndex: [[Dimension]: Int32] = [:]
        func internGroup(_ group: [Dimension]) -> Int32 {
            if let known = groupIndex[group] { return known }
            groups.append(group)
            groupIndex[group] = Int32(groups.count - 1)
            return Int32(groups.count - 1)
        }
        var groupCache: [GroupCacheKey: Int32] = [:]  // -1: filtered out
        var stateIndex: [AggregateKey: Int] = [:]
        var keys: [AggregateKey] = []
        var states: [AggregateState] = []
        func state(for key: AggregateKey) -> Int {
            if let known = stateIndex[key] { return known }
            keys.append(key)
            states.append(AggregateState())
            stateIndex[key] = states.count - 1
            return states.count - 1
        }
        for (position, record) in records.enumerated()
        where !record.conflicted && record.subscription >= 0 {
            let candidates = planSlots[Int(record.customer)][Int(record.subscription)][
                Int(record.meter)]
            for slotID in candidates {
                let cacheKey = GroupCacheKey(slot: slotID, dims: record.dims)
                var group = groupCache[cacheKey]
                if group == nil {
                    let slot = slots[Int(slotID)]
                    let dims = dimsTable[Int(record.dims)]
                    if UsageCollector.matches(slot.charge.filter, dims) {
                        group = internGroup(
                            slot.sortedGroupBy.map { name in
                                Dimension(
                                    key: name,
                                    value: dims.first(where: { $0.key == name })?.value ?? "")
                            })
                    } else {
                        group = -1
                    }
                    groupCache[cacheKey] = group
                }
                guard let groupID = group, groupID >= 0 else { continue }
                let index = state(
                    for: AggregateKey(customer: record.customer, slot: slotID, group: groupID))
                states[index].events += 1
                let quantity = record.quantityNanos
                let meter = slots[Int(slotID)].meter
                switch meter.aggregation {
                case .count: break
                case .sum:
                    do {
                        states[index].sum = try add(states[index].sum, quantity)
                    } catch let error as ArithmeticError {
                        let slot = slots[Int(slotID)]
                        throw AmountOverflow(
                            customer: customers[Int(record.customer)].id, plan: slot.plan,
                            charge: slot.charge.key, group: groups[Int(groupID)],
                            computation: "the sum of meter \"\(meter.key)\" quantities over "
                                + "\(states[index].events) events",
                            cause: error)
                    }
                case .max:
                    states[index].maximum = Swift.max(states[index].maximum ?? quantity, quantity)
                case .min:
                    states[index].minimum = Swift.min(states[index].minimum ?? quantity, quantity)
                case .latest:
                    // The latest event by instant, then by id (bytewise).
                    let id = ids[position]
                    var later = true
                    if let (instant, heldID, _) = states[index].latest {
                        later =
                            instant < record.instant
                            || (instant == record.instant
                                && heldID.utf8.lexicographicallyPrecedes(id.utf8))
                    }
                    if later { states[index].latest = (record.instant, id, quantity) }
                case .uniqueCount:
                    if let field = meter.field,
                        let value = dimsTable[Int(record.dims)].first(where: { $0.key == field })?
                            .value,
                        !value.isEmpty
                    {
                        states[index].distinct.insert(value)
                    }
                }
            }
        }
        // Every active plan's ungrouped usage charges get a line, even at zero usage.
        let noGroup = internGroup([])
        for (customerPosition, spans) in planSlots.enumerated() {
            for byMeter in spans {
                for slotID in byMeter.joined() where slots[Int(slotID)].charge.groupBy.isEmpty {
                    _ = state(
                        for: AggregateKey(
                            customer: Int32(customerPosition), slot: slotID, group: noGroup))
                }
            }
        }
        var aggregates: [UsageAggregate] = []
        aggregates.reserveCapacity(states.count)
        for (key, state) in zip(keys, states) {
            let slot = slots[Int(key.slot)]
            let nanos: Int128
            switch slot.meter.aggregation {
            case .count: nanos = try multiply(Int128(state.events), QuantityScale.unit)
            case .sum: nanos = state.sum
            case .max: nanos = state.maximum ?? 0
            case .min: nanos = state.minimum ?? 0
            case .latest: nanos = state.latest?.2 ?? 0
            case .uniqueCount:
                nanos = try multiply(Int128(state.distinct.count), QuantityScale.unit)
            }
            aggregates.append(
                UsageAggregate(
                    customer: customers[Int(key.customer)].id, plan: slot.plan,
                    charge: slot.charge.key, group: groups[Int(key.group)],
                    quantity: QuantityScale.rational(nanos: nanos), events: state.events))
        }
        aggregates = sortedByKey(aggregates) { LineKey($0.customer, $0.plan, $0.charge, $0.group) }
        var conflicts: [ConflictCopy] = []
        for (position, record) in records.enumerated() where record.conflicted {
            let all = ([record.location] + (otherCopies[position] ?? [])).sorted(by: locationOrder)
            for location in all {
                conflicts.append(
                    ConflictCopy(
                        location: location, others: all.filter { $0 != location },
                        customer: customers[Int(record.customer)].id, id: ids[position]))
            }
        }
        conflicts.sort { locationOrder($0.location, $1.location) }
        return CollectedUsage(counts: counts, aggregates: aggregates, conflicts: conflicts)
    }

    /// The caller's order of sources: by registration index, then line.
    private func locationOrder(_ left: LineLocation, _ right: LineLocation) -> Bool {
        (left.source, left.line) < (right.source, right.line)
    }

    static func matches(_ filter: [DimensionFilter], _ dims: [Dimension]) -> Bool {
        for entry in filter {
            guard let value = dims.first(where: { $0.key == entry.dimension })?.value,
                entry.values.contains(value)
            else { return false }
        }
        return true
    }

    private func add(_ left: Int128, _ right: Int128) throws -> Int128 {
        let (sum, overflow) = left.addingReportingOverflow(right)
        if overflow { throw ArithmeticError.overflow(operation: "usage sum") }
        return sum
    }

    private func multiply(_ left: Int128, _ right: Int128) throws -> Int128 {
        let (product, overflow) = left.multipliedReportingOverflow(by: right)
        if overflow { throw ArithmeticError.overflow(operation: "usage count") }
        return product
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

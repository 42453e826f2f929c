import Pricing

/// What the catalog and the customers' subscriptions say about aggregating, computed once per
/// run and shared by every partition: the usage charges ("slots") each (customer, active
/// subscription, meter) feeds, and the group each slot makes of an interned dims value.
final class AggregationPlan {
    /// One usage charge of one plan: what an aggregate is of.
    struct ChargeSlot {
        let plan: String
        let charge: UsageCharge
        let meter: Meter
        /// `groupBy` sorted bytewise: the order of an aggregate's group values.
        let sortedGroupBy: [String]
    }

    let slots: [ChargeSlot]
    /// Customer → active subscription → meter number → slots.
    let planSlots: [[[[Int32]]]]
    let customerIDs: [String]
    /// Interned group values, shared by all partitions.
    private(set) var groups: [[Dimension]] = []
    private var groupIndex: [[Dimension]: Int32] = [:]
    /// (slot, dims) → group + 1, or 0 when the slot's filter leaves the dims out.
    private var groupCache = PairKeyTable(expected: 1024)
    /// (slot, dims) → the number of the unique_count field's value + 1, or 0 when absent/empty.
    private var distinctCache = PairKeyTable(expected: 1024)
    private var distinctValues = ByteKeyTable(expected: 1024)

    init(catalog: Catalog, admission: EventAdmission) {
        var slots: [ChargeSlot] = []
        var slotsByPlanMeter: [String: [[Int32]]] = [:]
        var meterIndex: [String: Int] = [:]
        for (position, key) in admission.meterKeys.enumerated() { meterIndex[key] = position }
        for key in catalog.plans.keys.sorted() {
            var byMeter = Array(repeating: [Int32](), count: admission.meterKeys.count)
            for case .usage(let charge) in catalog.plans[key]!.charges {
                guard let position = meterIndex[charge.meter] else { continue }
                byMeter[position].append(Int32(slots.count))
                slots.append(
                    ChargeSlot(
                        plan: key, charge: charge, meter: catalog.meters[charge.meter]!,
                        sortedGroupBy: charge.groupBy.sorted {
                            $0.utf8.lexicographicallyPrecedes($1.utf8)
                        }))
            }
            slotsByPlanMeter[key] = byMeter
        }
        self.slots = slots
        planSlots = admission.activeSubscriptions.map { spans in
            spans.map { slotsByPlanMeter[$0.plan]! }
        }
        customerIDs = admission.customers.map(\.id)
    }

    /// The group of `dims` under `slot`, or -1 when the slot's filter leaves it out.
    func group(slot: Int32, dims: Int32, table: DimsTable) -> Int32 {
        if let known = groupCache.find(UInt64(slot), UInt64(dims)) { return known - 1 }
        let chargeSlot = slots[Int(slot)]
        let values = table.dimensions(dims)
        var group: Int32 = -1
        if Self.matches(chargeSlot.charge.filter, values) {
            group = internGroup(
                chargeSlot.sortedGroupBy.map { name in
                    Dimension(
                        key: name, value: values.first(where: { $0.key == name })?.value ?? "")
                })
        }
        groupCache.insert(UInt64(slot), UInt64(dims), value: group + 1)
        return group
    }

    /// The number of the unique_count field's value in `dims`, or -1 when absent or empty.
    func distinctValue(slot: Int32, dims: Int32, table: DimsTable) -> Int32 {
        if let known = distinctCache.find(UInt64(slot), UInt64(dims)) { return known - 1 }
        var number: Int32 = -1
        if let field = slots[Int(slot)].meter.field,
            let value = table.dimensions(dims).first(where: { $0.key == field })?.value,
            !value.isEmpty
        {
            var text = value
            number = text.withUTF8 { distinctValues.intern(UnsafeRawBufferPointer($0)).number }
        }
        distinctCache.insert(UInt64(slot), UInt64(dims), value: number + 1)
        return number
    }

    func internGroup(_ group: [Dimension]) -> Int32 {
        if let known = groupIndex[group] { return known }
        groups.append(group)
        groupIndex[group] = Int32(groups.count - 1)
        return Int32(groups.count - 1)
    }

    static func matches(_ filter: [DimensionFilter], _ dims: [Dimension]) -> Bool {
        for entry in filter {
            guard let value = dims.first(where: { $0.key == entry.dimension })?.value,
                entry.values.contains(value)
            else { return false }
        }
        return true
    }
}

/// Interned `dims` values: numbers from their canonical bytes (`DimsKeyBuilder`), and the
/// dimensions of a number, decoded once.
final class DimsTable {
    private var keys = ByteKeyTable(expected: 1024)
    private var decoded: [[Dimension]] = []

    var count: Int { keys.count }
    var bytesHeld: Int { keys.bytesHeld + decoded.count * 64 }

    func intern(_ key: UnsafeRawBufferPointer) -> Int32 {
        let (number, inserted) = keys.intern(key)
        if inserted { decoded.append(DimsKeyBuilder.dimensions(key)) }
        return number
    }

    func dimensions(_ number: Int32) -> [Dimension] { decoded[Int(number)] }
}

/// The running state of one aggregate.
struct AggregateState {
    var customer: Int32
    var slot: Int32
    var group: Int32
    var events: Int64 = 0
    var sum: Int128 = 0
    var maximum: Int128?
    var minimum: Int128?
    /// The record holding the latest event so far (by instant, then id bytewise), or -1.
    var latest: Int32 = -1
    var distinct: Set<Int32> = []

    init(customer: Int32, slot: Int32, group: Int32) {
        self.customer = customer
        self.slot = slot
        self.group = group
    }
}

/// Aggregates one partition's surviving events per (customer, charge, group). Every aggregate
/// belongs to one customer and every customer to one partition, so partitions never share an
/// aggregate and their results only need sorting together.
enum Aggregation {
    static func run(
        survivors: [Int32], records: [EventRecord], ids: [UInt8], customers: [Int32],
        plan: AggregationPlan, dims: DimsTable
    ) throws -> [UsageAggregate] {
        var index = PairKeyTable(expected: 1024)
        var states: [AggregateState] = []
        func state(_ customer: Int32, _ slot: Int32, _ group: Int32) -> Int {
            let first =
                UInt64(UInt32(bitPattern: customer)) << 32 | UInt64(UInt32(bitPattern: slot))
            let second = UInt64(UInt32(bitPattern: group))
            if let known = index.find(first, second) { return Int(known) }
            states.append(AggregateState(customer: customer, slot: slot, group: group))
            index.insert(first, second, value: Int32(states.count - 1))
            return states.count - 1
        }
        try ids.withUnsafeBytes { idBytes in
            func id(_ record: EventRecord) -> UnsafeRawBufferPointer {
                let start = Int(record.idOffset)
                return UnsafeRawBufferPointer(
                    rebasing: idBytes[start..<start + Int(record.idLength)])
            }
            for position in survivors {
                let record = records[Int(position)]
                guard record.subscription >= 0 else { continue }
                let candidates =
                    plan.planSlots[Int(record.customer)][Int(record.subscription)][
                        Int(record.meter)]
                for slotID in candidates {
                    let groupID = plan.group(slot: slotID, dims: record.dims, table: dims)
                    guard groupID >= 0 else { continue }
                    let at = state(record.customer, slotID, groupID)
                    states[at].events += 1
                    let quantity = record.quantityNanos
                    let meter = plan.slots[Int(slotID)].meter
                    switch meter.aggregation {
                    case .count: break
                    case .sum:
                        let (sum, overflow) = states[at].sum.addingReportingOverflow(quantity)
                        if overflow {
                            let slot = plan.slots[Int(slotID)]
                            throw AmountOverflow(
                                customer: plan.customerIDs[Int(record.customer)], plan: slot.plan,
                                charge: slot.charge.key, group: plan.groups[Int(groupID)],
                                computation: "the sum of meter \"\(meter.key)\" quantities over "
                                    + "\(states[at].events) events",
                                cause: ArithmeticError.overflow(operation: "usage sum"))
                        }
                        states[at].sum = sum
                    case .max:
                        states[at].maximum = Swift.max(states[at].maximum ?? quantity, quantity)
                    case .min:
                        states[at].minimum = Swift.min(states[at].minimum ?? quantity, quantity)
                    case .latest:
                        // The latest event by instant, then by id (bytewise).
                        var later = true
                        if states[at].latest >= 0 {
                            let held = records[Int(states[at].latest)]
                            if held.instant != record.instant {
                                later = held.instant < record.instant
                            } else {
                                later = id(held).lexicographicallyPrecedes(id(record))
                            }
                        }
                        if later { states[at].latest = position }
                    case .uniqueCount:
                        let value = plan.distinctValue(slot: slotID, dims: record.dims, table: dims)
                        if value >= 0 { states[at].distinct.insert(value) }
                    }
                }
            }
        }
        // Every active plan's ungrouped usage charges get a line, even at zero usage.
        let noGroup = plan.internGroup([])
        for customer in customers {
            for byMeter in plan.planSlots[Int(customer)] {
                for slotID in byMeter.joined()
                where plan.slots[Int(slotID)].charge.groupBy.isEmpty {
                    _ = state(customer, slotID, noGroup)
                }
            }
        }
        var aggregates: [UsageAggregate] = []
        aggregates.reserveCapacity(states.count)
        for state in states {
            let slot = plan.slots[Int(state.slot)]
            let nanos: Int128
            switch slot.meter.aggregation {
            case .count: nanos = try multiply(Int128(state.events), QuantityScale.unit)
            case .sum: nanos = state.sum
            case .max: nanos = state.maximum ?? 0
            case .min: nanos = state.minimum ?? 0
            case .latest: nanos = state.latest >= 0 ? records[Int(state.latest)].quantityNanos : 0
            case .uniqueCount:
                nanos = try multiply(Int128(state.distinct.count), QuantityScale.unit)
            }
            aggregates.append(
                UsageAggregate(
                    customer: plan.customerIDs[Int(state.customer)], plan: slot.plan,
                    charge: slot.charge.key, group: plan.groups[Int(state.group)],
                    quantity: QuantityScale.rational(nanos: nanos), events: state.events))
        }
        return aggregates
    }

    private static func multiply(_ left: Int128, _ right: Int128) throws -> Int128 {
        let (product, overflow) = left.multipliedReportingOverflow(by: right)
        if overflow { throw ArithmeticError.overflow(operation: "usage count") }
        return product
    }
}

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
    /// Per slot, its meter's aggregation: read per event without copying the `ChargeSlot`
    /// (whose strings would be retained and released each time).
    let slotAggregations: [Pricing.Aggregation]
    /// Per slot, whether it is a `dynamic` charge, which sums its events' amounts (SPEC §13.1;
    /// its meter carries amounts, so each event has one after its id).
    let slotSumsAmount: [Bool]
    /// `planSlots` flattened for the per-event lookup: the slots of (customer, subscription,
    /// meter) are `flatSlots[flatStarts[k]..<flatStarts[k + 1]]` with
    /// `k = (subscriptionBase[customer] + subscription) * meterCount + meter`.
    let flatSlots: [Int32]
    let flatStarts: [Int32]
    let subscriptionBase: [Int32]
    let meterCount: Int
    /// Per slot, the number of its `percentage` terms in `percentageTerms`, else -1.
    let slotPercentageTerms: [Int32]
    /// The scaled terms of the percentage charges (SPEC §13.2).
    let percentageTerms: [ScaledPercentageFee]
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
        slotAggregations = slots.map(\.meter.aggregation)
        slotSumsAmount = slots.map { slot in
            if case .dynamic = slot.charge.model { return true }
            return false
        }
        meterCount = admission.meterKeys.count
        (slotPercentageTerms, percentageTerms) = Self.percentageTerms(slots)
        var flatSlots: [Int32] = []
        var flatStarts: [Int32] = [0]
        var subscriptionBase: [Int32] = []
        var subscriptions: Int32 = 0
        for spans in planSlots {
            subscriptionBase.append(subscriptions)
            subscriptions += Int32(spans.count)
            for byMeter in spans {
                for meterSlots in byMeter {
                    flatSlots += meterSlots
                    flatStarts.append(Int32(flatSlots.count))
                }
            }
        }
        self.flatSlots = flatSlots
        self.flatStarts = flatStarts
        self.subscriptionBase = subscriptionBase
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

    /// The text of a unique_count value number.
    func distinctValueText(_ number: Int32) -> String {
        distinctValues.withKey(number) { String(decoding: $0, as: UTF8.self) }
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

    func intern(_ key: UnsafeRawBufferPointer) -> Int32 {
        let (number, inserted) = keys.intern(key)
        if inserted { decoded.append(DimsKeyBuilder.dimensions(key)) }
        return number
    }

    func dimensions(_ number: Int32) -> [Dimension] { decoded[Int(number)] }
}

/// The running state of one aggregate.
struct AggregateState {
    var events: Int64 = 0
    var sum: Int128 = 0
    var maximum: Int128?
    var minimum: Int128?
    /// The latest event so far: by instant, then by id (bytewise).
    var latest: (instant: Instant, id: [UInt8], quantity: Int128)?
    /// unique_count: the distinct values, as numbers of the worker's plan while accumulating.
    var distinct: Set<Int32> = []
    /// The figures of `dynamic` and `percentage` charges; nil for every other charge.
    var priced: PricedFigures?

    /// A state for an aggregate of `slot`, with the figures its charge's model keeps.
    init(slot: Int32, plan: AggregationPlan) {
        let needsFigures =
            plan.slotSumsAmount[Int(slot)] || plan.slotPercentageTerms[Int(slot)] >= 0
        priced = needsFigures ? PricedFigures() : nil
    }
}

/// What only `dynamic` and `percentage` charges keep per aggregate (SPEC §13.1, §13.2), boxed:
/// each worker holds a state per customer, charge and group (about 140,000 at the benchmark's
/// 10,000 customers), and 80 bytes more in each made the 1M-event run's peak RSS 37 MiB larger.
final class PricedFigures {
    /// `dynamic`: the sum of the events' amounts, in picos (`AmountScale`).
    var amountSum: Int128 = 0
    /// percentage charges: what bounding each event's fee changed (SPEC §13.2).
    var percentage = PercentageState()
}

/// An aggregate's identity across workers: customer, charge slot and group values.
struct AggregateKey: Hashable {
    let customer: Int32
    let slot: Int32
    let group: [Dimension]
}

/// One finishing worker's aggregates, accumulated over every partition it takes. Partitions
/// hold events by a hash of (customer, id) — so one customer's events, however many, spread over
/// all of them and no partition outgrows the memory budget — and an aggregate's events may come
/// from many partitions and both workers; states are merged by value at the end
/// (`AggregateMerge`). Every aggregation merges exactly: counts and sums add, max and min
/// compare, the latest compares (instant, id), unique counts unite their sets.
final class AggregationStates {
    let plan: AggregationPlan
    private var index = PairKeyTable(expected: 4096)
    private(set) var keys: [(customer: Int32, slot: Int32, group: Int32)] = []
    private(set) var states: [AggregateState] = []

    init(plan: AggregationPlan) {
        self.plan = plan
    }

    private func state(_ customer: Int32, _ slot: Int32, _ group: Int32) -> Int {
        let first = UInt64(UInt32(bitPattern: customer)) << 32 | UInt64(UInt32(bitPattern: slot))
        let second = UInt64(UInt32(bitPattern: group))
        if let known = index.find(first, second) { return Int(known) }
        keys.append((customer, slot, group))
        states.append(AggregateState(slot: slot, plan: plan))
        index.insert(first, second, value: Int32(states.count - 1))
        return states.count - 1
    }

    /// Adds one partition's surviving events.
    func add(survivors: [Int32], records: [EventRecord], ids: [UInt8], dims: DimsTable) throws {
        try ids.withUnsafeBytes { idBytes in
            func id(_ record: EventRecord) -> UnsafeRawBufferPointer {
                let start = Int(record.idOffset)
                return UnsafeRawBufferPointer(
                    rebasing: idBytes[start..<start + Int(record.idLength)])
            }
            let plan = self.plan
            for position in survivors {
                let record = records[Int(position)]
                guard record.subscription >= 0 else { continue }
                let flat =
                    (Int(plan.subscriptionBase[Int(record.customer)])
                        + Int(record.subscription)) * plan.meterCount + Int(record.meter)
                for candidate in Int(plan.flatStarts[flat])..<Int(plan.flatStarts[flat + 1]) {
                    let slotID = plan.flatSlots[candidate]
                    let groupID = plan.group(slot: slotID, dims: record.dims, table: dims)
                    guard groupID >= 0 else { continue }
                    let at = state(record.customer, slotID, groupID)
                    states[at].events += 1
                    if plan.slotSumsAmount[Int(slotID)] {
                        let figures = states[at].priced!
                        let picos = StoredAmount.picos(of: record, in: idBytes)
                        let (sum, overflow) = figures.amountSum.addingReportingOverflow(picos)
                        if overflow {
                            throw Aggregation.amountOverflow(
                                plan: plan, customer: record.customer, slot: slotID,
                                group: plan.groups[Int(groupID)], events: states[at].events)
                        }
                        figures.amountSum = sum
                    }
                    let quantity = record.quantityNanos
                    switch plan.slotAggregations[Int(slotID)] {
                    case .count: break
                    case .sum:
                        let (sum, overflow) = states[at].sum.addingReportingOverflow(quantity)
                        if overflow {
                            throw Aggregation.overflow(
                                plan: plan, customer: record.customer, slot: slotID,
                                group: plan.groups[Int(groupID)], events: states[at].events)
                        }
                        states[at].sum = sum
                        let terms = plan.slotPercentageTerms[Int(slotID)]
                        if terms >= 0,
                            !states[at].priced!.percentage.add(
                                quantityNanos: quantity,
                                terms: plan.percentageTerms[Int(terms)])
                        {
                            throw Aggregation.percentageOverflow(
                                plan: plan, customer: record.customer, slot: slotID,
                                group: plan.groups[Int(groupID)], events: states[at].events)
                        }
                    case .max:
                        states[at].maximum = Swift.max(states[at].maximum ?? quantity, quantity)
                    case .min:
                        states[at].minimum = Swift.min(states[at].minimum ?? quantity, quantity)
                    case .latest:
                        let eventID = id(record)
                        var later = true
                        if let held = states[at].latest {
                            later =
                                held.instant != record.instant
                                ? held.instant < record.instant
                                : held.id.lexicographicallyPrecedes(eventID)
                        }
                        if later { states[at].latest = (record.instant, Array(eventID), quantity) }
                    case .uniqueCount:
                        let value = plan.distinctValue(slot: slotID, dims: record.dims, table: dims)
                        if value >= 0 { states[at].distinct.insert(value) }
                    case .timeWeighted:
                        // Integrated per gauge after dedupe (`GaugeIntegrator`): only counted here.
                        break
                    }
                }
            }
        }
    }
}

/// Puts the workers' aggregates together by value, adds the zero lines, and makes the usage
/// aggregates (unsorted).
struct AggregateMerge {
    private var index: [AggregateKey: Int] = [:]
    private var keys: [AggregateKey] = []
    private var states: [AggregateState] = []
    private var distinct: [Set<String>] = []
    private let plan: AggregationPlan
    /// Time-weighted aggregates by line (`UsageIngest.gaugeQuantities`); a line with a
    /// non-zero one exists even without an event under its plan (SPEC §13.5).
    var gaugeQuantities: [AggregateKey: Rational] = [:]

    /// `plan` gives the slots and customers (any worker's: they agree on everything but the
    /// numbering of groups and distinct values, which the merge does not use).
    init(plan: AggregationPlan) {
        self.plan = plan
    }

    private mutating func slot(for key: AggregateKey) -> Int {
        if let known = index[key] { return known }
        index[key] = keys.count
        keys.append(key)
        states.append(AggregateState(slot: key.slot, plan: plan))
        distinct.append([])
        return keys.count - 1
    }

    /// Merges one worker's states (workers in a fixed order, so an overflow is reported the
    /// same way every run).
    mutating func merge(_ worker: AggregationStates) throws {
        for (key, state) in zip(worker.keys, worker.states) {
            let group = worker.plan.groups[Int(key.group)]
            let at = slot(for: AggregateKey(customer: key.customer, slot: key.slot, group: group))
            var merged = states[at]
            merged.events += state.events
            let (sum, overflow) = merged.sum.addingReportingOverflow(state.sum)
            if overflow {
                throw Aggregation.overflow(
                    plan: plan, customer: key.customer, slot: key.slot, group: group,
                    events: merged.events)
            }
            merged.sum = sum
            // Both have figures or neither: the slot decides (`AggregateState.init`).
            if let figures = state.priced, let target = merged.priced {
                let (amountSum, amountOverflow) = target.amountSum.addingReportingOverflow(
                    figures.amountSum)
                if amountOverflow {
                    throw Aggregation.amountOverflow(
                        plan: plan, customer: key.customer, slot: key.slot, group: group,
                        events: merged.events)
                }
                target.amountSum = amountSum
                if !target.percentage.merge(figures.percentage) {
                    throw Aggregation.percentageOverflow(
                        plan: plan, customer: key.customer, slot: key.slot, group: group,
                        events: merged.events)
                }
            }
            if let value = state.maximum {
                merged.maximum = Swift.max(merged.maximum ?? value, value)
            }
            if let value = state.minimum {
                merged.minimum = Swift.min(merged.minimum ?? value, value)
            }
            if let latest = state.latest {
                if let held = merged.latest {
                    let later =
                        held.instant != latest.instant
                        ? held.instant < latest.instant
                        : held.id.lexicographicallyPrecedes(latest.id)
                    if later { merged.latest = latest }
                } else {
                    merged.latest = latest
                }
            }
            states[at] = merged
            for number in state.distinct {
                distinct[at].insert(worker.plan.distinctValueText(number))
            }
        }
    }

    /// The aggregates, with a zero line for every active plan's ungrouped usage charges.
    mutating func aggregates() throws -> [UsageAggregate] {
        for (customer, spans) in plan.planSlots.enumerated() {
            for byMeter in spans {
                for slotID in byMeter.joined() where plan.slots[Int(slotID)].charge.groupBy.isEmpty
                {
                    _ = slot(for: AggregateKey(customer: Int32(customer), slot: slotID, group: []))
                }
            }
        }
        for (key, quantity) in gaugeQuantities where !quantity.isZero { _ = slot(for: key) }
        var result: [UsageAggregate] = []
        result.reserveCapacity(keys.count)
        for (at, key) in keys.enumerated() {
            let state = states[at]
            let chargeSlot = plan.slots[Int(key.slot)]
            let nanos: Int128
            var exact: Rational?
            switch chargeSlot.meter.aggregation {
            case .count: nanos = try Aggregation.multiply(Int128(state.events), QuantityScale.unit)
            case .sum: nanos = state.sum
            case .max: nanos = state.maximum ?? 0
            case .min: nanos = state.minimum ?? 0
            case .latest: nanos = state.latest?.quantity ?? 0
            case .uniqueCount:
                nanos = try Aggregation.multiply(Int128(distinct[at].count), QuantityScale.unit)
            case .timeWeighted:
                nanos = 0
                exact = gaugeQuantities[key] ?? .zero
            }
            var percentage: PercentageAdjustments?
            if plan.slotPercentageTerms[Int(key.slot)] >= 0 {
                percentage = try (state.priced?.percentage ?? PercentageState()).adjustments()
            }
            result.append(
                UsageAggregate(
                    customer: plan.customerIDs[Int(key.customer)], plan: chargeSlot.plan,
                    charge: chargeSlot.charge.key, group: key.group,
                    quantity: exact ?? QuantityScale.rational(nanos: nanos), events: state.events,
                    amount: plan.slotSumsAmount[Int(key.slot)]
                        ? AmountScale.rational(picos: state.priced?.amountSum ?? 0) : nil,
                    percentage: percentage))
        }
        return result
    }
}

enum Aggregation {
    static func overflow(
        plan: AggregationPlan, customer: Int32, slot: Int32, group: [Dimension], events: Int64
    ) -> AmountOverflow {
        let chargeSlot = plan.slots[Int(slot)]
        return AmountOverflow(
            customer: plan.customerIDs[Int(customer)], plan: chargeSlot.plan,
            charge: chargeSlot.charge.key, group: group,
            computation: "the sum of meter \"\(chargeSlot.meter.key)\" quantities over "
                + "\(events) events",
            cause: ArithmeticError.overflow(operation: "usage sum"))
    }

    /// A `dynamic` line's amounts that do not sum in `Int128` picos (over about 1.7 × 10²⁶ in
    /// currency units): reported like the quantity sum's overflow.
    static func amountOverflow(
        plan: AggregationPlan, customer: Int32, slot: Int32, group: [Dimension], events: Int64
    ) -> AmountOverflow {
        let chargeSlot = plan.slots[Int(slot)]
        return AmountOverflow(
            customer: plan.customerIDs[Int(customer)], plan: chargeSlot.plan,
            charge: chargeSlot.charge.key, group: group,
            computation: "the sum of meter \"\(chargeSlot.meter.key)\" amounts over "
                + "\(events) events",
            cause: ArithmeticError.overflow(operation: "amount sum"))
    }

    static func multiply(_ left: Int128, _ right: Int128) throws -> Int128 {
        let (product, overflow) = left.multipliedReportingOverflow(by: right)
        if overflow { throw ArithmeticError.overflow(operation: "usage count") }
        return product
    }
}

import Pricing

/// What the catalog and customers say about gauges (SPEC §13.3), computed once per run: which
/// meters are `time_weighted`, the group and filter every charge on such a meter shares, each
/// customer's active spans, and the opening levels.
final class GaugePlan: @unchecked Sendable {
    /// Per meter number: whether it is time-weighted (read per surviving event only when the
    /// catalog has a gauge at all).
    let isGauge: [Bool]
    let hasGauges: Bool
    let meterKeys: [String]
    let customerIDs: [String]
    /// Per meter number: the shared `group_by` (sorted bytewise) and `filter`.
    let groupBy: [[String]]
    let filters: [[DimensionFilter]]
    /// Per customer: its active subscriptions' ranges, in time order.
    let spans: [[TimeRange]]
    /// Opening levels by gauge.
    let opening: [GaugeKey: GaugeLevel]

    /// A gauge's identity: customer and meter numbers and group values.
    struct GaugeKey: Hashable {
        let customer: Int32
        let meter: Int32
        let group: [Dimension]
    }

    init(catalog: Catalog, admission: EventAdmission, opening: [GaugeLevel]) {
        meterKeys = admission.meterKeys
        isGauge = admission.meters.map { $0.aggregation == .timeWeighted }
        hasGauges = isGauge.contains(true)
        customerIDs = admission.customers.map(\.id)
        let shapes = admission.meterKeys.map { catalog.gaugeShape(meter: $0) }
        groupBy = shapes.map(\.groupBy)
        filters = shapes.map(\.filter)
        spans = admission.activeSubscriptions.map { $0.map(\.range) }
        var customerNumbers: [String: Int32] = [:]
        for (number, id) in customerIDs.enumerated() { customerNumbers[id] = Int32(number) }
        var meterNumbers: [String: Int32] = [:]
        for (number, key) in meterKeys.enumerated() { meterNumbers[key] = Int32(number) }
        var byKey: [GaugeKey: GaugeLevel] = [:]
        for level in opening {
            // The gauges file reader has checked both against the same catalog and customers.
            guard let customer = customerNumbers[level.customer],
                let meter = meterNumbers[level.meter]
            else { continue }
            byKey[GaugeKey(customer: customer, meter: meter, group: level.group)] = level
        }
        self.opening = byKey
    }
}

/// One finishing worker's share of the gauge events: surviving billed events of time-weighted
/// meters, routed after dedupe into partitions by customer (so that a gauge's events meet in
/// one partition), spilled like the event partitions once the run spills.
final class GaugeRouter {
    let partitions: [EventPartition]
    private let customerHashes: [UInt64]
    private let plan: GaugePlan
    private let spilling: Bool
    private let chunkRecords: Int
    private let spillFolder: String

    init(plan: GaugePlan, customerHashes: [UInt64], limits: IngestLimits, spilling: Bool) {
        self.plan = plan
        self.customerHashes = customerHashes
        self.spilling = spilling
        chunkRecords = limits.chunkRecords
        spillFolder = limits.spillFolder
        partitions = (0..<limits.partitionCount).map { _ in EventPartition() }
    }

    /// The gauge partition of a customer's events.
    static func partition(customerHash: UInt64, count: Int) -> Int {
        Int(customerHash % UInt64(count))
    }

    /// Routes one dedupe partition's surviving billed events of time-weighted meters.
    func route(survivors: [Int32], records: [EventRecord], ids: [UInt8]) throws {
        // Read once: through `plan` each event would retain and release the array.
        let isGauge = plan.isGauge
        try ids.withUnsafeBytes { idBytes in
            for position in survivors {
                let record = records[Int(position)]
                guard record.subscription >= 0, isGauge[Int(record.meter)] else { continue }
                let start = Int(record.idOffset)
                let id = UnsafeRawBufferPointer(
                    rebasing: idBytes[start..<start + Int(record.idLength)])
                let number = GaugeRouter.partition(
                    customerHash: customerHashes[Int(record.customer)], count: partitions.count)
                let partition = partitions[number]
                partition.append(record, id: id)
                if spilling && partition.recordCount >= chunkRecords {
                    try partition.spill(folder: spillFolder)
                }
            }
        }
    }
}

/// What integrating one gauge gives: its integral over each of its customer's active spans and
/// its level at the period end.
struct GaugeOutcome {
    let customer: Int32
    let meter: Int32
    let group: [Dimension]
    /// Per active span of the customer, level-billionths × nanoseconds.
    let integrals: [Int128]
    let closing: GaugeLevel
}

/// Integrates the gauges of one customer partition, with a worker's own cache of groups.
final class GaugeIntegrator {
    private let plan: GaugePlan
    private let dims: DimsTable
    /// (meter, dims) → group number + 1, or 0 when the meter's filter leaves the dims out.
    private var groupCache = PairKeyTable(expected: 256)
    private var groups: [[Dimension]] = []
    private var groupIndex: [[Dimension]: Int32] = [:]

    init(plan: GaugePlan, dims: DimsTable) {
        self.plan = plan
        self.dims = dims
    }

    private func group(meter: Int32, dims number: Int32) -> Int32 {
        if let known = groupCache.find(UInt64(meter), UInt64(number)) { return known - 1 }
        let values = dims.dimensions(number)
        var group: Int32 = -1
        if AggregationPlan.matches(plan.filters[Int(meter)], values) {
            let made = plan.groupBy[Int(meter)].map { name in
                Dimension(key: name, value: values.first(where: { $0.key == name })?.value ?? "")
            }
            if let known = groupIndex[made] {
                group = known
            } else {
                groups.append(made)
                group = Int32(groups.count - 1)
                groupIndex[made] = group
            }
        }
        groupCache.insert(UInt64(meter), UInt64(number), value: group + 1)
        return group
    }

    /// The outcomes of every gauge with an event among `parts` (the workers' routed events of
    /// one customer partition, in worker order). Events the filter leaves out are dropped; the
    /// rest are ordered by (customer, meter, group, instant, id), so the result never depends
    /// on arrival order.
    func integrate(_ parts: [(records: [EventRecord], ids: [UInt8])]) throws -> [GaugeOutcome] {
        var records: [EventRecord] = []
        var ids: [UInt8] = []
        for part in parts {
            let base = Int64(ids.count)
            for var record in part.records {
                record.idOffset += base
                records.append(record)
            }
            ids += part.ids
        }
        var kept: [(index: Int32, group: Int32)] = []
        kept.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            let group = group(meter: record.meter, dims: record.dims)
            if group >= 0 { kept.append((Int32(index), group)) }
        }
        return try ids.withUnsafeBytes { idBytes in
            func id(_ record: EventRecord) -> UnsafeRawBufferPointer {
                let start = Int(record.idOffset)
                return UnsafeRawBufferPointer(
                    rebasing: idBytes[start..<start + Int(record.idLength)])
            }
            kept.sort { left, right in
                let a = records[Int(left.index)]
                let b = records[Int(right.index)]
                if a.customer != b.customer { return a.customer < b.customer }
                if a.meter != b.meter { return a.meter < b.meter }
                if left.group != right.group { return left.group < right.group }
                if a.instant != b.instant { return a.instant < b.instant }
                return id(a).lexicographicallyPrecedes(id(b))
            }
            var outcomes: [GaugeOutcome] = []
            var start = 0
            while start < kept.count {
                let first = records[Int(kept[start].index)]
                var end = start + 1
                while end < kept.count {
                    let other = records[Int(kept[end].index)]
                    guard other.customer == first.customer, other.meter == first.meter,
                        kept[end].group == kept[start].group
                    else { break }
                    end += 1
                }
                // One step per instant: the last of a same-instant run has the greatest id.
                var steps: [GaugeIntegral.Step] = []
                for position in start..<end {
                    let record = records[Int(kept[position].index)]
                    let step = GaugeIntegral.Step(
                        instant: record.instant, levelNanos: record.quantityNanos)
                    if steps.last?.instant == step.instant {
                        steps[steps.count - 1] = step
                    } else {
                        steps.append(step)
                    }
                }
                outcomes.append(
                    try GaugeIntegrator.outcome(
                        plan: plan, customer: first.customer, meter: first.meter,
                        group: groups[Int(kept[start].group)], steps: steps))
                start = end
            }
            return outcomes
        }
    }

    /// Integrates one gauge over its customer's spans from its opening level (0 without one).
    static func outcome(
        plan: GaugePlan, customer: Int32, meter: Int32, group: [Dimension],
        steps: [GaugeIntegral.Step]
    ) throws -> GaugeOutcome {
        let opening = plan.opening[
            GaugePlan.GaugeKey(customer: customer, meter: meter, group: group)]
        let integrals = try GaugeIntegral.integrate(
            opening: opening?.levelNanos ?? 0, steps: steps, spans: plan.spans[Int(customer)])
        let closing = GaugeLevel(
            customer: plan.customerIDs[Int(customer)], meter: plan.meterKeys[Int(meter)],
            group: group, levelNanos: steps.last?.levelNanos ?? opening?.levelNanos ?? 0,
            since: steps.last?.instant ?? opening?.since)
        return GaugeOutcome(
            customer: customer, meter: meter, group: group, integrals: integrals,
            closing: closing)
    }
}

import Pricing
import Yams

/// The catalog rules of time-weighted gauges (SPEC §13.3, §13.5 "Gauges").
extension CatalogBuilder {
    /// A meter's `per`: required with `time_weighted`, refused with any other aggregation.
    func gaugeUnit(_ aggregation: Aggregation, _ node: Node, _ perNode: Node?, _ path: String)
        -> GaugeUnit?
    {
        guard aggregation == .timeWeighted else {
            if perNode != nil {
                reader.fail(perNode, path + ".per", "only time_weighted meters take per")
            }
            return nil
        }
        let expected = GaugeUnit.allCases.map(\.rawValue).joined(separator: ", ")
        guard let perNode else {
            reader.fail(node, path + ".per", "missing; time_weighted needs per: one of \(expected)")
            return nil
        }
        guard let text = reader.string(perNode, path + ".per") else { return nil }
        guard let unit = GaugeUnit(rawValue: text) else {
            reader.fail(
                perNode, path + ".per", "unknown per \"\(text)\"; expected one of: \(expected)")
            return nil
        }
        return unit
    }

    /// All charges on one time-weighted meter, in every plan, must split and filter its events
    /// alike: a gauge is one level per (customer, meter, group), whatever plan rates it. Each
    /// charge that differs from the meter's first charge (in file order) is an error at its
    /// `group_by` or `filter`.
    func checkGaugeCharges(_ catalog: Catalog) {
        var first: [String: (charge: UsageCharge, path: String)] = [:]
        for placed in placedUsage {
            guard catalog.meters[placed.charge.meter]?.aggregation == .timeWeighted else {
                continue
            }
            guard let reference = first[placed.charge.meter] else {
                first[placed.charge.meter] = (placed.charge, placed.path)
                continue
            }
            let meter = placed.charge.meter
            if Set(reference.charge.groupBy) != Set(placed.charge.groupBy) {
                reader.fail(
                    placed.node, placed.path + ".group_by",
                    "differs from \(reference.path).group_by; every charge on time_weighted meter "
                        + "\"\(meter)\" must have the same group_by (one gauge per group)")
            }
            if reference.charge.filter != placed.charge.filter {
                reader.fail(
                    placed.node, placed.path + ".filter",
                    "differs from \(reference.path).filter; every charge on time_weighted meter "
                        + "\"\(meter)\" must have the same filter (one gauge per group)")
            }
        }
    }
}

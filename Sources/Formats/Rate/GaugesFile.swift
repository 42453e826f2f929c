import Pricing

/// `gauges.ndjson` (SPEC §13.3): written by `rate` with each gauge's level at the period end,
/// read by the next period's `rate --gauges` as the opening levels.
public enum GaugesFile {
    /// The largest gauges file read (one row per customer, gauge meter and group).
    public static let fileBytesMax = 256 << 20

    /// One `gauges.ndjson` line: `customer`, `meter`, `group`, `level` (the exact decimal),
    /// `since` (UTC with `Z` and the shortest fraction, or null).
    public static func line(_ level: GaugeLevel, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("customer")
        writer.string(level.customer)
        writer.key("meter")
        writer.string(level.meter)
        RateOutputs.writeGroup(level.group, into: &writer)
        writer.key("level")
        writer.string(QuantityScale.rational(nanos: level.levelNanos).description)
        writer.key("since")
        if let since = level.since {
            writer.string(since.rfc3339(offsetSeconds: 0))
        } else {
            writer.null()
        }
        writer.endObject()
        writer.endLine()
    }

    /// Reads an opening gauges file against the catalog and customers. Blank lines are
    /// skipped and unknown fields ignored; every bad row is listed in the error (`file:line:
    /// problem`), whose whole is a usage error (SPEC §13.5).
    public static func read(
        text: String, file: String, catalog: Catalog, customers: [Customer]
    ) throws(GaugesFileError) -> [GaugeLevel] {
        let customerIDs = Set(customers.map(\.id))
        var shapes: [String: (groupBy: [String], filter: [DimensionFilter])] = [:]
        for (key, meter) in catalog.meters where meter.aggregation == .timeWeighted {
            shapes[key] = catalog.gaugeShape(meter: key)
        }
        var problems: [String] = []
        var levels: [GaugeLevel] = []
        var firstLine: [GaugeIdentity: Int] = [:]
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var rowProblems: [String] = []
            func problem(_ text: String) { rowProblems.append("\(file):\(number): \(text)") }
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            guard let value = try? JSONValue.parse(String(line)) else {
                problem("not valid JSON")
                problems += rowProblems
                continue
            }
            guard case .object = value else {
                problem("not a JSON object")
                problems += rowProblems
                continue
            }
            func text(_ name: String) -> String? {
                switch value[name] {
                case .string(let text)?: return text
                case nil: problem("missing field \"\(name)\"")
                default: problem("\"\(name)\" must be a string")
                }
                return nil
            }
            let customer = text("customer")
            if let customer, !customerIDs.contains(customer) {
                problem("unknown customer \"\(customer)\"; not in the customers file")
            }
            let meter = text("meter")
            var shape: (groupBy: [String], filter: [DimensionFilter])?
            if let meter {
                shape = shapes[meter]
                if catalog.meters[meter] == nil {
                    problem("unknown meter \"\(meter)\"; not in the catalog")
                } else if shape == nil {
                    problem("meter \"\(meter)\" is not time_weighted")
                }
            }
            let group = self.group(value["group"], shape: shape, problem: problem)
            var levelNanos: Int128?
            switch value["level"] {
            case .string(let text)?, .number(let text)?:
                switch QuantityText.nanos(Array(text.utf8)) {
                case .success(let nanos): levelNanos = nanos
                case .failure(_, let detail):
                    problem("bad level: \(detail)")
                }
            case nil: problem("missing field \"level\"")
            default: problem("\"level\" must be a decimal string")
            }
            var since: Instant?
            switch value["since"] {
            case .null?: break
            case .string(let text)?:
                since = RFC3339.parse(text)
                if since == nil {
                    problem(
                        "bad since \"\(text)\"; expected an RFC 3339 time such as "
                            + "2026-10-31T23:00:00Z, or null")
                }
            case nil: problem("missing field \"since\" (null when unknown)")
            default: problem("\"since\" must be an RFC 3339 time or null")
            }
            if let customer, let meter, let group {
                let key = GaugeIdentity(customer: customer, meter: meter, group: group)
                if let earlier = firstLine[key] {
                    problem("repeats the gauge of line \(earlier)")
                } else {
                    firstLine[key] = number
                }
            }
            guard rowProblems.isEmpty, let customer, let meter, let group, let levelNanos else {
                problems += rowProblems
                continue
            }
            levels.append(
                GaugeLevel(
                    customer: customer, meter: meter, group: group, levelNanos: levelNanos,
                    since: since))
        }
        if !problems.isEmpty { throw GaugesFileError(problems: problems) }
        return levels
    }

    /// A row's `group`: an object of strings whose keys are exactly the meter's `group_by`
    /// and whose values its `filter` admits; nil (after a problem) otherwise.
    static func group(
        _ value: JSONValue?, shape: (groupBy: [String], filter: [DimensionFilter])?,
        problem: (String) -> Void
    ) -> [Dimension]? {
        guard case .object(let members)? = value else {
            problem(value == nil ? "missing field \"group\"" : "\"group\" must be an object")
            return nil
        }
        var dims: [Dimension] = []
        for (key, member) in members {
            guard case .string(let text) = member else {
                problem("group value \"\(key)\" must be a string")
                return nil
            }
            dims.append(Dimension(key: key, value: text))
        }
        dims.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        guard let shape else { return dims }
        let keys = dims.map(\.key)
        guard keys == shape.groupBy else {
            let expected = shape.groupBy.map { "\"\($0)\"" }.joined(separator: ", ")
            problem(
                "wrong group keys [\(keys.map { "\"\($0)\"" }.joined(separator: ", "))]; the "
                    + "meter's charges group by [\(expected)]")
            return nil
        }
        for entry in shape.filter {
            // A filter on a dimension outside group_by cannot be judged from the group.
            guard let value = dims.first(where: { $0.key == entry.dimension })?.value else {
                continue
            }
            if !entry.values.contains(value) {
                problem("group \"\(entry.dimension)\": \"\(value)\" is left out by the filter")
                return nil
            }
        }
        return dims
    }
}

/// A gauge's identity in a gauges file: one row each.
struct GaugeIdentity: Hashable {
    let customer: String
    let meter: String
    let group: [Dimension]
}

/// Every problem of a gauges file, each `file:line: problem`; a usage error (exit 1).
public struct GaugesFileError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

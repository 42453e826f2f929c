/// What makes two billable lines of two runs "the same line": the customer, plan, charge, kind
/// and group values (SPEC §11's line key, with the customer an invoice holds once).
public struct BillableLineKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let customer: String
    public let plan: String
    public let charge: String
    /// `usage`, `recurring` or `minimum_true_up`, as written.
    public let kind: String
    /// Group dimension values, sorted by dimension name.
    public let group: [Dimension]

    public init(customer: String, plan: String, charge: String, kind: String, group: [Dimension]) {
        self.customer = customer
        self.plan = plan
        self.charge = charge
        self.kind = kind
        self.group = group
    }

    /// Keys sort bytewise field by field, as outputs do: customer, plan, charge, kind, group.
    public static func < (left: BillableLineKey, right: BillableLineKey) -> Bool {
        for (a, b) in [
            (left.customer, right.customer), (left.plan, right.plan),
            (left.charge, right.charge), (left.kind, right.kind),
        ] where a != b {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return left.groupText.utf8.lexicographicallyPrecedes(right.groupText.utf8)
    }

    /// The group as `key=value,key=value` (empty for no group).
    public var groupText: String {
        group.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// `charge (plan, kind) {group}` as reports show it, without the customer.
    public var description: String {
        "\(charge) (\(plan), \(kind))" + (group.isEmpty ? "" : " {\(groupText)}")
    }
}

/// The figures of one billable line that a difference compares.
public struct LineFigures: Equatable, Sendable {
    /// The quantity after transforms (occurrences for a recurring line).
    public let quantity: Rational
    /// The unrounded amount.
    public let amountExact: Rational
    /// The rounded amount, exactly as billed.
    public let amount: Rational

    public init(quantity: Rational, amountExact: Rational, amount: Rational) {
        self.quantity = quantity
        self.amountExact = amountExact
        self.amount = amount
    }

    /// A line that is not there: every figure zero.
    public static let absent = LineFigures(quantity: .zero, amountExact: .zero, amount: .zero)
}

/// One line that differs between two runs: before and after (nil where the line is absent),
/// and the difference of each figure (after − before).
public struct LineChange: Sendable {
    public let key: BillableLineKey
    public let before: LineFigures?
    public let after: LineFigures?
    public let quantityDelta: Rational
    public let amountExactDelta: Rational
    public let amountDelta: Rational

    /// A change as a document states it (the deltas are not recomputed: a document's own).
    public init(
        key: BillableLineKey, before: LineFigures?, after: LineFigures?,
        quantityDelta: Rational, amountExactDelta: Rational, amountDelta: Rational
    ) {
        self.key = key
        self.before = before
        self.after = after
        self.quantityDelta = quantityDelta
        self.amountExactDelta = amountExactDelta
        self.amountDelta = amountDelta
    }

    /// The line appeared in the second run.
    public var appeared: Bool { before == nil }
    /// The line vanished from the second run.
    public var vanished: Bool { after == nil }
}

/// Line-by-line differences between two runs' billable lines (for `diff` and for correction
/// documents, SPEC §9).
public enum LineDifference {
    /// The lines whose figures differ, lines that appeared or vanished included, sorted by key.
    /// A key listed twice on one side is refused: a run bills each line key once.
    public static func between(
        _ before: [(BillableLineKey, LineFigures)], _ after: [(BillableLineKey, LineFigures)]
    ) throws -> [LineChange] {
        let old = try index(before)
        let new = try index(after)
        var changes: [LineChange] = []
        for key in Set(old.keys).union(new.keys).sorted() {
            let a = old[key]
            let b = new[key]
            if a == b { continue }
            let left = a ?? .absent
            let right = b ?? .absent
            changes.append(
                LineChange(
                    key: key, before: a, after: b,
                    quantityDelta: try right.quantity - left.quantity,
                    amountExactDelta: try right.amountExact - left.amountExact,
                    amountDelta: try right.amount - left.amount))
        }
        return changes
    }

    static func index(
        _ lines: [(BillableLineKey, LineFigures)]
    ) throws -> [BillableLineKey: LineFigures] {
        var result: [BillableLineKey: LineFigures] = [:]
        for (key, figures) in lines {
            guard result.updateValue(figures, forKey: key) == nil else {
                throw LineDifferenceError.repeatedKey(key)
            }
        }
        return result
    }
}

/// Two lines of one run with the same key: the run is not one Ratebook wrote.
public enum LineDifferenceError: Error, Equatable, CustomStringConvertible {
    case repeatedKey(BillableLineKey)

    public var description: String {
        switch self {
        case .repeatedKey(let key):
            return "customer \(key.customer): line \(key) is listed twice"
        }
    }
}

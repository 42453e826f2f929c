/// What produced a rated line.
public enum LineKind: String, Sendable {
    case usage
    case recurring
    case minimumTrueUp = "minimum_true_up"
}

/// One row of a line's price breakdown: a tier, a package count, a recurring fee, or (SPEC §13)
/// a block-priced tier, a pass-through sum with its markup, or a per-event adjustment. Every
/// field but `quantity` and `amount` is optional, so each kind of row carries only its own;
/// `rated.ndjson` writes the present ones in one fixed order (`RatedLineRecord.writeTiers`).
public struct TierAmount: Hashable, Sendable {
    public let quantity: Rational
    /// The price per unit; nil on rows that are not priced per unit (blocks, pass-through sums,
    /// adjustments).
    public let unitPrice: Rational?
    /// Exact amount of this row (quantity × unit price, plus the flat price if any).
    public let amount: Rational
    /// The tier's flat price, where one applies.
    public let flatPrice: Rational?
    /// The fields of the §13 rows, boxed and nil on every other row: a run keeps every line's
    /// rows until its outputs are written (about 200,000 rows at the benchmark's 10,000
    /// customers), and five more optional fields inline in each made the 1M-event run's peak
    /// RSS 37 MiB larger.
    private let extra: Extra?

    /// Block-priced tiers (§13.6): the whole blocks billed, their size and their price.
    public var blocks: Rational? { extra?.blocks }
    public var blockSize: Rational? { extra?.blockSize }
    public var blockPrice: Rational? { extra?.blockPrice }
    /// `dynamic` (§13.1): the markup the row's pass-through amount is multiplied by.
    public var markup: Rational? { extra?.markup }
    /// `percentage` (§13.2): `event_minimum` or `event_maximum` on an adjustment row.
    public var adjustment: String? { extra?.adjustment }

    public init(
        quantity: Rational, unitPrice: Rational?, amount: Rational, flatPrice: Rational?,
        blocks: Rational? = nil, blockSize: Rational? = nil, blockPrice: Rational? = nil,
        markup: Rational? = nil, adjustment: String? = nil
    ) {
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.flatPrice = flatPrice
        let row = Extra(
            blocks: blocks, blockSize: blockSize, blockPrice: blockPrice, markup: markup,
            adjustment: adjustment)
        extra = row.isEmpty ? nil : row
    }

    /// The §13 fields of a row, compared and hashed by value.
    private final class Extra: Hashable, Sendable {
        let blocks: Rational?
        let blockSize: Rational?
        let blockPrice: Rational?
        let markup: Rational?
        let adjustment: String?

        init(
            blocks: Rational?, blockSize: Rational?, blockPrice: Rational?, markup: Rational?,
            adjustment: String?
        ) {
            self.blocks = blocks
            self.blockSize = blockSize
            self.blockPrice = blockPrice
            self.markup = markup
            self.adjustment = adjustment
        }

        var isEmpty: Bool {
            blocks == nil && blockSize == nil && blockPrice == nil && markup == nil
                && adjustment == nil
        }

        static func == (left: Extra, right: Extra) -> Bool {
            left.blocks == right.blocks && left.blockSize == right.blockSize
                && left.blockPrice == right.blockPrice && left.markup == right.markup
                && left.adjustment == right.adjustment
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(blocks)
            hasher.combine(blockSize)
            hasher.combine(blockPrice)
            hasher.combine(markup)
            hasher.combine(adjustment)
        }
    }
}

/// A priced line of one customer's period (SPEC §8.1 `rated.ndjson`).
public struct RatedLine: Sendable {
    public let customer: String
    public let plan: String
    public let charge: String
    public let kind: LineKind
    /// Group dimension values, sorted by dimension name.
    public let group: [Dimension]
    /// The quantity after transforms; for recurring lines the number of occurrences.
    public let quantity: Rational
    /// The unrounded amount, after any per-line minimum or maximum.
    public let amountExact: Rational
    /// `amountExact` rounded once to the currency's minor units.
    public let amount: Money
    public let tiers: [TierAmount]

    public init(
        customer: String, plan: String, charge: String, kind: LineKind, group: [Dimension],
        quantity: Rational, amountExact: Rational, amount: Money, tiers: [TierAmount]
    ) {
        self.customer = customer
        self.plan = plan
        self.charge = charge
        self.kind = kind
        self.group = group
        self.quantity = quantity
        self.amountExact = amountExact
        self.amount = amount
        self.tiers = tiers
    }

    public var currency: Currency { amount.currency }
    public var sortKey: LineKey { LineKey(customer, plan, charge, group) }
}

extension RatedLine {
    /// The one price per unit the line's amount is, when it is one: a single breakdown row
    /// without a flat price, over the line's whole quantity, with no per-line minimum or
    /// maximum applied (the amount is the row's). Nil for tiers, packages (the row counts
    /// packages, not the quantity), flat prices and bounded lines: a document then shows the
    /// breakdown, not one price.
    public var unitPrice: Rational? {
        guard tiers.count == 1, let row = tiers.first, row.flatPrice?.isZero ?? true,
            row.quantity == quantity, row.amount == amountExact
        else { return nil }
        return row.unitPrice
    }
}

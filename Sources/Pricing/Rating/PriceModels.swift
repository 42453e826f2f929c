/// The pure price of a quantity under each model (SPEC §5). No rounding happens here.
public enum PriceModels {
    /// `free_quantity`, then `divide_by`, then `round_quantity`.
    public static func transform(_ quantity: Rational, charge: UsageCharge) throws -> Rational {
        var result = quantity
        if let free = charge.freeQuantity {
            result = try result - free
            if result.isNegative { result = .zero }
        }
        if let divisor = charge.divideBy { result = try result / divisor }
        switch charge.roundQuantity {
        case .none: break
        case .up: result = Rational(result.rounded(.ceiling))
        case .down: result = Rational(result.rounded(.floor))
        }
        return result
    }

    /// The breakdown of `quantity` under `model` for a group's dimension values.
    /// `flatPriceAtZero` (SPEC §13.6): at quantity 0 a graduated or volume charge bills its
    /// first tier's row (quantity 0, its flat price) instead of nothing.
    public static func breakdown(
        _ quantity: Rational, model: PricingModel, group: [String: String],
        flatPriceAtZero: Bool = false
    ) throws -> [TierAmount] {
        if quantity.isZero {
            // A quantity of zero costs nothing and has no rows, whatever the model, unless the
            // charge opts into the first tier's flat price at zero.
            guard flatPriceAtZero else { return [] }
            switch model {
            case .graduated(let tiers), .volume(let tiers):
                guard let first = tiers.first else { return [] }
                return [try row(quantity, first)]
            default:
                return []
            }
        }
        switch model {
        case .perUnit(let price):
            let unitPrice = price.price(for: group)
            return [
                TierAmount(
                    quantity: quantity, unitPrice: unitPrice, amount: try quantity * unitPrice,
                    flatPrice: nil)
            ]
        case .graduated(let tiers):
            return try graduated(quantity, tiers)
        case .volume(let tiers):
            return try volume(quantity, tiers)
        case .package(let size, let price, let roundDown):
            let packages = try quantity / size
            let count = Rational(packages.rounded(roundDown ? .floor : .ceiling))
            return [
                TierAmount(
                    quantity: count, unitPrice: price, amount: try count * price, flatPrice: nil)
            ]
        case .dynamic:
            // A dynamic line is priced from its events' amounts, not from a quantity.
            preconditionFailure("dynamic charges are priced by Rater.priceDynamic")
        case .percentage:
            preconditionFailure("a percentage line is priced from its events (Rater.usageLine)")
        }
    }

    /// Each unit priced by the tier it falls in; a tier covers `(previous up_to, up_to]`.
    /// A tier is entered when the quantity exceeds its lower bound; its flat price is added once.
    static func graduated(_ quantity: Rational, _ tiers: [Tier]) throws -> [TierAmount] {
        var rows: [TierAmount] = []
        var lower = Rational.zero
        for tier in tiers {
            guard lower < quantity else { break }
            let upper = tier.upTo.map { Swift.min($0, quantity) } ?? quantity
            let portion = try upper - lower
            // A block tier rounds up the units falling in it, not the whole quantity: a tier
            // bound inside a block starts the next tier's blocks afresh.
            rows.append(try row(portion, tier))
            guard let bound = tier.upTo else { break }
            lower = bound
        }
        return rows
    }

    /// The whole quantity priced at the one tier containing it, plus that tier's flat price.
    /// Zero costs nothing.
    static func volume(_ quantity: Rational, _ tiers: [Tier]) throws -> [TierAmount] {
        guard !quantity.isZero else { return [] }
        guard let tier = tiers.first(where: { $0.upTo.map { quantity <= $0 } ?? true }) else {
            preconditionFailure("the catalog guarantees an unbounded last tier")
        }
        return [try row(quantity, tier)]
    }

    /// One tier's row over `quantity` units: `quantity × unit_price`, or for a block tier
    /// `ceil(quantity / block_size) × block_price` (its fields `blocks`, `block_size`,
    /// `block_price`, no `unit_price`), plus the tier's flat price either way.
    static func row(_ quantity: Rational, _ tier: Tier) throws -> TierAmount {
        guard let block = tier.block else {
            var amount = try quantity * tier.unitPrice
            if let flat = tier.flatPrice { amount = try amount + flat }
            return TierAmount(
                quantity: quantity, unitPrice: tier.unitPrice, amount: amount,
                flatPrice: tier.flatPrice)
        }
        // A started block counts whole.
        let blocks = Rational(try (quantity / block.size).rounded(.ceiling))
        var amount = try blocks * block.price
        if let flat = tier.flatPrice { amount = try amount + flat }
        return TierAmount(
            quantity: quantity, unitPrice: nil, amount: amount, flatPrice: tier.flatPrice,
            blocks: blocks, blockSize: block.size, blockPrice: block.price)
    }

    /// Bounds an exact amount by a line's `minimum` and `maximum`.
    public static func bounded(
        _ amount: Rational, minimum: Rational?, maximum: Rational?
    )
        -> Rational
    {
        var result = amount
        if let minimum, result < minimum { result = minimum }
        if let maximum, maximum < result { result = maximum }
        return result
    }

    /// The exact sum of a breakdown.
    public static func total(_ rows: [TierAmount]) throws -> Rational {
        var sum = Rational.zero
        for row in rows { sum = try sum + row.lineShare() }
        return sum
    }
}

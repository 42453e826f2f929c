/// An amount or quantity that does not fit in 38 significant digits, with where it arose and
/// the numbers it was computed from, so the catalog or the usage can be fixed.
///
/// `ArithmeticError.overflow` alone says only "multiplication"; the stage that catches it knows
/// the customer, plan, charge and group, and wraps it in this error. Both stages exit 2
/// (invalid configuration: the catalog's prices cannot bill this usage exactly), never 3,
/// which means a corrupt input file.
public struct AmountOverflow: Error, Sendable, CustomStringConvertible {
    /// The customer billed, when known.
    public let customer: String?
    /// The plan, when the overflow belongs to one.
    public let plan: String?
    /// The charge key, when the overflow belongs to one.
    public let charge: String?
    /// The line's group values (empty when ungrouped).
    public let group: [Dimension]
    /// What was computed, from which numbers (`quantity 3 × unit_price 1.5`).
    public let computation: String
    /// The underlying overflow.
    public let cause: ArithmeticError

    public init(
        customer: String?, plan: String?, charge: String?, group: [Dimension] = [],
        computation: String, cause: ArithmeticError
    ) {
        self.customer = customer
        self.plan = plan
        self.charge = charge
        self.group = group
        self.computation = computation
        self.cause = cause
    }

    /// `customer "c1", plan "pro", charge "api" (region=eu): cannot compute quantity … priced
    /// by unit_price …: arithmetic overflow in multiplication: …; use fewer digits …`.
    public var description: String {
        var places: [String] = []
        if let customer { places.append("customer \"\(customer)\"") }
        if let plan { places.append("plan \"\(plan)\"") }
        if let charge { places.append("charge \"\(charge)\"") }
        var text = places.joined(separator: ", ")
        if !group.isEmpty {
            text += " (" + group.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        }
        return text + ": cannot compute " + computation + ": \(cause); use fewer digits in "
            + "the prices, rates or amounts involved"
    }
}

extension PricingModel {
    /// The prices this model charges a group, as a catalog writes them (`unit_price 0.5`), for
    /// messages.
    public func priceSummary(for group: [String: String]) -> String {
        switch self {
        case .perUnit(let price):
            return "unit_price \(price.price(for: group))"
        case .graduated(let tiers):
            return "graduated tiers " + PricingModel.tiersSummary(tiers)
        case .volume(let tiers):
            return "volume tiers " + PricingModel.tiersSummary(tiers)
        case .package(let size, let price, _):
            return "package_size \(size) and package_price \(price)"
        case .dynamic(let markup):
            return "markup \(markup)"
        case .percentage(let fee):
            return fee.summary
        }
    }

    static func tiersSummary(_ tiers: [Tier]) -> String {
        tiers.map { tier in
            var text = "[up_to \(tier.upTo.map(\.description) ?? "null"), "
            if let block = tier.block {
                text += "block_size \(block.size), block_price \(block.price)"
            } else {
                text += "unit_price \(tier.unitPrice)"
            }
            if let flat = tier.flatPrice { text += ", flat_price \(flat)" }
            return text + "]"
        }.joined(separator: " ")
    }
}

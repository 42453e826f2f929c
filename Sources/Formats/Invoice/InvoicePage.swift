import Pricing

/// The paper an invoice page is laid out for when printed (`@page size`).
public enum Paper: String, Sendable, CaseIterable {
    /// ISO 216 A4, 210 × 297 mm.
    case a4
    /// US Letter, 8.5 × 11 in (215.9 × 279.4 mm).
    case letter

    /// Countries that print on US Letter (ISO 3166 alpha-2 codes, or the country as a catalog
    /// writes it): the United States, Canada and Mexico. Every other country prints on A4.
    static let letterCountries: Set<String> = [
        "US", "USA", "UNITED STATES", "CA", "CANADA", "MX", "MEXICO", "MÉXICO",
    ]

    /// Letter for a seller in the US, Canada or Mexico, else A4 (also when the country is
    /// unknown: A4 is the paper of most of the world).
    public static func forCountry(_ country: String?) -> Paper {
        guard let country else { return .a4 }
        let key = country.trimmingSpaces.uppercased()
        return letterCountries.contains(key) ? .letter : .a4
    }

    /// The CSS `@page size` keyword.
    var cssSize: String { self == .a4 ? "A4" : "letter" }
    /// The sheet's width on screen.
    var width: String { self == .a4 ? "210mm" : "215.9mm" }
    /// The sheet's height on screen.
    var height: String { self == .a4 ? "297mm" : "279.4mm" }
}

extension String {
    /// Without leading and trailing spaces.
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

/// Credits from one grant that paid part of an invoice (a wallet `apply` transaction).
public struct AppliedCredit: Hashable, Sendable {
    /// The grant's id (`grants.ndjson`, or `included_<period>_<customer>_<plan>`).
    public let grantID: String
    /// `purchase`, `promotional`, `included`, or another word.
    public let source: String
    /// Positive: the amount taken from the grant.
    public let amount: Money

    /// One grant's part of an invoice's credits.
    public init(grantID: String, source: String, amount: Money) {
        self.grantID = grantID
        self.source = source
        self.amount = amount
    }

    /// The `apply` transactions of a run's wallets by the invoice they paid, in transaction
    /// order (the §7 draw order).
    public static func byInvoice(_ transactions: [WalletTransaction]) -> [String: [AppliedCredit]] {
        var result: [String: [AppliedCredit]] = [:]
        for transaction in transactions where transaction.kind == .apply {
            guard let invoiceID = transaction.invoiceID else { continue }
            result[invoiceID, default: []].append(
                AppliedCredit(
                    grantID: transaction.grant.id, source: transaction.grant.source,
                    amount: transaction.amount.negated))
        }
        return result
    }
}

/// What the invoice page shows beyond the invoice itself (issue 11): the catalog's names,
/// units and charge terms (to explain each line), payment terms and the paper size. An empty
/// value shows keys and no notes, as a page without a catalog must.
public struct InvoicePageSettings: Sendable {
    /// Names, descriptions and units of plans and charges.
    public var display: CatalogDisplay
    /// The catalog's plans by key: the charges' minimum, maximum, free quantity and package,
    /// and the plans' minimum commitments.
    public var plans: [String: Plan]
    /// The catalog's payment terms, for customers without their own.
    public var paymentTermsDays: Int?
    /// The paper; nil: by the seller's country (`Paper.forCountry`).
    public var paper: Paper?
    /// Time-weighted meters' `per`, by meter key: the unit shown for a charge without one.
    public var gaugeUnits: [String: GaugeUnit] = [:]

    /// Settings from their parts; everything is optional.
    public init(
        display: CatalogDisplay = CatalogDisplay(), plans: [String: Plan] = [:],
        paymentTermsDays: Int? = nil, paper: Paper? = nil
    ) {
        self.display = display
        self.plans = plans
        self.paymentTermsDays = paymentTermsDays
        self.paper = paper
    }

    /// The settings a run's catalog gives, on `paper` (nil: by the seller's country).
    public init(catalog: Catalog, paper: Paper? = nil) {
        self.init(
            display: catalog.display, plans: catalog.plans,
            paymentTermsDays: catalog.paymentTermsDays, paper: paper)
        gaugeUnits = catalog.meters.compactMapValues(\.per)
    }

    /// The unit shown for a line: the charge's display `unit`; for a time-weighted charge
    /// without one, the meter and its `per` (`storage-hours`: a level held for hours); else
    /// nothing.
    func unit(of line: RatedLine) -> String { unit(plan: line.plan, charge: line.charge) }

    /// `unit(of:)` by plan and charge key (a correction line).
    func unit(plan: String, charge key: String) -> String {
        if let unit = display.charge(plan: plan, charge: key)?.unit { return unit }
        guard case .usage(let usage)? = plans[plan]?.charges.first(where: { $0.key == key }),
            let per = gaugeUnits[usage.meter]
        else { return "" }
        return "\(usage.meter)-\(per.rawValue)s"
    }

    /// The catalog's charge of a line, when the catalog still has it.
    func charge(of line: RatedLine) -> Charge? {
        plans[line.plan]?.charges.first { $0.key == line.charge }
    }

    /// What a reader sees for a line's charge: its display name, else its key.
    func chargeName(_ line: RatedLine) -> String {
        chargeName(plan: line.plan, charge: line.charge, kind: line.kind.rawValue)
    }

    /// The same for a line known by its key (a correction document's line); `kind` as written.
    func chargeName(plan: String, charge: String, kind: String) -> String {
        if kind == LineKind.minimumTrueUp.rawValue { return "Minimum commitment true-up" }
        return display.charge(plan: plan, charge: charge)?.name ?? charge
    }

    /// A plan's display name, else its key.
    func planName(_ key: String) -> String { display.plan(key)?.name ?? key }
}

/// Explanations of a line on the invoice page: its breakdown and why its amount is not
/// quantity × price.
enum LineExplanation {
    /// The tier rows as a phrase: `first 100 free, next 900 at $0.004`, `3 packages at $20.00`,
    /// `1,200 at $0.015 + $5.00 flat`, block tiers `first 2,500 in 3 blocks of 1,000 at
    /// $5.00`, a flat price at zero `$5.00 flat at zero usage`. Empty when the unit price
    /// column says it all (one price over the whole quantity) or when there is nothing to break
    /// down.
    /// A percentage line reads `2.9% of $12,345.00 + $0.30 × 412 payments`, its events named by
    /// `unit` (`PercentageDisplay`).
    static func breakdown(
        _ line: RatedLine, charge: Charge?, currency: Currency, period: BillingPeriod,
        unit: String? = nil
    ) -> String {
        if let fee = PercentageDisplay.fee(charge) {
            return PercentageDisplay.breakdown(line, fee: fee, unit: unit, currency: currency)
        }
        if line.unitPrice != nil || line.tiers.isEmpty || line.kind == .minimumTrueUp {
            return ""
        }
        if prorationDays(line, period: period) != nil {
            // The proration note says it: "Prorated: 17 of 31 days of $49.00".
            return ""
        }
        if line.tiers.count == 1, let markup = line.tiers[0].markup {
            return passThrough(markup: markup)
        }
        var isPackage = false
        if case .usage(let usage)? = charge, case .package = usage.model { isPackage = true }
        var parts: [String] = []
        for (index, tier) in line.tiers.enumerated() {
            let quantity = DisplayText.quantity(tier.quantity)
            var text: String
            if isPackage {
                text = quantity + (tier.quantity == .one ? " package" : " packages")
            } else if line.tiers.count > 1 {
                text = (index == 0 ? "first " : "next ") + quantity
            } else {
                text = quantity
            }
            let flat = tier.flatPrice.flatMap { $0.isZero ? nil : $0 }
            if tier.quantity.isZero {
                // `flat_price_at_zero` (§13.6): the first tier's row at quantity 0.
                parts.append(
                    flat.map { DisplayText.money($0, currency: currency) + " flat at zero usage" }
                        ?? "no usage")
                continue
            }
            let unitPrice = tier.blockPrice ?? tier.unitPrice ?? .zero
            if let blocks = tier.blocks, let size = tier.blockSize {
                // "first 2,500 in 3 blocks of 1,000 at $5.00": the units, then how many
                // started blocks they were billed as (§13.6).
                text += " in " + DisplayText.quantity(blocks)
                    + (blocks == .one ? " block" : " blocks") + " of " + DisplayText.quantity(size)
            }
            if unitPrice.isZero && flat == nil {
                text += " free"
            } else if unitPrice.isZero, let flat {
                // A tier sold for its flat price alone: "first 1,000 for $10.00 flat".
                text += " for " + DisplayText.money(flat, currency: currency) + " flat"
            } else {
                text += " at " + DisplayText.unitPrice(unitPrice, currency: currency)
                if let flat {
                    text += " + " + DisplayText.money(flat, currency: currency) + " flat"
                }
            }
            parts.append(text)
        }
        return parts.joined(separator: ", ")
    }

    /// A `dynamic` line (SPEC §13.1): the events' own costs, times the markup when it is not 1
    /// (`pass-through cost × 1.2`); the line's amount column holds the total.
    static func passThrough(markup: Rational) -> String {
        markup == .one ? "pass-through cost" : "pass-through cost × \(markup)"
    }

    /// `(active days, days in the period)` of a prorated monthly fee, from the tier row's
    /// fraction of the period (a recurring line's only row with a quantity below one is a
    /// prorated monthly fee: every other schedule counts whole occurrences); nil when the fee
    /// was not prorated (the whole period).
    static func prorationDays(_ line: RatedLine, period: BillingPeriod) -> (Int, Int)? {
        guard line.kind == .recurring, line.tiers.count == 1,
            let share = line.tiers.first?.quantity,
            share < .one, let days = try? share * Rational(Int128(period.dayCount)),
            days.terminatingScale == 0, let active = Int(exactly: days.rounded(.floor))
        else { return nil }
        return (active, period.dayCount)
    }

    /// Why the line's amount is not quantity × price, one sentence each: minimum or maximum
    /// applied, free units, package rounding, proration, true-up to a commitment, a percentage
    /// fee's per-event bounds (its events named by `unit`).
    static func notes(
        _ line: RatedLine, charge: Charge?, plan: Plan?, currency: Currency,
        period: BillingPeriod, unit: String? = nil
    ) -> [String] {
        func money(_ value: Rational) -> String { DisplayText.money(value, currency: currency) }
        if line.kind == .minimumTrueUp {
            guard let commitment = plan?.minimumCommitment else {
                return ["Brings the plan up to its minimum commitment"]
            }
            return ["Brings the plan up to its minimum commitment of " + money(commitment)]
        }
        var notes: [String] = []
        var minimum: Rational?
        var maximum: Rational?
        switch charge {
        case .usage(let usage)?:
            minimum = usage.minimum
            maximum = usage.maximum
            if case .percentage(let fee) = usage.model {
                notes += PercentageDisplay.notes(line, fee: fee, unit: unit, currency: currency)
            }
            if let free = usage.freeQuantity, free > .zero {
                notes.append(
                    "The first " + DisplayText.quantity(free) + " units are free"
                        + (usage.divideBy == nil ? "" : " (before dividing into billing units)"))
            }
            if case .package(let size, _, let roundDown) = usage.model,
                let packages = line.tiers.first?.quantity,
                let covered = try? packages * size, covered != line.quantity
            {
                notes.append(
                    DisplayText.quantity(line.quantity) + " rounded "
                        + (roundDown ? "down" : "up") + " to whole packages of "
                        + DisplayText.quantity(size))
            }
        case .recurring(let recurring)?:
            minimum = recurring.minimum
            maximum = recurring.maximum
        case nil:
            break
        }
        // From the line alone, so a page without the catalog says it too.
        if let (active, days) = prorationDays(line, period: period),
            let fee = line.tiers.first?.unitPrice
        {
            notes.append("Prorated: \(active) of \(days) days of " + money(fee))
        }
        let priced = line.tiers.reduce(Rational.zero) { sum, tier in
            (try? sum + tier.lineShare()) ?? sum
        }
        if line.amountExact != priced {
            if let minimum, line.amountExact == minimum, priced < minimum {
                notes.append("Minimum charge of " + money(minimum) + " applied")
            } else if let maximum, line.amountExact == maximum, priced > maximum {
                notes.append(
                    "Maximum charge of " + money(maximum) + " applied (usage came to "
                        + DisplayText.unitPrice(priced, currency: currency) + ")")
            } else if line.amountExact > priced {
                notes.append("Minimum charge applied")
            } else {
                notes.append("Maximum charge applied")
            }
        }
        return notes
    }
}

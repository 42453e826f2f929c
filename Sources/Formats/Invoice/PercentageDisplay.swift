import Pricing

/// How an invoice page shows a `percentage` line (SPEC §13.2): its breakdown as one phrase,
/// `2.9% of $12,345.00 + $0.30 × 412 payments`, and each per-event bound at work as a note.
/// The events are named by the charge's display `unit` when the catalog gives one, else
/// `events` (`1 event`, `1 payment` for one): the line's quantity is money, so the unit names
/// what the events are (payments, orders), not the quantity (docs/DECISIONS.md).
enum PercentageDisplay {
    /// The percentage terms of `charge`, when it is a percentage charge.
    static func fee(_ charge: Charge?) -> PercentageFee? {
        guard case .usage(let usage)? = charge, case .percentage(let fee) = usage.model else {
            return nil
        }
        return fee
    }

    /// What `count` events are called: the display unit, else `events`. A unit is written in
    /// the plural, as catalogs name units (`payments`); for exactly one event its final `s` is
    /// dropped (`1 payment`, `1 event`), the pages being in English.
    static func events(_ count: Rational, unit: String?) -> String {
        var name = unit ?? "events"
        if count == .one, name.count > 1, name.hasSuffix("s") { name.removeLast() }
        return DisplayText.quantity(count) + " " + name
    }

    /// `2.9% of $12,345.00 + $0.30 × 412 payments` from the rate and fixed-fee rows; empty at
    /// zero events (no rows).
    static func breakdown(
        _ line: RatedLine, fee: PercentageFee, unit: String?, currency: Currency
    ) -> String {
        let rows = line.tiers.filter { $0.adjustment == nil }
        guard let rateRow = rows.first else { return "" }
        var text =
            DisplayText.number(fee.rate, minimumDigits: 0, maximumDigits: 6) + "% of "
            + DisplayText.unitPrice(rateRow.quantity, currency: currency)
        if rows.count > 1, let fixed = rows[1].unitPrice {
            text += " + " + DisplayText.unitPrice(fixed, currency: currency) + " × "
                + events(rows[1].quantity, unit: unit)
        }
        return text
    }

    /// One note per adjustment row: `Fee raised to the $0.50 minimum on 3 payments: +$0.12`,
    /// `Fee capped at the $10.00 maximum on 2 payments: -$4.50`.
    static func notes(
        _ line: RatedLine, fee: PercentageFee, unit: String?, currency: Currency
    ) -> [String] {
        var notes: [String] = []
        for row in line.tiers {
            let amount = DisplayText.unitPrice(row.amount, currency: currency)
            switch row.adjustment {
            case PercentageFee.eventMinimumAdjustment?:
                let bound = fee.eventMinimum.map {
                    " the " + DisplayText.unitPrice($0, currency: currency)
                } ?? " the"
                notes.append(
                    "Fee raised to\(bound) minimum on " + events(row.quantity, unit: unit)
                        + ": +" + amount)
            case PercentageFee.eventMaximumAdjustment?:
                let bound = fee.eventMaximum.map {
                    " the " + DisplayText.unitPrice($0, currency: currency)
                } ?? " the"
                notes.append(
                    "Fee capped at\(bound) maximum on " + events(row.quantity, unit: unit)
                        + ": " + amount)
            default:
                break
            }
        }
        return notes
    }
}

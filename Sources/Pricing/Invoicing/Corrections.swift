/// A customer's billed figures for a period, as documents state them: an issued invoice, the
/// sum of an invoice and its corrections, or a new run's invoice (SPEC §9).
public struct BilledFigures: Equatable, Sendable {
    /// The lines by key; the same key never twice.
    public var lines: [BillableLineKey: LineFigures]
    public var subtotal: Rational
    /// The discounts' sum (zero or negative).
    public var discounts: Rational
    public var tax: Rational
    public var total: Rational

    public init(
        lines: [BillableLineKey: LineFigures], subtotal: Rational, discounts: Rational,
        tax: Rational, total: Rational
    ) {
        self.lines = lines
        self.subtotal = subtotal
        self.discounts = discounts
        self.tax = tax
        self.total = total
    }

    /// Nothing billed.
    public static let none = BilledFigures(
        lines: [:], subtotal: .zero, discounts: .zero, tax: .zero, total: .zero)

    /// These figures with `change` added, line by line and figure by figure: an issued invoice
    /// plus its corrections is what the customer has been billed so far.
    public func adding(_ change: CorrectionDraft) throws -> BilledFigures {
        var result = self
        for line in change.lines {
            let current = result.lines[line.key] ?? .absent
            let sum = LineFigures(
                quantity: try current.quantity + line.quantityDelta,
                amountExact: try current.amountExact + line.amountExactDelta,
                amount: try current.amount + line.amountDelta)
            result.lines[line.key] = sum == .absent && line.vanished ? nil : sum
        }
        result.subtotal = try subtotal + change.subtotal
        result.discounts = try discounts + change.discounts
        result.tax = try tax + change.tax
        result.total = try total + change.total
        return result
    }
}

/// Which correction document a change needs (SPEC §9).
public enum CorrectionKind: String, Sendable {
    /// The total falls.
    case creditNote = "credit_note"
    /// The total rises, or lines moved with the total unchanged.
    case supplementaryInvoice = "supplementary_invoice"

    /// The letter of the kind's number sequence: `<period>-C000001`, `<period>-S000001`.
    public var letter: Character { self == .creditNote ? "C" : "S" }
}

/// The difference a correction document carries: the new result minus what was billed so far,
/// line by line and figure by figure, so billed + correction = new result exactly (each figure
/// of both is already rounded to minor units, so their difference is too).
public struct CorrectionDraft: Sendable {
    public let kind: CorrectionKind
    public let lines: [LineChange]
    public let subtotal: Rational
    public let discounts: Rational
    public let tax: Rational
    /// The total of the difference: negative for a credit note. Credits applied to the original
    /// stay applied, so this is also the amount due (a credit note's goes back to the
    /// customer's receivable, not to the wallet).
    public let total: Rational

    public init(
        kind: CorrectionKind, lines: [LineChange], subtotal: Rational, discounts: Rational,
        tax: Rational, total: Rational
    ) {
        self.kind = kind
        self.lines = lines
        self.subtotal = subtotal
        self.discounts = discounts
        self.tax = tax
        self.total = total
    }
}

/// The correction rule of SPEC §9.
public enum Corrections {
    /// The correction from `billed` (an issued invoice plus its issued corrections) to
    /// `result` (a new run's invoice for the same customer and period), or nil when nothing
    /// changed: no line and no figure. A change whose total is unchanged (lines that moved in
    /// opposite directions) is a supplementary invoice of total zero, so no line change goes
    /// undocumented.
    public static func draft(
        billed: BilledFigures, result: BilledFigures
    ) throws -> CorrectionDraft? {
        let lines = try LineDifference.between(
            billed.lines.map { ($0.key, $0.value) }, result.lines.map { ($0.key, $0.value) })
        let total = try result.total - billed.total
        let draft = CorrectionDraft(
            kind: total.isNegative ? .creditNote : .supplementaryInvoice, lines: lines,
            subtotal: try result.subtotal - billed.subtotal,
            discounts: try result.discounts - billed.discounts,
            tax: try result.tax - billed.tax, total: total)
        let unchanged =
            lines.isEmpty && draft.subtotal.isZero && draft.discounts.isZero
            && draft.tax.isZero && total.isZero
        return unchanged ? nil : draft
    }

    /// A correction number: `<period>-C000001` or `<period>-S000001` (6 digits, as invoice
    /// numbers). Nil past 999,999.
    public static func number(period: YearMonth, kind: CorrectionKind, sequence: Int) -> String? {
        guard sequence >= 1, sequence <= 999_999 else { return nil }
        let digits = String(sequence)
        return "\(period)-\(kind.letter)" + String(repeating: "0", count: 6 - digits.count)
            + digits
    }
}

extension BillableLineKey {
    /// The key of a rated or invoiced line.
    public init(_ line: RatedLine) {
        self.init(
            customer: line.customer, plan: line.plan, charge: line.charge,
            kind: line.kind.rawValue, group: line.group)
    }
}

extension BilledFigures {
    /// What `invoice` bills: its lines by key, subtotal, discounts' sum, tax and total (credits
    /// applied are a payment, not part of what is billed).
    public init(_ invoice: Invoice) throws {
        var lines: [BillableLineKey: LineFigures] = [:]
        for line in invoice.lines {
            let key = BillableLineKey(line)
            precondition(lines[key] == nil, "one line per key on an invoice")
            lines[key] = LineFigures(
                quantity: line.quantity, amountExact: line.amountExact, amount: line.amount.exact)
        }
        var discounts = Rational.zero
        for discount in invoice.discounts { discounts = try discounts + discount.amount.exact }
        self.init(
            lines: lines, subtotal: invoice.subtotal.exact, discounts: discounts,
            tax: invoice.tax?.amount.exact ?? .zero, total: invoice.total.exact)
    }
}

/// A customer of a finalized period in a re-run (SPEC §9): the invoice as issued, every
/// correction issued since (earlier ones and this run's, in number order), and the new result
/// (nil when the customer has no line any more), with the rated lines it was built from.
public struct CorrectedInvoice: Sendable {
    public let original: Invoice
    public let corrections: [CorrectionDraft]
    public let result: Invoice?
    public let ratedLines: [RatedLine]

    public init(
        original: Invoice, corrections: [CorrectionDraft], result: Invoice?,
        ratedLines: [RatedLine]
    ) {
        self.original = original
        self.corrections = corrections
        self.result = result
        self.ratedLines = ratedLines
    }
}

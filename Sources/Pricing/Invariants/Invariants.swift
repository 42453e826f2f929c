/// Self-checks a stage runs on its computed results before it commits any output.
///
/// Each check restates a promise of SPEC §7–§8 from the finished values, independently of the
/// code that produced them. Inputs cannot make one fail (they are validated before): a failure
/// is a bug in Ratebook, so the run writes nothing and exits with `invariantViolated` (70).

/// Every self-check that failed, one sentence each.
public struct InvariantViolation: Error, Equatable, CustomStringConvertible {
    /// What failed, in the order checked.
    public let failures: [String]

    public init(failures: [String]) {
        self.failures = failures
    }

    /// A header saying what it means and what to do, then one failed check per line.
    public var description: String {
        "self-check failed before writing (a bug in Ratebook, not in the inputs); nothing was "
            + "written. Keep the inputs and report this message:\n"
            + failures.map { "  - " + $0 }.joined(separator: "\n")
    }
}

/// The checks of a `rate` run (SPEC §8.1).
public enum RateInvariants {
    /// Throws every failed check: counts reconcile, one reject record per rejected line (by
    /// reason), and every rated line's amount is its tiers' sum, bounded and rounded.
    /// `rejectRecords` is how many reject records were written per reason.
    public static func check(
        counts: LineCounts, rejectRecords: [RejectReason: Int64], lines: [RatedLine],
        catalog: Catalog
    ) throws(InvariantViolation) {
        let failures =
            countFailures(counts, rejectRecords: rejectRecords)
            + lines.compactMap { lineFailure($0, catalog: catalog) }
        if !failures.isEmpty { throw InvariantViolation(failures: failures) }
    }

    /// `lines = blank + accepted + duplicates + superseded + rejected` (SPEC §13.4);
    /// `accepted = billed + out_of_period`
    /// (billed is defined so) with neither negative, nor any other count; and the reject
    /// records match the rejected counts by reason.
    static func countFailures(
        _ counts: LineCounts, rejectRecords written: [RejectReason: Int64]
    ) -> [String] {
        var failures: [String] = []
        if !counts.addsUp {
            failures.append(
                "counts: lines \(counts.lines) != blank \(counts.blank) + accepted "
                    + "\(counts.accepted) + duplicates \(counts.duplicates) + superseded "
                    + "\(counts.superseded) + rejected \(counts.rejectedTotal)")
        }
        let parts: [(String, Int64)] = [
            ("blank", counts.blank), ("accepted", counts.accepted),
            ("duplicates", counts.duplicates), ("superseded", counts.superseded),
            ("out_of_period", counts.outOfPeriod),
            ("billed", counts.billed),
        ]
        for (name, value) in parts where value < 0 {
            failures.append("counts: \(name) is negative (\(value))")
        }
        for reason in RejectReason.allCases.sorted() {
            let counted = counts.rejected[reason] ?? 0
            let records = written[reason] ?? 0
            if counted != records {
                failures.append(
                    "rejects: \(counted) lines counted as \(reason.rawValue) but \(records) "
                        + "reject records written")
            }
        }
        return failures
    }

    /// The failure of one rated line, if any: its exact amount must equal the sum of its tier
    /// amounts bounded by the charge's per-line minimum and maximum (a true-up line has none),
    /// and its amount that exact value rounded once, by the catalog's rule, to the plan
    /// currency's minor units.
    static func lineFailure(_ line: RatedLine, catalog: Catalog) -> String? {
        let name =
            "rated line \(line.customer)/\(line.plan)/\(line.charge)"
            + line.group.map { " \($0.key)=\($0.value)" }.joined()
        guard let plan = catalog.plans[line.plan] else {
            return "\(name): plan not in the catalog"
        }
        var minimum: Rational?
        var maximum: Rational?
        if line.kind != .minimumTrueUp {
            switch plan.charges.first(where: { $0.key == line.charge }) {
            case .usage(let charge)?:
                (minimum, maximum) = (charge.minimum, charge.maximum)
            case .recurring(let charge)?:
                (minimum, maximum) = (charge.minimum, charge.maximum)
            case nil:
                return "\(name): charge not in plan \(plan.key)"
            }
        }
        do {
            for (index, tier) in line.tiers.enumerated() {
                if let failure = try blockRowFailure(tier) {
                    return "\(name): tiers[\(index)] \(failure)"
                }
            }
            var sum = Rational.zero
            for tier in line.tiers { sum = try sum + tier.lineShare() }
            let expected = PriceModels.bounded(sum, minimum: minimum, maximum: maximum)
            if expected != line.amountExact {
                return "\(name): exact amount \(line.amountExact) != tiers' sum \(sum) "
                    + "bounded to \(expected)"
            }
            let rounded = try Money(
                rounding: line.amountExact, currency: plan.currency, rule: catalog.rounding)
            if rounded != line.amount {
                return "\(name): amount \(line.amount) \(line.currency.code) != exact "
                    + "\(line.amountExact) rounded to \(rounded) \(plan.currency.code)"
            }
        } catch {
            return "\(name): \(error)"
        }
        return nil
    }
}

extension RateInvariants {
    /// The failure of a block-priced breakdown row (SPEC §13.6), if any: it carries
    /// `blocks`, `block_size` and `block_price` together and no `unit_price`; its blocks are
    /// the row's quantity in whole blocks, `ceil(quantity / block_size)`; its amount is
    /// `blocks × block_price` plus its flat price. Nil for a row without blocks.
    static func blockRowFailure(_ tier: TierAmount) throws -> String? {
        let parts = [tier.blocks, tier.blockSize, tier.blockPrice]
        if parts.allSatisfy({ $0 == nil }) { return nil }
        guard let blocks = tier.blocks, let size = tier.blockSize, let price = tier.blockPrice,
            tier.unitPrice == nil, size > .zero
        else {
            return "a block row needs blocks, block_size > 0 and block_price, and no unit_price"
        }
        let whole = Rational(try (tier.quantity / size).rounded(.ceiling))
        if blocks != whole {
            return "blocks \(blocks) != quantity \(tier.quantity) in whole blocks of \(size) "
                + "(\(whole))"
        }
        let expected = try blocks * price + (tier.flatPrice ?? .zero)
        if expected != tier.amount {
            return "amount \(tier.amount) != \(blocks) blocks × \(price)"
                + (tier.flatPrice.map { " + flat \($0)" } ?? "") + " (\(expected))"
        }
        return nil
    }
}

/// The checks of an `invoice` run (SPEC §7, §8.2, §8.3).
public enum InvoiceInvariants {
    /// Throws every failed check: per customer and currency the invoice lines are the rated
    /// lines read; each invoice adds up; every journal transaction balances in minor units;
    /// wallet balances never go negative and the closing wallets are the opening balances plus
    /// every movement; the journal's credit accounts hold the closing balances.
    ///
    /// In a re-run of a finalized period, `corrected` holds the customers already invoiced:
    /// their issued invoices are among `invoices` (they still add up and hold the credits the
    /// wallet applied), but their rated lines are compared with the new result instead, and
    /// the issued invoice plus its corrections must equal that result figure by figure.
    public static func check(
        ratedLines: [RatedLine], invoices: [Invoice], wallets: WalletBook,
        journal: [JournalTransaction], accounts: AccountNames,
        corrected: [CorrectedInvoice] = []
    ) throws(InvariantViolation) {
        let finalized = Set(corrected.map { $0.original.customer.id })
        var failures = lineFailures(
            ratedLines: ratedLines.filter { !finalized.contains($0.customer) },
            invoices: invoices.filter { !finalized.contains($0.customer.id) })
        for customer in corrected {
            failures += correctionFailures(customer)
        }
        // Credits applied per invoice, summed once: scanning every wallet transaction for each
        // invoice made this check quadratic (90 % of a 100,000-customer run).
        var applied: [String: Int128] = [:]
        for movement in wallets.transactions where movement.kind == .apply {
            guard let invoiceID = movement.invoiceID else { continue }
            applied[invoiceID, default: 0] -= movement.amount.minorUnits
        }
        for invoice in invoices {
            failures += totalFailures(invoice, applied: applied[invoice.invoiceID] ?? 0)
        }
        for transaction in journal where !transaction.isBalanced {
            failures.append("journal: transaction \(transaction.reference) does not balance")
        }
        failures += walletFailures(wallets, journal: journal, accounts: accounts)
        if !failures.isEmpty { throw InvariantViolation(failures: failures) }
    }

    /// A finalized customer: the new result's lines are its rated lines, and the issued
    /// invoice plus every correction equals the result (or nothing) exactly.
    static func correctionFailures(_ customer: CorrectedInvoice) -> [String] {
        let name = "invoice \(customer.original.invoiceID)"
        var failures = lineFailures(
            ratedLines: customer.ratedLines, invoices: customer.result.map { [$0] } ?? [])
        do {
            var billed = try BilledFigures(customer.original)
            for correction in customer.corrections { billed = try billed.adding(correction) }
            let result = try customer.result.map(BilledFigures.init) ?? .none
            if billed != result {
                failures.append(
                    "\(name): issued \(customer.original.total) plus \(customer.corrections.count) "
                        + "corrections is \(billed.total), not the re-run's \(result.total)")
            }
        } catch {
            failures.append("\(name): its corrections cannot be summed: \(error)")
        }
        return failures
    }

    /// Per customer and currency, the invoice lines and the rated lines are the same lines.
    static func lineFailures(ratedLines: [RatedLine], invoices: [Invoice]) -> [String] {
        func fingerprint(_ line: RatedLine) -> String {
            ([line.plan, line.charge, line.kind.rawValue, line.quantity.description]
                + line.group.flatMap { [$0.key, $0.value] } + [String(line.amount.minorUnits)])
                .joined(separator: "\u{0}")
        }
        var expected: [String: [String: Int]] = [:]
        for line in ratedLines {
            expected[line.customer + " " + line.currency.code, default: [:]][
                fingerprint(line), default: 0] += 1
        }
        var actual: [String: [String: Int]] = [:]
        for invoice in invoices {
            for line in invoice.lines {
                let key = invoice.customer.id + " " + invoice.currency.code
                if line.customer != invoice.customer.id || line.currency != invoice.currency {
                    actual[key, default: [:]]["foreign line", default: 0] += 1
                } else {
                    actual[key, default: [:]][fingerprint(line), default: 0] += 1
                }
            }
        }
        let keys = Set(expected.keys).union(actual.keys).sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        }
        return keys.compactMap { key in
            let rated = expected[key] ?? [:]
            let invoiced = actual[key] ?? [:]
            guard rated != invoiced else { return nil }
            return "invoice lines of \(key): \(invoiced.values.reduce(0, +)) lines differ from "
                + "the \(rated.values.reduce(0, +)) rated lines read"
        }
    }

    /// `subtotal = Σ lines`, `base = subtotal + Σ discounts`, `total = base + tax`, credits
    /// from 0 to the total and equal to the wallet applications, `amount_due = total - credits`.
    static func totalFailures(_ invoice: Invoice, applied: Int128) -> [String] {
        let name = "invoice \(invoice.invoiceID)"
        let code = invoice.currency.code
        var failures: [String] = []
        var subtotal: Int128 = 0
        for line in invoice.lines where line.currency == invoice.currency {
            subtotal += line.amount.minorUnits
        }
        var base = invoice.subtotal.minorUnits
        for discount in invoice.discounts { base += discount.amount.minorUnits }
        var total = base
        if let tax = invoice.tax {
            if tax.base.minorUnits != base {
                failures.append("\(name): tax base \(tax.base) != discounted subtotal")
            }
            total += tax.amount.minorUnits
        }
        let credits = invoice.creditsApplied.minorUnits
        let checks: [(Bool, String)] = [
            (subtotal == invoice.subtotal.minorUnits, "subtotal is not the sum of its lines"),
            (total == invoice.total.minorUnits, "total is not subtotal + discounts + tax"),
            (credits >= 0 && credits <= max(0, total), "credits applied outside 0...total"),
            (credits == applied, "credits applied differ from the wallet applications"),
            (
                invoice.amountDue.minorUnits == invoice.total.minorUnits - credits,
                "amount due is not total - credits applied"
            ),
        ]
        for (holds, what) in checks where !holds {
            failures.append("\(name) (\(code)): \(what)")
        }
        return failures
    }

    /// Every movement keeps balances at or above zero and moves them by its amount; per
    /// customer and currency the closing entries sum to the opening balance plus every
    /// movement (and to the last movement's balance after), no entry is negative, and the
    /// journal's credit account holds exactly that balance.
    static func walletFailures(
        _ wallets: WalletBook, journal: [JournalTransaction], accounts: AccountNames
    ) -> [String] {
        var failures: [String] = []
        var moved: [String: Int128] = [:]
        var lastAfter: [String: Int128] = [:]
        for movement in wallets.transactions {
            let key = movement.customer + " " + movement.grant.currency.code
            let name = "wallet transaction \(movement.idempotencyKey)"
            if movement.balanceBefore.minorUnits < 0 || movement.balanceAfter.minorUnits < 0 {
                failures.append("\(name): balance goes negative")
            }
            if movement.balanceBefore.minorUnits + movement.amount.minorUnits
                != movement.balanceAfter.minorUnits
            {
                failures.append("\(name): balance before + amount != balance after")
            }
            moved[key, default: 0] += movement.amount.minorUnits
            lastAfter[key] = movement.balanceAfter.minorUnits
        }
        var closing: [String: Int128] = [:]
        for entry in wallets.closingEntries {
            let key = entry.grant.customer + " " + entry.grant.currency.code
            if entry.remaining.minorUnits < 0 {
                failures.append("closing wallet \(key): grant \(entry.grant.id) is negative")
            }
            closing[key, default: 0] += entry.remaining.minorUnits
        }
        var opening: [String: Int128] = [:]
        for (customer, balances) in wallets.openingBalances {
            for (code, balance) in balances { opening[customer + " " + code] = balance.minorUnits }
        }
        var journalCredits: [String: Int128] = [:]
        for transaction in journal {
            // The customer's credits account, named once per transaction, not per posting.
            let credits = accounts.credits(transaction.customer)
            for posting in transaction.postings where posting.account == credits {
                let key = transaction.customer + " " + posting.amount.currency.code
                journalCredits[key, default: 0] -= posting.amount.minorUnits
            }
        }
        let keys = Set(closing.keys).union(moved.keys).union(opening.keys)
            .union(journalCredits.keys)
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for key in keys {
            let balance = closing[key] ?? 0
            if balance != (opening[key] ?? 0) + (moved[key] ?? 0) {
                failures.append("closing wallet \(key): \(balance) != opening + movements")
            }
            if let after = lastAfter[key], after != balance {
                failures.append("closing wallet \(key): \(balance) != last balance after")
            }
            if (journalCredits[key] ?? 0) != balance {
                failures.append("journal: credits account of \(key) != closing wallet")
            }
        }
        return failures
    }
}

import Pricing

// The grant record (SPEC §7): `rate` writes `included-credits.ndjson` in this form, people write
// grant files in it, and `invoice` reads both (under `LineRules.rateOutput` and
// `.configuration`). Encoder and decoder side by side, as in RatedLineRecord.swift; a wallet row
// (WalletRecord.swift) is a grant plus what remains of it and is decoded through `grant`.

/// The grant encoder.
extension RateOutputs {
    /// One `included-credits.ndjson` line: a grant in the form of SPEC §7 for the invoice stage.
    public static func includedCreditLine(_ credit: IncludedCredit, into writer: inout JSONWriter) {
        grantLine(Grant(includedCredit: credit), plan: credit.plan, into: &writer)
    }

    /// One grant line: `id`, `customer`, `ts`, `amount`, `currency`, `expires` (null for none),
    /// `source`, `priority` where it is not 0 (the default, and what an included credit has)
    /// and `plan` where given. The timestamps are the grant's texts, so a line
    /// `InvoiceInputReader.grants` read is written again as the same bytes.
    public static func grantLine(_ grant: Grant, plan: String?, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.string(grant.id)
        writer.key("customer")
        writer.string(grant.customer)
        writer.key("ts")
        writer.string(grant.timestampText)
        writer.key("amount")
        writer.string(grant.amount.description)
        writer.key("currency")
        writer.string(grant.currency.code)
        writer.key("expires")
        if let expires = grant.expiresText { writer.string(expires) } else { writer.null() }
        writer.key("source")
        writer.string(grant.source)
        if grant.priority != 0 {
            writer.key("priority")
            writer.integer(grant.priority)
        }
        if let plan {
            writer.key("plan")
            writer.string(plan)
        }
        writer.endObject()
        writer.endLine()
    }
}

extension Grant {
    /// The grant an included credit gives: source `included`, priority 0, its period's start
    /// and end (in the customer's offsets) as `ts` and `expires`.
    init(includedCredit credit: IncludedCredit) {
        self.init(
            id: credit.id, customer: credit.customer, instant: credit.start,
            timestampText: credit.start.rfc3339(offsetSeconds: credit.startOffsetSeconds),
            amount: credit.amount, expires: credit.end,
            expiresText: credit.end.rfc3339(offsetSeconds: credit.endOffsetSeconds),
            source: "included", priority: 0)
    }
}

/// The grant decoder: every field checked, problems collected with the file and line.
extension InvoiceInputReader {
    /// The largest `priority` magnitude a grant may carry.
    public static let priorityMagnitudeMax = 1_000_000

    /// Grants from NDJSON (SPEC §7): a repeated identical grant is ignored; repeats that differ
    /// are errors listing the id. `rules` is `.rateOutput` for `included-credits.ndjson`.
    public mutating func grants(
        _ bytes: [UInt8], file: String, rules: LineRules, into grants: inout [String: Grant]
    ) {
        eachObject(bytes, file: file, rules: rules) { reader, members, number in
            guard let grant = reader.grant(members, file: file, number: number) else { return }
            if let earlier = grants[grant.id] {
                if earlier != grant {
                    reader.fail(
                        file, number, "id",
                        "grant \"\(grant.id)\" is given twice with different content; keep one")
                }
                return
            }
            grants[grant.id] = grant
        }
    }

    static let sources: Set = ["purchase", "promotional", "included"]

    /// One grant's fields, as `grantLine` writes them or a person does (`source` defaults to
    /// `purchase`, `priority` to 0, `expires` to none).
    mutating func grant(_ members: [(String, JSONValue)], file: String, number: Int) -> Grant? {
        let allowed: Set = [
            "id", "customer", "ts", "amount", "currency", "expires", "source", "priority", "plan",
        ]
        for (key, _) in members where !allowed.contains(key) {
            fail(
                file, number, key,
                "unknown field; expected " + allowed.sorted().joined(separator: ", "))
            return nil
        }
        guard let id = string(members, "id"), !id.isEmpty else {
            fail(file, number, "id", "missing")
            return nil
        }
        guard let customerID = string(members, "customer"), customers[customerID] != nil else {
            fail(file, number, "customer", "missing or not in the customers file (grant \(id))")
            return nil
        }
        guard let tsText = string(members, "ts"), let instant = RFC3339.parse(tsText) else {
            fail(file, number, "ts", "missing or not an RFC 3339 timestamp (grant \(id))")
            return nil
        }
        guard let code = string(members, "currency"), let currency = catalog.currency(code: code)
        else {
            fail(file, number, "currency", "missing or unknown currency (grant \(id))")
            return nil
        }
        guard let amountText = numeric(members, "amount") else {
            fail(file, number, "amount", "missing; expected a decimal string such as \"100.00\"")
            return nil
        }
        let amount: Money
        switch amountCheck(amountText, currency) {
        case .failure(let problem):
            fail(file, number, "amount", "\(problem) (grant \(id))")
            return nil
        case .success(let value):
            guard value.minorUnits > 0 else {
                fail(file, number, "amount", "must be more than 0, got \(amountText) (grant \(id))")
                return nil
            }
            amount = value
        }
        var expires: Instant?
        let expiresText = string(members, "expires")
        if let expiresText {
            guard let parsed = RFC3339.parse(expiresText) else {
                fail(file, number, "expires", "not an RFC 3339 timestamp (grant \(id))")
                return nil
            }
            // A grant that expires before it is granted would be written off before it existed.
            guard parsed >= instant else {
                fail(
                    file, number, "expires",
                    "\(expiresText) is before ts \(tsText) (grant \(id)); a grant cannot expire "
                        + "before it is granted: correct expires or ts")
                return nil
            }
            expires = parsed
        } else if let value = members.first(where: { $0.0 == "expires" })?.1, value != .null {
            fail(file, number, "expires", "must be a timestamp or null (grant \(id))")
            return nil
        }
        let source = string(members, "source") ?? "purchase"
        guard InvoiceInputReader.sources.contains(source) else {
            fail(file, number, "source", "expected purchase, promotional or included (grant \(id))")
            return nil
        }
        var priority = 0
        if let text = numeric(members, "priority") {
            let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                fail(
                    file, number, "priority",
                    "must be a whole number such as 0 or -5, got \(text) (grant \(id))")
                return nil
            }
            let limit = InvoiceInputReader.priorityMagnitudeMax
            // `magnitude`, not `abs`: abs(Int.min) traps, and -9223372036854775808 is an Int.
            guard let value = Int(text), value.magnitude <= UInt(limit) else {
                fail(
                    file, number, "priority",
                    "\(text) is out of range; expected a whole number from -\(limit) to \(limit) "
                        + "(grant \(id))")
                return nil
            }
            priority = value
        }
        return Grant(
            id: id, customer: customerID, instant: instant, timestampText: tsText, amount: amount,
            expires: expires, expiresText: expiresText, source: source, priority: priority)
    }
}

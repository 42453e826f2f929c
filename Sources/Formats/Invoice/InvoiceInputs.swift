import Pricing

/// Reads what the invoice stage takes in: `rate`'s output folder, grant files and the opening
/// wallets. Every problem is collected with its file and line (exit code 2).
public struct InvoiceInputReader {
    public let catalog: Catalog
    public let customers: [String: Customer]
    private(set) var errors: [ConfigError] = []

    public init(catalog: Catalog, customers: [Customer]) {
        self.catalog = catalog
        var byID: [String: Customer] = [:]
        for customer in customers { byID[customer.id] = customer }
        self.customers = byID
    }

    mutating func fail(_ file: String, _ line: Int?, _ path: String, _ message: String) {
        errors.append(
            ConfigError(file: file, line: line, column: nil, path: path, message: message))
    }

    /// Throws every collected problem.
    public func check() throws {
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    /// Calls `body` with each non-blank line's parsed JSON object and its 1-based number.
    mutating func eachObject(
        _ text: String, file: String,
        _ body: (inout InvoiceInputReader, [(String, JSONValue)], Int) -> Void
    ) {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            do {
                guard case .object(let members) = try JSONValue.parse(String(line)) else {
                    fail(file, index + 1, "", "expected a JSON object")
                    continue
                }
                body(&self, members, index + 1)
            } catch {
                fail(file, index + 1, "", "malformed JSON: \(error)")
            }
        }
    }

    func string(_ members: [(String, JSONValue)], _ key: String) -> String? {
        if case .string(let text)? = members.first(where: { $0.0 == key })?.1 { return text }
        return nil
    }

    func numeric(_ members: [(String, JSONValue)], _ key: String) -> String? {
        switch members.first(where: { $0.0 == key })?.1 {
        case .string(let text)?: return text
        case .number(let text)?: return text
        default: return nil
        }
    }

    /// The period of a `rate` output folder, from its manifest.
    public static func ratedPeriod(manifest text: String) -> YearMonth? {
        guard let value = try? JSONValue.parse(text),
            case .string(let period)? = value["options"]?["period"]
        else { return nil }
        return YearMonth(period)
    }

    /// `rated.ndjson` back into rated lines.
    public mutating func ratedLines(_ text: String, file: String) -> [RatedLine] {
        var lines: [RatedLine] = []
        eachObject(text, file: file) { reader, members, number in
            if let line = reader.ratedLine(members, file: file, number: number) {
                lines.append(line)
            }
        }
        return lines
    }

    mutating func ratedLine(
        _ members: [(String, JSONValue)], file: String, number: Int
    ) -> RatedLine? {
        guard let customer = string(members, "customer"), let plan = string(members, "plan"),
            let charge = string(members, "charge"), let kindText = string(members, "kind"),
            let kind = LineKind(rawValue: kindText), let code = string(members, "currency"),
            let quantityText = string(members, "quantity"),
            let quantity = DecimalText.exact(quantityText),
            let exactText = string(members, "amount_exact"),
            let exact = DecimalText.exact(exactText), let amountText = string(members, "amount")
        else {
            fail(file, number, "", "not a rated line of this Ratebook version")
            return nil
        }
        guard customers[customer] != nil else {
            fail(file, number, "customer", "customer \"\(customer)\" is not in the customers file")
            return nil
        }
        guard let currency = catalog.currency(code: code) else {
            fail(file, number, "currency", "unknown currency \"\(code)\"")
            return nil
        }
        guard let amount = money(amountText, currency) else {
            fail(file, number, "amount", "\"\(amountText)\" is not an amount in \(code)")
            return nil
        }
        var group: [Dimension] = []
        if case .object(let values)? = members.first(where: { $0.0 == "group" })?.1 {
            for (key, value) in values {
                if case .string(let text) = value { group.append(Dimension(key: key, value: text)) }
            }
        }
        var tiers: [TierAmount] = []
        if case .array(let rows)? = members.first(where: { $0.0 == "tiers" })?.1 {
            for row in rows {
                guard case .object(let fields) = row,
                    let tierQuantity = string(fields, "quantity").flatMap(DecimalText.exact),
                    let unitPrice = string(fields, "unit_price").flatMap(DecimalText.exact),
                    let tierAmount = string(fields, "amount").flatMap(DecimalText.exact)
                else {
                    fail(file, number, "tiers", "malformed tier")
                    return nil
                }
                tiers.append(
                    TierAmount(
                        quantity: tierQuantity, unitPrice: unitPrice, amount: tierAmount,
                        flatPrice: string(fields, "flat_price").flatMap(DecimalText.exact)))
            }
        }
        return RatedLine(
            customer: customer, plan: plan, charge: charge, kind: kind, group: group,
            quantity: quantity, amountExact: exact, amount: amount, tiers: tiers)
    }

    /// A decimal text that is exactly an amount in `currency` (no more minor digits).
    func money(_ text: String, _ currency: Currency) -> Money? {
        guard case .success(let value) = DecimalText.rational(text),
            let minor = try? value.significand(atScale: currency.minorUnitDigits, rule: .down),
            let back = try? Rational(significand: minor, scale: currency.minorUnitDigits),
            back == value
        else { return nil }
        return Money(minorUnits: minor, currency: currency)
    }

    /// Grants from NDJSON (SPEC §7): a repeated identical grant is ignored; repeats that differ
    /// are errors listing the id.
    public mutating func grants(_ text: String, file: String, into grants: inout [String: Grant]) {
        eachObject(text, file: file) { reader, members, number in
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
        guard let amountText = numeric(members, "amount"), let amount = money(amountText, currency),
            amount.minorUnits > 0
        else {
            fail(
                file, number, "amount",
                "must be a positive amount with at most \(currency.minorUnitDigits) decimals "
                    + "(grant \(id))"
            )
            return nil
        }
        var expires: Instant?
        let expiresText = string(members, "expires")
        if let expiresText {
            guard let parsed = RFC3339.parse(expiresText) else {
                fail(file, number, "expires", "not an RFC 3339 timestamp (grant \(id))")
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
            guard let value = Int(text), abs(value) <= 1_000_000 else {
                fail(file, number, "priority", "must be a whole number (grant \(id))")
                return nil
            }
            priority = value
        }
        return Grant(
            id: id, customer: customerID, instant: instant, timestampText: tsText, amount: amount,
            expires: expires, expiresText: expiresText, source: source, priority: priority)
    }

    /// The opening `wallets.ndjson` (a previous run's closing wallets).
    public mutating func wallets(_ text: String, file: String) -> [WalletEntry] {
        var entries: [WalletEntry] = []
        var seen: Set<String> = []
        eachObject(text, file: file) { reader, members, number in
            var grantMembers = members.filter { $0.0 != "remaining" && $0.0 != "grant" }
            grantMembers.append(("id", .string(reader.string(members, "grant") ?? "")))
            if reader.string(members, "amount") == nil,
                let remaining = reader.string(members, "remaining")
            {
                grantMembers.append(("amount", .string(remaining)))
            }
            // A wallet row is its grant (with the original amount) plus what remains of it, which
            // may be 0 for a spent or expired grant.
            guard let grant = reader.grant(grantMembers, file: file, number: number),
                let remainingText = reader.string(members, "remaining"),
                let remaining = reader.money(remainingText, grant.currency),
                remaining.minorUnits >= 0
            else {
                reader.fail(file, number, "", "not a wallet row of this Ratebook version")
                return
            }
            guard seen.insert(grant.id).inserted else {
                reader.fail(file, number, "grant", "grant \"\(grant.id)\" appears twice")
                return
            }
            entries.append(WalletEntry(grant: grant, remaining: remaining))
        }
        return entries
    }
}

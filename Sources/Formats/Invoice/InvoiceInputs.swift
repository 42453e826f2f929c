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

    /// Throws every collected problem, or the first `listedMax` and a count of the rest: a
    /// corrupt rate output (every line with CRLF, say) would otherwise repeat one problem per
    /// line. Configuration files list every problem (SPEC §10), so they pass no limit.
    public func check(listedMax: Int = Int.max) throws {
        guard !errors.isEmpty else { return }
        guard errors.count > listedMax else { throw ConfigErrors(errors) }
        let hidden = errors[listedMax]
        let summary = ConfigError(
            file: hidden.file, line: nil, column: nil, path: "",
            message: "\(errors.count - listedMax) more problems not listed, the next at line "
                + "\(hidden.line.map(String.init) ?? "?")")
        throw ConfigErrors(Array(errors.prefix(listedMax)) + [summary])
    }

    /// How many problems of a rate output are listed before the rest are only counted.
    public static let rateOutputProblemsListedMax = 20

    /// How strictly a file's lines are read.
    public enum LineRules: Sendable {
        /// A file people write (grants, wallets): a UTF-8 byte-order mark at the very start is
        /// skipped (as in event files, SPEC §11), CRLF line endings are accepted, blank lines
        /// are skipped and the last line may lack its line ending.
        case configuration
        /// A file `rate` wrote: every line ends with LF, none is blank, and no CR, byte-order
        /// mark or unfinished last line appears, because `rate` writes none: any of them means
        /// the file was cut short or edited.
        case rateOutput
    }

    /// The bytes a blank line may hold (SPEC §11: space, tab, CR, VT and FF; LF ends it).
    static let blankBytes: Set<UInt8> = [0x20, 0x09, 0x0D, 0x0B, 0x0C]

    /// Calls `body` with each line's parsed JSON object and its 1-based number, under `rules`.
    /// Every line that is not UTF-8 or not a JSON object is reported with its number.
    mutating func eachObject(
        _ bytes: [UInt8], file: String, rules: LineRules,
        _ body: (inout InvoiceInputReader, [(String, JSONValue)], Int) -> Void
    ) {
        let lineFeed = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        var start = 0
        if rules == .configuration, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        var number = 0
        while start < bytes.count {
            number += 1
            let end = bytes[start...].firstIndex(of: lineFeed)
            var line = bytes[start..<(end ?? bytes.count)]
            start = (end ?? bytes.count) + 1
            switch rules {
            case .configuration:
                if line.last == carriageReturn { line = line.dropLast() }
                if line.allSatisfy({ InvoiceInputReader.blankBytes.contains($0) }) { continue }
            case .rateOutput:
                if end == nil {
                    fail(
                        file, number, "",
                        "the last line has no line ending: the file was cut short")
                    continue
                }
                if line.contains(carriageReturn) {
                    fail(file, number, "", "holds a CR (\\r); rate writes LF line endings only")
                    continue
                }
                if line.isEmpty {
                    fail(file, number, "", "empty line; rate writes none")
                    continue
                }
            }
            guard let text = String(validating: line, as: UTF8.self) else {
                let valid = Self.validUTF8PrefixCount(line)
                fail(
                    file, number, "",
                    "not UTF-8 text (byte \(valid + 1) of the line); save the file as UTF-8")
                continue
            }
            do {
                guard case .object(let members) = try JSONValue.parse(text) else {
                    fail(file, number, "", "expected a JSON object")
                    continue
                }
                body(&self, members, number)
            } catch {
                fail(file, number, "", "malformed JSON: \(error)")
            }
        }
    }

    /// The count of leading bytes of `line` that are whole, valid UTF-8 characters.
    static func validUTF8PrefixCount(_ line: ArraySlice<UInt8>) -> Int {
        var count = 0
        var iterator = line.makeIterator()
        var decoder = UTF8()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): count += UTF8.width(scalar)
            case .emptyInput, .error: break decoding
            }
        }
        return count
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

    /// `rated.ndjson` back into rated lines; `rate` wrote it, so its lines are read under
    /// `LineRules.rateOutput`.
    public mutating func ratedLines(_ bytes: [UInt8], file: String) -> [RatedLine] {
        var lines: [RatedLine] = []
        eachObject(bytes, file: file, rules: .rateOutput) { reader, members, number in
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

    /// The most digits before the decimal point of a grant amount or wallet `remaining`
    /// (below 10^15 major units): far above any real prepayment, and low enough that sums of
    /// many grants stay exact in `Money`'s minor units.
    public static let amountIntegerDigitsMax = 15

    /// The largest `priority` magnitude a grant may carry.
    public static let priorityMagnitudeMax = 1_000_000

    /// A grant amount or wallet `remaining` as money in `currency`, or what is wrong with it
    /// (said so that a person knows what to write instead).
    func amountCheck(_ text: String, _ currency: Currency) -> Result<Money, AmountProblem> {
        let digits = currency.minorUnitDigits
        switch DecimalText.parse(Array(text.utf8)) {
        case .failure(.syntax):
            return .failure(AmountProblem("\(text) is not a decimal number such as \"100.00\""))
        case .failure(.tooPrecise):
            return .failure(
                AmountProblem(
                    "\(text) has too many digits; expected at most "
                        + "\(InvoiceInputReader.amountIntegerDigitsMax) digits before the point "
                        + "and \(digits) after it"))
        case .success(let parsed):
            guard parsed.integerDigits <= InvoiceInputReader.amountIntegerDigitsMax else {
                return .failure(
                    AmountProblem(
                        "\(text) is too large; expected at most "
                            + "\(InvoiceInputReader.amountIntegerDigitsMax) digits before the "
                            + "point"))
            }
            guard let value = money(text, currency) else {
                return .failure(
                    AmountProblem(
                        "\(text) has more decimals than \(currency.code) has; expected at most "
                            + "\(digits)"))
            }
            return .success(value)
        }
    }

    /// What is wrong with an amount's text, as a phrase for a message.
    struct AmountProblem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
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

    /// The opening `wallets.ndjson` (a previous run's closing wallets).
    public mutating func wallets(_ bytes: [UInt8], file: String) -> [WalletEntry] {
        var entries: [WalletEntry] = []
        var seen: Set<String> = []
        eachObject(bytes, file: file, rules: .configuration) { reader, members, number in
            guard let grantID = reader.string(members, "grant"), !grantID.isEmpty else {
                reader.fail(file, number, "grant", "missing; expected the id of the grant")
                return
            }
            var grantMembers = members.filter { $0.0 != "remaining" && $0.0 != "grant" }
            grantMembers.append(("id", .string(grantID)))
            let remainingText = reader.numeric(members, "remaining")
            if reader.numeric(members, "amount") == nil, let remainingText {
                // Without `amount`, `remaining` stands for it: a negative one is reported as
                // itself, not as a bad amount the row does not hold.
                guard !remainingText.hasPrefix("-") else {
                    reader.fail(
                        file, number, "remaining",
                        "must be 0 or more, got \(remainingText)")
                    return
                }
                grantMembers.append(("amount", .string(remainingText)))
            }
            // A wallet row is its grant (with the original amount) plus what remains of it, which
            // may be 0 for a spent or expired grant. The grant's own problems are reported by
            // `grant` with their field.
            guard let grant = reader.grant(grantMembers, file: file, number: number) else {
                return
            }
            guard let remainingText else {
                reader.fail(
                    file, number, "remaining",
                    "missing; expected what is left of grant \(grant.id), such as \"0\" or "
                        + "\"\(grant.amount)\"")
                return
            }
            let remaining: Money
            switch reader.amountCheck(remainingText, grant.currency) {
            case .failure(let problem):
                reader.fail(file, number, "remaining", "\(problem) (grant \(grant.id))")
                return
            case .success(let value):
                remaining = value
            }
            guard remaining.minorUnits >= 0 else {
                reader.fail(
                    file, number, "remaining",
                    "must be 0 or more, got \(remainingText) (grant \(grant.id))")
                return
            }
            // What is left of a grant can never exceed what was granted.
            guard remaining.minorUnits <= grant.amount.minorUnits else {
                reader.fail(
                    file, number, "remaining",
                    "\(remaining) is more than the grant's amount \(grant.amount) "
                        + "(grant \(grant.id)); a wallet row holds what is left of its grant")
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

import Pricing

/// Writes the ledger journals of an `invoice` run (SPEC §8.3): `journal.ledger` (hledger and
/// ledger), `journal.beancount` (beancount 3) and `journal.csv` (one posting per row).
///
/// All three are pure functions of their arguments: transactions are written in the order
/// given (the caller sorts them; `JournalBuilder` does), nothing is read from a `Dictionary` or
/// `Set` into the output, lines end in LF, and amounts are `Money.description` (exactly the
/// currency's minor units, so no tool ever sees a residue below the declared precision).
///
/// Text is made safe for each format by two documented rules (`JournalText`):
/// - Descriptions are for people: every control character becomes a space, runs of white
///   space become one space, and the ends are trimmed, so no description ever holds a newline
///   or the two spaces that end a ledger field. `journal.ledger` also turns `;` into `,` (a `;`
///   starts a comment, where hledger would read `key: value` as tags) and a leading `(` into
///   `[` (a leading `(…)` is a transaction code in both hledger and ledger).
/// - Identifiers (reference, customer, invoice, grant) are kept reversibly: `%`, `,`, control
///   characters and a leading or trailing space are percent-encoded (`%XX` per UTF-8 byte),
///   everything else is as is, and the result is the same in all three files. hledger ends a
///   tag value at `,`, and both tools trim tag values. Ordinary ids (`cus_001`) are unchanged.
///
/// Account names are `Root:Component…` as the catalog loader and `AccountNames.component(_:)`
/// make them; currency codes are capital letters and digits starting with a letter (beancount
/// cannot write other codes). Anything else is a programmer error.
public enum JournalWriters {
    /// `journal.ledger`, read by hledger 1.25 and ledger 3.3.
    ///
    /// Commodity declarations first, in the order of `currencies` and then any other currency
    /// the postings use (first use first): `commodity USD` and an indented
    /// `format 1000.00 USD`, or a bare `commodity JPY` for a currency without minor units (the
    /// one form both tools accept). A code holding a digit is quoted (`"EUR2"`) because both
    /// tools read unquoted digits as part of the number. Then, after a blank line, an
    /// `account <name>` declaration for every account the postings use, sorted by components
    /// (bytewise), the order hledger shows undeclared accounts in; an account made from an id
    /// carries it as a tag on the next line (`    ; customer: cus_1`, `charge`, `tax`: see
    /// `AccountIDs.origin(of:)`), which hledger reads as an account tag and ledger as a
    /// comment. Then each transaction, after a blank line: `2026-10-31 * <description>`, one
    /// `    ; key: value` tag per line (kind, reference, customer, invoice and grant when
    /// present; ledger does not read comma-separated tags), and its postings
    /// `    <account>  <amount> <CODE>`.
    ///
    /// Complexity: O(total postings + accounts × log accounts + currencies).
    public static func ledger(
        _ transactions: [JournalTransaction], currencies: [Currency],
        accountIDs: AccountIDs? = nil
    )
        -> [UInt8]
    {
        OutputBytes.collecting {
            try ledger(transactions, currencies: currencies, accountIDs: accountIDs, to: $0)
        }
    }

    /// `ledger(_:currencies:accountIDs:)` written to `output` in pieces of about `chunkBytes`,
    /// so the journal is never held whole in memory.
    public static func ledger(
        _ transactions: [JournalTransaction], currencies: [Currency],
        accountIDs: AccountIDs? = nil, to output: ByteOutput
    ) throws {
        var text: [UInt8] = []
        var wroteAny = false
        for currency in declaredCurrencies(transactions, currencies) {
            let symbol = ledgerCommodity(currency.code)
            text += "commodity \(symbol)\n".utf8
            if currency.minorUnitDigits > 0 {
                let zeros = String(repeating: "0", count: currency.minorUnitDigits)
                text += "    format 1000.\(zeros) \(symbol)\n".utf8
            }
        }
        var accounts = Set<String>()
        for transaction in transactions {
            for posting in transaction.postings { accounts.insert(posting.account) }
        }
        let sortedAccounts = accounts.sorted(by: JournalText.accountPrecedes)
        for (index, account) in sortedAccounts.enumerated() {
            precondition(
                JournalText.isAccountName(account),
                "account name \(account) must be Root:Component…")
            if index == 0 && !text.isEmpty { text.append(UInt8(ascii: "\n")) }
            text += "account ".utf8
            text += account.utf8
            text.append(UInt8(ascii: "\n"))
            if let origin = accountIDs?.origin(of: account) {
                text += "    ; ".utf8
                text += origin.key.utf8
                text += ": ".utf8
                text += JournalText.identifier(origin.id).utf8
                text.append(UInt8(ascii: "\n"))
            }
            if text.count >= chunkBytes {
                try output.write(text)
                text.removeAll(keepingCapacity: true)
                wroteAny = true
            }
        }
        // One symbol per currency code, quoted or not, looked up instead of made per posting.
        var symbols: [String: String] = [:]
        for transaction in transactions {
            if wroteAny || !text.isEmpty { text.append(UInt8(ascii: "\n")) }
            let description = JournalText.ledgerDescription(transaction.description)
            // No trailing space after the flag when the description is empty.
            JournalText.appendDate(transaction.date, to: &text)
            text += " *".utf8
            if !description.isEmpty {
                text.append(UInt8(ascii: " "))
                text += description.utf8
            }
            text.append(UInt8(ascii: "\n"))
            forEachTag(transaction) { key, value in
                text += "    ; ".utf8
                text += key.utf8
                text += ": ".utf8
                text += JournalText.identifier(value).utf8
                text.append(UInt8(ascii: "\n"))
            }
            for posting in transaction.postings {
                precondition(
                    JournalText.isAccountName(posting.account),
                    "account name \(posting.account) must be Root:Component…")
                let code = posting.amount.currency.code
                let symbol: String
                if let known = symbols[code] {
                    symbol = known
                } else {
                    symbol = ledgerCommodity(code)
                    symbols[code] = symbol
                }
                text += "    ".utf8
                text += posting.account.utf8
                text += "  ".utf8
                text += posting.amount.description.utf8
                text.append(UInt8(ascii: " "))
                text += symbol.utf8
                text.append(UInt8(ascii: "\n"))
            }
            if text.count >= chunkBytes {
                try output.write(text)
                text.removeAll(keepingCapacity: true)
                wroteAny = true
            }
        }
        try output.write(text)
    }

    /// `journal.beancount`, checked by `bean-check` (beancount 3).
    ///
    /// Starts with `option "tolerance_multiplier" "0"`: beancount 3 otherwise tolerates a
    /// residue of half the last digit written (0.005 USD for `1.00 USD`, more when an amount
    /// has more digits), and with 0 every transaction must balance exactly. (The option's old
    /// name, `inferred_tolerance_multiplier`, is a deprecated alias in beancount 3.2.) Then
    /// `commodity` entries for the currencies as in `ledger`, dated on the journal's first date;
    /// an `open` for every account, dated on its first use, ordered by that date and then by
    /// first appearance, with the original id as metadata when an id made the account
    /// (`  customer: "cus_1"`, `charge`, `tax`: see `AccountIDs.origin(of:)`); and the
    /// transactions in the given order:
    /// `2026-10-31 * "description" ^<invoice id>` (the link only when the invoice id is made of
    /// the characters a link may hold: ASCII letters, digits, `-`, `_`, `/`, `.`), lowercase
    /// metadata keys with quoted string values (kind, reference, customer, invoice, grant),
    /// and the postings. With no transactions there is no date to declare commodities on, and
    /// nothing needs them, so only the option is written.
    ///
    /// Complexity: O(total postings + currencies), expected (one hash lookup per posting).
    public static func beancount(
        _ transactions: [JournalTransaction], currencies: [Currency],
        accountIDs: AccountIDs? = nil
    )
        -> [UInt8]
    {
        OutputBytes.collecting {
            try beancount(transactions, currencies: currencies, accountIDs: accountIDs, to: $0)
        }
    }

    /// `beancount(_:currencies:accountIDs:)` written to `output` in pieces of about
    /// `chunkBytes`, so the journal is never held whole in memory.
    public static func beancount(
        _ transactions: [JournalTransaction], currencies: [Currency],
        accountIDs: AccountIDs? = nil, to output: ByteOutput
    ) throws {
        var text = "option \"tolerance_multiplier\" \"0\"\n"
        // First use of each account: the date lookup is a dictionary, the output order is the
        // array, so nothing depends on hash order.
        var accountOrder: [String] = []
        var firstUse: [String: CivilDate] = [:]
        var earliest: CivilDate?
        for transaction in transactions {
            if earliest.map({ transaction.date < $0 }) ?? true { earliest = transaction.date }
            for posting in transaction.postings {
                precondition(
                    JournalText.isAccountName(posting.account),
                    "account name \(posting.account) must be Root:Component…")
                if let known = firstUse[posting.account] {
                    if transaction.date < known { firstUse[posting.account] = transaction.date }
                } else {
                    firstUse[posting.account] = transaction.date
                    accountOrder.append(posting.account)
                }
            }
        }
        if let earliest {
            text += "\n"
            for currency in declaredCurrencies(transactions, currencies) {
                precondition(
                    JournalText.isBeancountCurrency(currency.code),
                    "currency code \(currency.code) must start with a capital letter")
                text += "\(earliest) commodity \(currency.code)\n"
            }
            text += "\n"
            let opens = accountOrder.enumerated().map { index, account in
                (date: firstUse[account] ?? earliest, index: index, account: account)
            }.sorted { left, right in
                left.date != right.date ? left.date < right.date : left.index < right.index
            }
            var bytes = Array(text.utf8)
            for open in opens {
                JournalText.appendDate(open.date, to: &bytes)
                bytes += " open ".utf8
                bytes += open.account.utf8
                bytes.append(UInt8(ascii: "\n"))
                if let origin = accountIDs?.origin(of: open.account) {
                    bytes += "  ".utf8
                    bytes += origin.key.utf8
                    bytes += ": ".utf8
                    JournalText.appendBeancountString(JournalText.identifier(origin.id), to: &bytes)
                    bytes.append(UInt8(ascii: "\n"))
                }
                if bytes.count >= chunkBytes {
                    try output.write(bytes)
                    bytes.removeAll(keepingCapacity: true)
                }
            }
            text = String(decoding: bytes, as: UTF8.self)
        }
        var bytes = Array(text.utf8)
        for transaction in transactions {
            bytes.append(UInt8(ascii: "\n"))
            JournalText.appendDate(transaction.date, to: &bytes)
            bytes += " * ".utf8
            JournalText.appendBeancountString(
                JournalText.description(transaction.description), to: &bytes)
            if let invoiceID = transaction.invoiceID, JournalText.isLinkSafe(invoiceID) {
                bytes += " ^".utf8
                bytes += invoiceID.utf8
            }
            bytes.append(UInt8(ascii: "\n"))
            forEachTag(transaction) { key, value in
                bytes += "  ".utf8
                bytes += key.utf8
                bytes += ": ".utf8
                JournalText.appendBeancountString(JournalText.identifier(value), to: &bytes)
                bytes.append(UInt8(ascii: "\n"))
            }
            for posting in transaction.postings {
                bytes += "  ".utf8
                bytes += posting.account.utf8
                bytes += "  ".utf8
                bytes += posting.amount.description.utf8
                bytes.append(UInt8(ascii: " "))
                bytes += posting.amount.currency.code.utf8
                bytes.append(UInt8(ascii: "\n"))
            }
            if bytes.count >= chunkBytes {
                try output.write(bytes)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        try output.write(bytes)
    }

    /// The columns of `journal.csv`. None is named `amount` or `currency`: hledger's CSV rules
    /// give those names built-in meaning, and the file is meant to be read as is.
    public static let csvHeader = [
        "date", "transaction", "kind", "customer", "account", "value", "commodity", "description",
    ]

    /// `journal.csv`: the header `csvHeader`, then one row per posting in the given order:
    /// date, the transaction's reference, kind, customer, account, the signed amount with the
    /// currency's minor units, the currency code, and the description (RFC 4180 quoting by
    /// `CSVText`; text by the same rules as the other journals, so no field holds a newline).
    ///
    /// Complexity: O(total postings).
    public static func csv(_ transactions: [JournalTransaction]) -> [UInt8] {
        OutputBytes.collecting { try csv(transactions, to: $0) }
    }

    /// `csv(_:)` written to `output` in pieces of about `chunkBytes`.
    public static func csv(_ transactions: [JournalTransaction], to output: ByteOutput) throws {
        var text = Array(CSVText.row(csvHeader).utf8)
        for transaction in transactions {
            let reference = JournalText.identifier(transaction.reference)
            let customer = JournalText.identifier(transaction.customer)
            let description = JournalText.description(transaction.description)
            // The fields shared by the transaction's rows, made once.
            var date: [UInt8] = []
            JournalText.appendDate(transaction.date, to: &date)
            var head = date
            head.append(UInt8(ascii: ","))
            CSVText.appendField(reference, to: &head)
            head.append(UInt8(ascii: ","))
            CSVText.appendField(transaction.kind.rawValue, to: &head)
            head.append(UInt8(ascii: ","))
            CSVText.appendField(customer, to: &head)
            head.append(UInt8(ascii: ","))
            var tail: [UInt8] = []
            CSVText.appendField(description, to: &tail)
            tail.append(UInt8(ascii: "\n"))
            for posting in transaction.postings {
                text += head
                CSVText.appendField(posting.account, to: &text)
                text.append(UInt8(ascii: ","))
                CSVText.appendField(posting.amount.description, to: &text)
                text.append(UInt8(ascii: ","))
                CSVText.appendField(posting.amount.currency.code, to: &text)
                text.append(UInt8(ascii: ","))
                text += tail
            }
            if text.count >= chunkBytes {
                try output.write(text)
                text.removeAll(keepingCapacity: true)
            }
        }
        try output.write(text)
    }

    /// The size at which a writer hands its text to the output (`OutputBytes.chunkBytes`).
    static let chunkBytes = OutputBytes.chunkBytes

    /// The tags (ledger) or metadata (beancount) of a transaction, in their fixed order; the
    /// values are unescaped.
    static func tags(_ transaction: JournalTransaction) -> [(key: String, value: String)] {
        var tags: [(key: String, value: String)] = [
            ("kind", transaction.kind.rawValue),
            ("reference", transaction.reference),
            ("customer", transaction.customer),
        ]
        if let invoiceID = transaction.invoiceID { tags.append(("invoice", invoiceID)) }
        if let grantID = transaction.grantID { tags.append(("grant", grantID)) }
        return tags
    }

    /// `tags(_:)` without the array: `body` is called with each key and unescaped value, in
    /// the same order.
    static func forEachTag(
        _ transaction: JournalTransaction, _ body: (String, String) -> Void
    ) {
        body("kind", transaction.kind.rawValue)
        body("reference", transaction.reference)
        body("customer", transaction.customer)
        if let invoiceID = transaction.invoiceID { body("invoice", invoiceID) }
        if let grantID = transaction.grantID { body("grant", grantID) }
    }

    /// The currencies to declare: `currencies` in their order, then every other currency the
    /// postings use, in order of first use; each code once (the first entry for a code wins).
    static func declaredCurrencies(
        _ transactions: [JournalTransaction], _ currencies: [Currency]
    )
        -> [Currency]
    {
        var seen: Set<String> = []
        var result: [Currency] = []
        func add(_ currency: Currency) {
            precondition(
                !currency.code.isEmpty
                    && currency.code.utf8.allSatisfy { JournalText.isCapitalOrDigit($0) },
                "currency code \(currency.code) must be capital letters and digits")
            if seen.insert(currency.code).inserted { result.append(currency) }
        }
        currencies.forEach(add)
        for transaction in transactions {
            for posting in transaction.postings { add(posting.amount.currency) }
        }
        return result
    }

    /// A commodity symbol as hledger and ledger read it: quoted when it holds anything but
    /// letters (a digit would otherwise be read as part of the number).
    static func ledgerCommodity(_ code: String) -> String {
        let lettersOnly = code.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) }
        return lettersOnly ? code : "\"" + code + "\""
    }
}

/// The text rules of the journal writers (see `JournalWriters`).
enum JournalText {
    /// `isAccountName(_:)` for ASCII names, byte by byte: in ASCII the uppercase letters are
    /// A–Z and the alphabetic ones A–Z and a–z, so this is the same rule without the Unicode
    /// property lookups (every posting of every journal is checked).
    static func isASCIIAccountName(_ name: String) -> Bool {
        // One pass over the bytes, component by component, with no arrays: every posting of
        // every journal is checked.
        var componentCount = 0
        var componentStart = true
        var rootEnd = -1
        var index = 0
        for byte in name.utf8 {
            if byte == UInt8(ascii: ":") {
                if componentStart { return false }  // an empty component
                if componentCount == 0 { rootEnd = index }
                componentCount += 1
                componentStart = true
            } else if componentStart {
                guard isCapitalOrDigit(byte) else { return false }
                componentStart = false
            } else {
                guard isCapitalOrDigit(byte) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-")
                else { return false }
            }
            index += 1
        }
        if componentStart { return false }  // empty, or an empty last component
        componentCount += 1
        guard componentCount >= 2 else { return false }
        let root = name.utf8.prefix(rootEnd)
        return ["Assets", "Liabilities", "Equity", "Income", "Expenses"]
            .contains(where: { $0.utf8.elementsEqual(root) })
    }

    /// A description on one line: control characters (C0, DEL, C1, U+2028, U+2029) become
    /// spaces, each run of white space becomes one space, and the ends are trimmed.
    static func description(_ text: String) -> String {
        asciiDescription(text) ?? unicodeDescription(text)
    }

    /// `description(_:)` by Unicode properties, scalar by scalar: the rule itself.
    static func unicodeDescription(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            let isControl =
                scalar.properties.generalCategory == .control
                || scalar == "\u{2028}" || scalar == "\u{2029}"
            if isControl || scalar.properties.isWhitespace {
                pendingSpace = true
                continue
            }
            if pendingSpace && !output.isEmpty { output.append(" ") }
            pendingSpace = false
            output.append(scalar)
        }
        return String(output)
    }

    /// `description(_:)` for ASCII text, byte by byte (the Unicode property lookups cost more
    /// than the rest of a journal line); `nil` when `text` holds a non-ASCII byte. In ASCII the
    /// control characters are 0x00–0x1F and 0x7F and the white space is 0x09–0x0D and 0x20, so
    /// "below 0x21 or 0x7F" is exactly what the general rule turns into a space.
    static func asciiDescription(_ text: String) -> String? {
        let utf8 = text.utf8
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count)
        var pendingSpace = false
        for byte in utf8 {
            if byte < 0x21 || byte == 0x7F {
                pendingSpace = true
                continue
            }
            if pendingSpace && !output.isEmpty { output.append(UInt8(ascii: " ")) }
            pendingSpace = false
            output.append(byte)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A description for a ledger transaction line: `description(_:)`, then `;` becomes `,`
    /// and a leading `(` becomes `[`.
    static func ledgerDescription(_ text: String) -> String {
        let described = description(text)
        if !described.utf8.contains(where: { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "(") }) {
            return described
        }
        var output = String.UnicodeScalarView()
        for scalar in described.unicodeScalars {
            if scalar == ";" {
                output.append(",")
            } else if scalar == "(" && output.isEmpty {
                output.append("[")
            } else {
                output.append(scalar)
            }
        }
        return String(output)
    }

    /// An identifier with `%`, `,`, control characters (C0, DEL) and a leading or trailing
    /// space percent-encoded (`%XX`, uppercase hex, per UTF-8 byte); reversible by ordinary
    /// percent-decoding.
    static func identifier(_ text: String) -> String {
        // Ordinary ids (`cus_001`) need nothing: return them as they are.
        let plain =
            text.utf8.allSatisfy { byte in
                byte != UInt8(ascii: "%") && byte != UInt8(ascii: ",") && byte >= 0x20
                    && byte != 0x7F
            } && text.utf8.first != UInt8(ascii: " ") && text.utf8.last != UInt8(ascii: " ")
        if plain { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        for (index, byte) in bytes.enumerated() {
            let atEnd = index == 0 || index == bytes.count - 1
            let encode =
                byte == UInt8(ascii: "%") || byte == UInt8(ascii: ",") || byte < 0x20
                || byte == 0x7F || (byte == UInt8(ascii: " ") && atEnd)
            if encode {
                let digits = Array("0123456789ABCDEF".utf8)
                output += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            } else {
                output.append(byte)
            }
        }
        // Only ASCII bytes were replaced by ASCII, so the bytes are still valid UTF-8.
        return String(decoding: output, as: UTF8.self)
    }

    /// A beancount string literal: `"` and `\` escaped. Callers pass text without control
    /// characters (`description(_:)` or `identifier(_:)`), so the literal is one line.
    static func beancountString(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var output = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { output.unicodeScalars.append("\\") }
            output.unicodeScalars.append(scalar)
        }
        output += "\""
        return output
    }

    /// Appends `beancountString(text)`'s bytes to `bytes`.
    static func appendBeancountString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            // `"` and `\\` are ASCII, so escaping byte by byte is escaping scalar by scalar.
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
            }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `date.description` (`YYYY-MM-DD`) to `bytes`, digit by digit for the years
    /// 0–9999 (every date the loaders accept) and through `description` otherwise.
    static func appendDate(_ date: CivilDate, to bytes: inout [UInt8]) {
        guard (0...9999).contains(date.year), (0...99).contains(date.month),
            (0...99).contains(date.day)
        else {
            bytes += date.description.utf8
            return
        }
        let zero = UInt8(ascii: "0")
        bytes.append(zero + UInt8(date.year / 1000))
        bytes.append(zero + UInt8(date.year / 100 % 10))
        bytes.append(zero + UInt8(date.year / 10 % 10))
        bytes.append(zero + UInt8(date.year % 10))
        bytes.append(UInt8(ascii: "-"))
        bytes.append(zero + UInt8(date.month / 10))
        bytes.append(zero + UInt8(date.month % 10))
        bytes.append(UInt8(ascii: "-"))
        bytes.append(zero + UInt8(date.day / 10))
        bytes.append(zero + UInt8(date.day % 10))
    }

    /// Whether a text can follow `^` as a beancount link (`[A-Za-z0-9\-_/.]+`).
    static func isLinkSafe(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                isCapitalOrDigit(byte) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".")
            }
    }

    /// Whether a currency code is one beancount reads: a capital letter, then capitals or
    /// digits, at least two characters.
    static func isBeancountCurrency(_ code: String) -> Bool {
        guard let first = code.utf8.first, code.utf8.count >= 2 else { return false }
        return first >= 0x41 && first <= 0x5A && code.utf8.allSatisfy(isCapitalOrDigit)
    }

    static func isCapitalOrDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
    }

    /// Whether an account name is one all three tools read: a root of Assets, Liabilities,
    /// Equity, Income or Expenses, then `:`-separated components that start with a capital
    /// letter or digit and hold letters, digits and `-` (no space, `;` or control character).
    static func isAccountName(_ name: String) -> Bool {
        name.utf8.allSatisfy({ $0 < 0x80 }) ? isASCIIAccountName(name) : isUnicodeAccountName(name)
    }

    /// Whether `left` sorts before `right` component by component, each bytewise: the bytes
    /// compared with `:` taken as lower than any other, which is the same order without
    /// splitting the names (`Assets:B` before `Assets-X`, as in hledger's account tree).
    static func accountPrecedes(_ left: String, _ right: String) -> Bool {
        func key(_ byte: UInt8) -> UInt8 { byte == UInt8(ascii: ":") ? 0 : byte }
        return left.utf8.lexicographicallyPrecedes(right.utf8) { key($0) < key($1) }
    }

    /// `isAccountName(_:)` by Unicode properties: the rule itself.
    static func isUnicodeAccountName(_ name: String) -> Bool {
        let components = name.split(separator: ":", omittingEmptySubsequences: false)
        guard components.count >= 2,
            ["Assets", "Liabilities", "Equity", "Income", "Expenses"]
                .contains(String(components[0]))
        else { return false }
        return components.allSatisfy { component in
            guard let first = component.unicodeScalars.first else { return false }
            return (first.properties.isUppercase || ("0"..."9").contains(first))
                && component.unicodeScalars.allSatisfy {
                    $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-"
                }
        }
    }
}

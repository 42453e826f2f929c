extension AccountNames {
    /// The account-name component for a customer id, charge key or tax name, by the one
    /// readable rule (issue 10; `docs/DECISIONS.md`, "Journals"):
    /// - ASCII letters and digits are kept;
    /// - every other ASCII character (`_`, `-`, `.`, space, `/`, …) is a separator: a run of
    ///   separators becomes one `-`, and separators at the start and the end are dropped;
    /// - every non-ASCII character is written as the word `U` and its code point in uppercase
    ///   hex, at least four digits, set off from its neighbours by `-` (`ü` → `U00FC`);
    /// - a first character that is an ASCII lowercase letter is upper-cased;
    /// - an id with no letter, digit or non-ASCII character at all is written as the words of
    ///   all its characters (`_` → `U005F`; the empty id gives `U`).
    ///
    /// `cus_1` → `Cus-1`, `platform_fee` → `Platform-fee`, `VAT` → `VAT`,
    /// `9lives` → `9lives`, `ÄB` → `U00C4-B`. The result is ASCII letters, digits and single
    /// inner `-`, starting with an uppercase letter or a digit, which hledger, ledger and
    /// beancount all accept.
    /// The rule is not reversible (`cus_1` and `cus-1` meet): `AccountIDs` finds the ids that
    /// would share a component, and the journals declare each account with its original id.
    ///
    /// Complexity: O(n) in the id's length.
    public static func component(_ id: String) -> String {
        // Every posting names an account and every customer is checked at load (a million in
        // a large book): an ASCII id with a letter or digit, the usual case, is made in one
        // pass straight into the string's storage (inline up to 15 bytes: no allocation).
        if let fast = id.utf8.withContiguousStorageIfAvailable(asciiComponent), let fast {
            return fast
        }
        return unicodeComponent(id)
    }

    /// `component(_:)` of an ASCII id holding a letter or digit; nil for any other id. The
    /// same rule byte by byte: the output is never longer than the id (letters and digits one
    /// for one, each run of separators at most one `-`).
    static func asciiComponent(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard !bytes.isEmpty else { return nil }
        var ascii = true
        let text = String(unsafeUninitializedCapacity: bytes.count) { output in
            var count = 0
            var separated = false
            for byte in bytes {
                guard byte < 0x80 else {
                    ascii = false
                    return 0
                }
                let isLetterOrDigit =
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                    || (byte >= 0x61 && byte <= 0x7A)
                guard isLetterOrDigit else {
                    separated = true
                    continue
                }
                if separated && count > 0 {
                    output[count] = UInt8(ascii: "-")
                    count += 1
                }
                separated = false
                let upper = count == 0 && byte >= 0x61 && byte <= 0x7A
                output[count] = upper ? byte - 0x20 : byte
                count += 1
            }
            return count
        }
        return ascii && !text.isEmpty ? text : nil
    }

    /// `component(_:)` by Unicode scalars: the rule itself, for any id.
    static func unicodeComponent(_ id: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(id.utf8.count)
        // Whether a separator (or a `U` word) stands between the last word and the next.
        var separated = false
        for scalar in id.unicodeScalars {
            let value = scalar.value
            let isLetterOrDigit =
                (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A)
                || (value >= 0x61 && value <= 0x7A)
            if isLetterOrDigit {
                if separated && !output.isEmpty { output.append(UInt8(ascii: "-")) }
                separated = false
                let byte = UInt8(value)
                let upper = output.isEmpty && byte >= 0x61 && byte <= 0x7A
                output.append(upper ? byte - 0x20 : byte)
            } else if value >= 0x80 {
                if !output.isEmpty { output.append(UInt8(ascii: "-")) }
                appendCodePoint(value, to: &output)
                separated = true
            } else {
                separated = true
            }
        }
        if output.isEmpty {
            if id.isEmpty { return "U" }
            for scalar in id.unicodeScalars {
                if !output.isEmpty { output.append(UInt8(ascii: "-")) }
                appendCodePoint(scalar.value, to: &output)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `U` and `value` in uppercase hex, at least four digits.
    static func appendCodePoint(_ value: UInt32, to output: inout [UInt8]) {
        let hex = Array(String(value, radix: 16, uppercase: true).utf8)
        output.append(UInt8(ascii: "U"))
        output += repeatElement(UInt8(ascii: "0"), count: max(0, 4 - hex.count))
        output += hex
    }
}

/// The name of a customer's invoice files (`invoices/<name>.json`, `.html`).
public enum CustomerFileName {
    /// The id itself when it is a safe file name: non-empty, only ASCII letters, digits, `_`,
    /// `-` and `.`, and not starting with `.`. Any other id gets its account-name component
    /// (`AccountNames.component(_:)`), so no id can reach outside `invoices/` or hide its
    /// file. Two ids can meet (`a/b` and `A-b`): `StageConfiguration` refuses such customers.
    public static func of(_ id: String) -> String {
        let safe =
            !id.isEmpty && !id.hasPrefix(".")
            && id.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A)
                    || ($0 >= 0x61 && $0 <= 0x7A)
                    || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            }
        return safe ? id : AccountNames.component(id)
    }

    /// The groups of different ids in `ids` that would share a file name, as
    /// `NameCollision.groups(ids, name: of)` gives them. A safe id is its own name, so only a
    /// group holding an unsafe id can exist: only those are named (none, in most books), and a
    /// safe id joins the group whose name it is.
    ///
    /// Complexity: O(n) expected.
    public static func collisions(_ ids: [String]) -> [NameCollision] {
        var unsafe: [String] = []
        for id in ids where of(id) != id { unsafe.append(id) }
        guard !unsafe.isEmpty else { return [] }
        let names = Set(unsafe.lazy.map(of))
        let safeNamesakes = ids.filter { names.contains($0) && of($0) == $0 }
        return NameCollision.groups(unsafe + safeNamesakes, name: of)
    }
}

/// Two or more different ids that one naming rule maps to the same name.
public struct NameCollision: Hashable, Sendable {
    /// The name the ids share.
    public let name: String
    /// The ids, at least two, sorted bytewise.
    public let ids: [String]

    /// Every group of two or more different ids that `name` maps to one name, sorted by that
    /// name (bytewise); an id given twice counts once.
    ///
    /// Complexity: O(n) expected, plus the sort of the groups.
    public static func groups(_ ids: some Sequence<String>, name: (String) -> String)
        -> [NameCollision]
    {
        index(ids, name: name).groups
    }

    /// `groups(_:name:)`, and the bytewise-first id of every name, from one pass over `ids`
    /// (`name` is called once per id).
    static func index(_ ids: some Sequence<String>, name: (String) -> String)
        -> (first: [String: String], groups: [NameCollision])
    {
        var first: [String: String] = [:]
        var shared: [String: Set<String>] = [:]
        for id in ids {
            let key = name(id)
            guard let earlier = first[key] else {
                first[key] = id
                continue
            }
            guard earlier != id else { continue }
            shared[key, default: [earlier]].insert(id)
            if id.utf8.lexicographicallyPrecedes(earlier.utf8) { first[key] = id }
        }
        let groups = shared.map { key, ids in
            NameCollision(
                name: key, ids: ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return (first, groups)
    }
}

/// Which original id each journal account made from an id stands for (customer ids, charge
/// keys, tax names), and the ids that would share an account.
///
/// Charge keys are checked across the whole catalog, not per income root: the catalog may
/// point `usage_income` and `recurring_income` at one account, and a key means one thing.
public struct AccountIDs: Sendable {
    /// The roots the accounts are made under.
    public let accounts: AccountNames
    /// The original id of each component, per kind (the bytewise-first id when ids collide).
    let customers: [String: String]
    let charges: [String: String]
    let taxes: [String: String]
    /// Customer ids that would share `Assets:Receivable:<component>`.
    public let customerCollisions: [NameCollision]
    /// Charge keys that would share `Income:Usage:<component>` or `Income:Recurring:…`.
    public let chargeCollisions: [NameCollision]
    /// Tax names that would share `Liabilities:Tax:<component>`.
    public let taxCollisions: [NameCollision]

    /// The ids behind the accounts of a run; each sequence may repeat an id.
    public init(
        accounts: AccountNames, customerIDs: some Sequence<String>,
        chargeKeys: some Sequence<String>, taxNames: some Sequence<String>
    ) {
        self.accounts = accounts
        func index(_ ids: some Sequence<String>) -> ([String: String], [NameCollision]) {
            NameCollision.index(ids, name: AccountNames.component)
        }
        (customers, customerCollisions) = index(customerIDs)
        (charges, chargeCollisions) = index(chargeKeys)
        (taxes, taxCollisions) = index(taxNames)
    }

    /// The ids of a catalog and its customers: every customer id, every charge key of every
    /// plan, every customer's tax name.
    public init(catalog: Catalog, customers: [Customer]) {
        self.init(
            accounts: catalog.accounts, customerIDs: customers.lazy.map(\.id),
            chargeKeys: catalog.plans.values.lazy.flatMap { $0.charges.lazy.map(\.key) },
            taxNames: customers.lazy.compactMap { $0.tax?.name })
    }

    /// Whether no two ids of a kind would share an account.
    public var isEmpty: Bool {
        customerCollisions.isEmpty && chargeCollisions.isEmpty && taxCollisions.isEmpty
    }

    /// The metadata key and original id of an account made from an id: (`customer`, `cus_1`)
    /// for `Assets:Receivable:Cus-1` and `Liabilities:Credits:Cus-1`, (`charge`, `api_calls`)
    /// for `Income:Usage:Api-calls`, (`tax`, `VAT`) for `Liabilities:Tax:VAT`; nil for an
    /// account no id made (`Income:Discounts`) or an id not given to `init`.
    public func origin(of account: String) -> (key: String, id: String)? {
        func rest(_ root: String) -> String? {
            let prefix = root + ":"
            return account.hasPrefix(prefix) ? String(account.dropFirst(prefix.count)) : nil
        }
        if let component = rest(accounts.receivable) ?? rest(accounts.credits),
            let id = customers[component]
        {
            return ("customer", id)
        }
        if let component = rest(accounts.usageIncome) ?? rest(accounts.recurringIncome),
            let id = charges[component]
        {
            return ("charge", id)
        }
        if let component = rest(accounts.tax), let id = taxes[component] {
            return ("tax", id)
        }
        return nil
    }
}

/// A prepaid credit grant (SPEC §7).
public struct Grant: Hashable, Sendable {
    public let id: String
    public let customer: String
    public let instant: Instant
    /// The grant's `ts` text as given, reprinted in wallets (keeps the writer's offset).
    public let timestampText: String
    public let amount: Money
    public let expires: Instant?
    public let expiresText: String?
    /// `purchase`, `promotional`, `included`, or another word.
    public let source: String
    public let priority: Int

    public init(
        id: String, customer: String, instant: Instant, timestampText: String, amount: Money,
        expires: Instant?, expiresText: String?, source: String, priority: Int
    ) {
        self.id = id
        self.customer = customer
        self.instant = instant
        self.timestampText = timestampText
        self.amount = amount
        self.expires = expires
        self.expiresText = expiresText
        self.source = source
        self.priority = priority
    }

    public var currency: Currency { amount.currency }

    /// The §7 draw order: lowest priority, soonest expiry (none last), any source before
    /// `purchase`, earliest ts, then id.
    public static func drawsBefore(_ left: Grant, _ right: Grant) -> Bool {
        if left.priority != right.priority { return left.priority < right.priority }
        switch (left.expires, right.expires) {
        case (let a?, let b?) where a != b: return a < b
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        let leftPurchase = left.source == "purchase"
        let rightPurchase = right.source == "purchase"
        if leftPurchase != rightPurchase { return rightPurchase }
        if left.instant != right.instant { return left.instant < right.instant }
        return left.id.utf8.lexicographicallyPrecedes(right.id.utf8)
    }
}

/// A grant held in a wallet with what is left of it.
public struct WalletEntry: Sendable {
    public let grant: Grant
    public var remaining: Money

    public init(grant: Grant, remaining: Money) {
        self.grant = grant
        self.remaining = remaining
    }
}

/// What moved a wallet balance.
public enum WalletTransactionKind: String, Sendable {
    case grant, apply, expiry
}

/// One balance change (SPEC §7): before and after, with a deterministic idempotency key.
public struct WalletTransaction: Sendable {
    public let idempotencyKey: String
    public let customer: String
    public let kind: WalletTransactionKind
    public let grant: Grant
    /// Positive for grants, negative for applications and expiries.
    public let amount: Money
    public let balanceBefore: Money
    public let balanceAfter: Money
    /// When it happened: the grant's ts, its expiry, or the period end for applications.
    public let instant: Instant
    /// The invoice paid, for applications.
    public let invoiceID: String?
}

/// The wallets of every customer for one run: opening entries, this run's grants, expiries
/// and applications, and the closing entries.
public struct WalletBook: Sendable {
    /// Entries by customer then currency code, in grant-id order.
    public private(set) var entries: [String: [String: [WalletEntry]]] = [:]
    public private(set) var transactions: [WalletTransaction] = []
    /// Opening balance per customer and currency, before this run's movements.
    public private(set) var openingBalances: [String: [String: Money]] = [:]
    public let month: YearMonth

    public init(month: YearMonth, opening: [WalletEntry]) {
        self.month = month
        for entry in opening {
            entries[entry.grant.customer, default: [:]][entry.grant.currency.code, default: []]
                .append(entry)
        }
        for (customer, wallets) in entries {
            for (code, list) in wallets {
                let currency = list[0].grant.currency
                var balance = Money.zero(currency)
                for entry in list { balance = (try? balance + entry.remaining) ?? balance }
                openingBalances[customer, default: [:]][code] = balance
            }
        }
    }

    /// The grant ids already in the wallets (granted in an earlier period).
    public var knownGrantIDs: Set<String> {
        var ids: Set<String> = []
        for wallets in entries.values {
            for list in wallets.values { for entry in list { ids.insert(entry.grant.id) } }
        }
        return ids
    }

    func balance(_ customer: String, _ currency: Currency) throws -> Money {
        var total = Money.zero(currency)
        for entry in entries[customer]?[currency.code] ?? [] { total = try total + entry.remaining }
        return total
    }

    private mutating func record(
        _ kind: WalletTransactionKind, grant: Grant, amount: Money, at instant: Instant,
        invoiceID: String?
    ) throws {
        let before = try balance(grant.customer, grant.currency)
        let list = entries[grant.customer]?[grant.currency.code] ?? []
        guard let index = list.firstIndex(where: { $0.grant.id == grant.id }) else {
            preconditionFailure("a movement of a grant the wallet does not hold")
        }
        entries[grant.customer]![grant.currency.code]![index].remaining =
            try list[index].remaining + amount
        let after = try balance(grant.customer, grant.currency)
        transactions.append(
            WalletTransaction(
                idempotencyKey: "\(month):\(grant.customer):\(kind.rawValue):\(grant.id)",
                customer: grant.customer, kind: kind, grant: grant, amount: amount,
                balanceBefore: before, balanceAfter: after, instant: instant,
                invoiceID: invoiceID))
    }

    /// Adds new grants (ids not yet in the wallets), by customer, then ts, then id (strings
    /// compared as UTF-8 bytes, like every other output order).
    public mutating func grant(_ grants: [Grant]) throws {
        let known = knownGrantIDs
        let fresh = grants.filter { !known.contains($0.id) }.sorted { left, right in
            if left.customer != right.customer {
                return left.customer.utf8.lexicographicallyPrecedes(right.customer.utf8)
            }
            if left.instant != right.instant { return left.instant < right.instant }
            return left.id.utf8.lexicographicallyPrecedes(right.id.utf8)
        }
        for grant in fresh {
            entries[grant.customer, default: [:]][grant.currency.code, default: []].append(
                WalletEntry(grant: grant, remaining: .zero(grant.currency)))
            try record(
                .grant, grant: grant, amount: grant.amount, at: grant.instant, invoiceID: nil)
        }
    }

    /// Writes off what is left of one customer's grants that expire before `periodEnd`.
    public mutating func expire(customer: String, before periodEnd: Instant) throws {
        for code in (entries[customer] ?? [:]).keys.sorted() {
            let expiring = entries[customer]![code]!
                .filter { entry in
                    entry.remaining.minorUnits > 0
                        && entry.grant.expires.map { $0 < periodEnd } == true
                }
                .map(\.grant)
                .sorted { left, right in
                    left.expires! != right.expires!
                        ? left.expires! < right.expires!
                        : left.id.utf8.lexicographicallyPrecedes(right.id.utf8)
                }
            for grant in expiring {
                let left = entries[customer]![code]!.first { $0.grant.id == grant.id }!.remaining
                try record(
                    .expiry, grant: grant, amount: left.negated, at: grant.expires!, invoiceID: nil)
            }
        }
    }

    /// Applies the customer's usable credits in `invoice`'s currency to its total, in the §7
    /// draw order, never below zero. Returns the amount applied.
    public mutating func apply(to invoice: Invoice, at periodEnd: Instant) throws -> Money {
        try apply(upTo: invoice.total, to: invoice, at: periodEnd)
    }

    /// Applies credits to `invoice` as `apply(to:at:)` does, but at most `limit`: a finalized
    /// invoice (SPEC §9) keeps the credits applied when it was issued, whatever a re-run's
    /// total, so a re-run applies `min(issued credits, what the wallet holds)` and no more.
    public mutating func apply(
        upTo limit: Money, to invoice: Invoice, at periodEnd: Instant
    ) throws -> Money {
        let currency = invoice.currency
        var due = Money(
            minorUnits: min(limit.minorUnits, invoice.total.minorUnits), currency: currency)
        var applied = Money.zero(currency)
        let usable = (entries[invoice.customer.id]?[currency.code] ?? [])
            .filter { entry in
                entry.remaining.minorUnits > 0 && entry.grant.instant < periodEnd
                    && entry.grant.expires.map { !($0 < periodEnd) } ?? true
            }
            .map(\.grant)
            .sorted(by: Grant.drawsBefore)
        for grant in usable where due.minorUnits > 0 {
            let left = entries[invoice.customer.id]![currency.code]!
                .first { $0.grant.id == grant.id }!.remaining
            let draw = Money(minorUnits: min(left.minorUnits, due.minorUnits), currency: currency)
            try record(
                .apply, grant: grant, amount: draw.negated, at: periodEnd,
                invoiceID: invoice.invoiceID)
            due = try due - draw
            applied = try applied + draw
        }
        return applied
    }

    /// Every entry, sorted by customer, currency, grant id: the closing `wallets.ndjson`.
    public var closingEntries: [WalletEntry] {
        var result: [WalletEntry] = []
        for customer in entries.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            for code in entries[customer]!.keys.sorted() {
                result += entries[customer]![code]!.sorted {
                    $0.grant.id.utf8.lexicographicallyPrecedes($1.grant.id.utf8)
                }
            }
        }
        return result
    }
}

import Pricing
import Yams

/// Limits on configuration files, so a hostile or broken file fails fast.
public struct ConfigLimits: Sendable {
    /// Largest catalog or customers file read.
    public var fileBytesMax = 64 << 20
    /// YAML nodes visited per catalog file, aliases expanded (a catalog of 10,000 meters and
    /// plans stays far below).
    public var nodesMax = 2_000_000
    /// YAML nodes that aliases may add to a customers file (an alias adds the size of the node
    /// it repeats, less its own). The file's own nodes are bounded by `fileBytesMax` instead: a
    /// large book without aliases is never refused for its node count, and an alias bomb still
    /// stops after this many nodes.
    public var aliasNodesMax = 2_000_000
    /// Tiers in one charge.
    public var tiersMax = 1_000
    /// Meters in a catalog. Rating indexes meters with `Int32`, far above this limit; a real
    /// catalog has tens, and the YAML of 10,000 meters already takes seconds to read.
    public var metersMax = 10_000
    /// Plans in a catalog.
    public var plansMax = 10_000
    /// Charges in one plan.
    public var chargesPerPlanMax = 1_000
    /// Customers in a customers file (rating indexes them with `Int32`). A 64 MiB file holds
    /// about this many of the smallest possible customers.
    public var customersMax = 1_000_000
    /// Unicode scalars in a display `name` or `unit` of a plan or charge: a line on an invoice.
    public var displayNameCharactersMax = 200
    /// Unicode scalars in a display `description`, or in the seller's bank `text`: a paragraph.
    public var displayDescriptionCharactersMax = 2_000
    /// Bytes of the seller's logo file: it is embedded in every HTML invoice, so a large image
    /// would make every invoice large (512 KiB).
    public var logoBytesMax = 512 << 10

    public init() {}
}

/// Loads `catalog.yaml` into a `Catalog`, listing every problem with its YAML path (SPEC §5).
public enum CatalogLoader {
    /// Parses catalog text. Throws `ConfigErrors` with every problem found. `folder` is where
    /// the catalog's relative paths (the seller's logo) start: the catalog file's folder
    /// (`folder(ofCatalogPath:)`), the current directory by default.
    public static func load(
        text: String, file: String, limits: ConfigLimits = ConfigLimits(), folder: String = "."
    )
        throws -> Catalog
    {
        guard text.utf8.count <= limits.fileBytesMax else {
            throw ConfigErrors([
                ConfigError(
                    file: file, line: nil, column: nil, path: "",
                    message: "file is larger than \(limits.fileBytesMax) bytes")
            ])
        }
        let root: Node
        switch composeYAML(text, file: file, nodesMax: limits.nodesMax) {
        case .failure(let error): throw ConfigErrors([error])
        case .success(nil):
            throw ConfigErrors([
                ConfigError(file: file, line: nil, column: nil, path: "", message: "empty file")
            ])
        case .success(let node?): root = node
        }
        let reader = NodeReader(file: file, nodeBudget: limits.nodesMax)
        guard reader.treeWithinBudget(root, nodesMax: limits.nodesMax) else {
            throw ConfigErrors(reader.errors)
        }
        let builder = CatalogBuilder(reader: reader, limits: limits, folder: folder)
        let catalog = builder.catalog(root)
        if let catalog { builder.checkGaugeCharges(catalog) }
        if !reader.errors.isEmpty { throw ConfigErrors(reader.errors) }
        guard let catalog else {
            throw ConfigErrors([
                ConfigError(file: file, line: nil, column: nil, path: "", message: "invalid")
            ])
        }
        return catalog
    }

    /// The folder of the catalog file at `path` (`.` for a bare file name), where its relative
    /// paths start.
    public static func folder(ofCatalogPath path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Builds catalog values from YAML nodes; every problem goes to the reader's error list.
final class CatalogBuilder {
    let reader: NodeReader
    let limits: ConfigLimits
    /// Where the catalog's relative paths start (the seller's logo).
    let folder: String
    var currencies: [String: Currency] = [:]
    /// The catalog's rounding, once read (the overflow check rounds as rating will).
    var rounding = RoundingRule.halfUp
    /// Display text of plans and charges, by plan key (and charge key), as they are read.
    var planDisplay: [String: DisplayLabel] = [:]
    var chargeDisplay: [String: [String: DisplayLabel]] = [:]
    /// Every usage charge read, in file order, with its node and YAML path (the gauge check).
    var placedUsage: [(charge: UsageCharge, node: Node, path: String)] = []

    init(reader: NodeReader, limits: ConfigLimits, folder: String = ".") {
        self.reader = reader
        self.limits = limits
        self.folder = folder
    }

    func catalog(_ root: Node) -> Catalog? {
        let keys: Set = [
            "version", "seller", "currency", "rounding", "currencies", "meters", "plans",
            "accounts", "payment_terms_days",
        ]
        guard let entries = reader.mapping(root, "", allowed: keys) else { return nil }
        let fields = Dictionary(entries, uniquingKeysWith: { first, _ in first })
        var version = 1
        if let node = fields["version"] {
            if let value = reader.integer(node, "version", in: 1...1) { version = value }
        } else {
            reader.fail(root, "version", "missing; expected version: 1")
        }
        var rounding = RoundingRule.halfUp
        if let node = fields["rounding"], let text = reader.string(node, "rounding") {
            if let rule = RoundingRule(rawValue: text) {
                rounding = rule
            } else {
                reader.fail(
                    node, "rounding",
                    "unknown rounding \"\(text)\"; expected one of: "
                        + RoundingRule.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        self.rounding = rounding
        if let node = fields["currencies"] { readCurrencies(node) }
        var defaultCurrency: Currency?
        if let node = fields["currency"] { defaultCurrency = currency(node, "currency") }
        let seller = fields["seller"].flatMap { self.seller($0, "seller") }
        var meters: [String: Meter] = [:]
        if let node = fields["meters"], let items = reader.mapping(node, "meters", allowed: nil) {
            // Over a limit nothing more is read: every charge would name an unknown meter.
            guard within(limits.metersMax, items.count, "meters", node, "meters") else {
                return nil
            }
            for (key, value) in items {
                if let meter = meter(key: key, value, "meters.\(key)") { meters[key] = meter }
            }
        }
        var plans: [String: Plan] = [:]
        if let node = fields["plans"], let items = reader.mapping(node, "plans", allowed: nil) {
            guard within(limits.plansMax, items.count, "plans", node, "plans") else {
                return nil
            }
            if items.isEmpty {
                reader.fail(node, "plans", "empty; a catalog needs at least one plan")
            }
            for (key, value) in items {
                if let plan = plan(
                    key: key, value, "plans.\(key)", meters: meters,
                    defaultCurrency: defaultCurrency)
                {
                    plans[key] = plan
                }
            }
        } else if fields["plans"] == nil {
            reader.fail(root, "plans", "missing; a catalog needs at least one plan")
        }
        var accounts = AccountNames()
        if let node = fields["accounts"] { readAccounts(node, into: &accounts) }
        let termsDays = fields["payment_terms_days"].flatMap {
            paymentTermsDays($0, "payment_terms_days")
        }
        return Catalog(
            version: version, seller: seller, currency: defaultCurrency, rounding: rounding,
            currencies: currencies, meters: meters, plans: plans, accounts: accounts,
            display: CatalogDisplay(plans: planDisplay, charges: chargeDisplay),
            paymentTermsDays: termsDays)
    }

    /// Whether `count` entries are within `maximum`; records the error naming the limit when
    /// not (`what` is the plural noun: "meters").
    func within(_ maximum: Int, _ count: Int, _ what: String, _ node: Node, _ path: String)
        -> Bool
    {
        guard count > maximum else { return true }
        reader.fail(
            node, path,
            "has \(count) \(what); the limit is \(maximum) \(what); remove unused entries or "
                + "split the file")
        return false
    }

    func readCurrencies(_ node: Node) {
        guard let items = reader.mapping(node, "currencies", allowed: nil) else { return }
        for (code, value) in items {
            let path = "currencies.\(code)"
            guard isCurrencyCode(code) else {
                reader.fail(
                    value, path,
                    "a currency code is 3 to 12 capital letters or digits, starting with a letter")
                continue
            }
            guard let fields = reader.mapping(value, path, allowed: ["minor_units"]) else {
                continue
            }
            guard let digitsNode = fields.first(where: { $0.0 == "minor_units" })?.1 else {
                reader.fail(value, path + ".minor_units", "missing")
                continue
            }
            if let digits = reader.integer(digitsNode, path + ".minor_units", in: 0...12) {
                currencies[code] = Currency(code: code, minorUnitDigits: digits)
            }
        }
    }

    /// 3 to 12 capital letters or digits, starting with a letter (a journal commodity).
    func isCurrencyCode(_ code: String) -> Bool {
        (3...12).contains(code.utf8.count)
            && code.utf8.first.map { $0 >= 0x41 && $0 <= 0x5A } == true
            && code.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    func currency(_ node: Node, _ path: String) -> Currency? {
        guard let code = reader.string(node, path) else { return nil }
        if let known = currencies[code] ?? Currency.iso(code) { return known }
        reader.fail(
            node, path,
            "unknown currency \"\(code)\"; use an ISO 4217 code or declare it under currencies")
        return nil
    }

    func address(_ node: Node, _ path: String) -> Address? {
        guard
            let items = reader.mapping(
                node, path, allowed: ["street", "city", "postal_code", "country"])
        else { return nil }
        let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
        func text(_ key: String) -> String {
            guard let value = fields[key] else { return "" }
            return reader.string(value, join(path, key)) ?? ""
        }
        return Address(
            street: text("street"), city: text("city"), postalCode: text("postal_code"),
            country: text("country"))
    }

    static let sellerKeys: Set = [
        "name", "address", "tax_id", "email", "website", "bank", "logo",
    ]

    func seller(_ node: Node, _ path: String) -> Seller? {
        guard let items = reader.mapping(node, path, allowed: CatalogBuilder.sellerKeys)
        else { return nil }
        let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
        guard let nameNode = fields["name"] else {
            reader.fail(node, path + ".name", "missing; the seller's name is printed on invoices")
            return nil
        }
        let name = reader.string(nameNode, path + ".name") ?? ""
        return Seller(
            name: name,
            address: fields["address"].flatMap { address($0, path + ".address") },
            taxID: fields["tax_id"].flatMap { reader.string($0, path + ".tax_id") },
            email: fields["email"].flatMap { email($0, path + ".email") },
            website: fields["website"].flatMap { website($0, path + ".website") },
            bank: fields["bank"].flatMap { bank($0, path + ".bank") },
            logo: fields["logo"].flatMap { logo($0, path + ".logo") })
    }

    func meter(key: String, _ node: Node, _ path: String) -> Meter? {
        guard
            let items = reader.mapping(
                node, path, allowed: ["aggregation", "field", "carries_amount", "per"])
        else {
            return nil
        }
        let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
        guard let aggregationNode = fields["aggregation"] else {
            reader.fail(node, path + ".aggregation", "missing")
            return nil
        }
        guard let text = reader.string(aggregationNode, path + ".aggregation") else { return nil }
        guard let aggregation = Aggregation(rawValue: text) else {
            reader.fail(
                aggregationNode, path + ".aggregation",
                "unknown aggregation \"\(text)\"; expected one of: "
                    + Aggregation.allCases.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        let field = fields["field"].flatMap { reader.string($0, path + ".field") }
        if aggregation == .uniqueCount && field == nil {
            reader.fail(node, path + ".field", "unique_count needs the dims field it counts")
            return nil
        }
        if aggregation != .uniqueCount && field != nil {
            reader.fail(fields["field"], path + ".field", "only unique_count meters take a field")
            return nil
        }
        // SPEC §13.1: every event of the meter then carries its own price in `amount`.
        let carriesAmount =
            fields["carries_amount"].flatMap { reader.bool($0, path + ".carries_amount") }
            ?? false
        let per = gaugeUnit(aggregation, node, fields["per"], path)
        if aggregation == .timeWeighted && per == nil { return nil }
        return Meter(
            key: key, aggregation: aggregation, field: field, carriesAmount: carriesAmount,
            per: per)
    }

    func plan(
        key: String, _ node: Node, _ path: String, meters: [String: Meter],
        defaultCurrency: Currency?
    ) -> Plan? {
        let allowed: Set = [
            "currency", "charges", "minimum_commitment", "included_credits", "name",
            "description",
        ]
        guard let items = reader.mapping(node, path, allowed: allowed) else { return nil }
        let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
        planDisplay[key] = display(fields, path, withUnit: false)
        var planCurrency = defaultCurrency
        if let currencyNode = fields["currency"] {
            planCurrency = currency(currencyNode, path + ".currency")
        } else if defaultCurrency == nil {
            reader.fail(node, path + ".currency", "missing, and the catalog sets no currency")
        }
        var charges: [Charge] = []
        var placedCharges: [(Charge, Node, String)] = []
        var seenKeys: Set<String> = []
        if let chargesNode = fields["charges"],
            let list = reader.sequence(chargesNode, path + ".charges"),
            within(limits.chargesPerPlanMax, list.count, "charges", chargesNode, path + ".charges")
        {
            for (index, chargeNode) in list.enumerated() {
                let chargePath = "\(path).charges[\(index)]"
                var chargeText: DisplayLabel?
                guard
                    let charge = charge(
                        chargeNode, chargePath, meters: meters, display: &chargeText)
                else { continue }
                if !seenKeys.insert(charge.key).inserted {
                    reader.fail(
                        chargeNode, chargePath + ".key",
                        "charge key \"\(charge.key)\" is used twice in this plan")
                    continue
                }
                if let chargeText { chargeDisplay[key, default: [:]][charge.key] = chargeText }
                charges.append(charge)
                placedCharges.append((charge, chargeNode, chargePath))
                if case .usage(let usage) = charge {
                    placedUsage.append((usage, chargeNode, chargePath))
                }
            }
        } else if fields["charges"] == nil {
            reader.fail(node, path + ".charges", "missing; a plan needs at least one charge")
        }
        let commitment = fields["minimum_commitment"].flatMap {
            reader.decimal($0, path + ".minimum_commitment")
        }
        let credits = fields["included_credits"].flatMap {
            reader.decimal($0, path + ".included_credits")
        }
        guard let planCurrency else { return nil }
        for (charge, chargeNode, chargePath) in placedCharges {
            checkOverflow(charge, currency: planCurrency, chargeNode, chargePath)
        }
        for (key, value) in [("minimum_commitment", commitment), ("included_credits", credits)] {
            guard let value, let node = fields[key] else { continue }
            if (try? Money(rounding: value, currency: planCurrency, rule: rounding)) == nil {
                reader.fail(
                    node, join(path, key),
                    "\(value) \(planCurrency.code) overflows 38 significant digits in minor "
                        + "units; use fewer digits")
            }
        }
        return Plan(
            key: key, currency: planCurrency, charges: charges, minimumCommitment: commitment,
            includedCredits: credits)
    }

    static let chargeKeys: Set = [
        "key", "type", "meter", "model", "tiers", "unit_price", "prices_by", "group_by", "filter",
        "divide_by", "round_quantity", "free_quantity", "package_size", "package_price",
        "round_packages", "minimum", "maximum", "amount", "schedule", "prorate", "name",
        "description", "unit", "markup", "flat_price_at_zero", "rate", "fixed_fee",
        "event_minimum", "event_maximum",
    ]
    static let usageOnlyKeys: Set = [
        "meter", "model", "tiers", "unit_price", "prices_by", "group_by", "filter", "divide_by",
        "round_quantity", "free_quantity", "package_size", "package_price", "round_packages",
        "markup", "flat_price_at_zero", "rate", "fixed_fee", "event_minimum", "event_maximum",
    ]
    static let recurringOnlyKeys: Set = ["amount", "schedule", "prorate"]

    /// Unit prices carry at most 12 fractional digits (SPEC §5).
    static let priceFractionDigitsMax = 12

    /// A charge of a plan; `display` receives its display text, if it has any.
    func charge(
        _ node: Node, _ path: String, meters: [String: Meter], display: inout DisplayLabel?
    ) -> Charge? {
        guard let items = reader.mapping(node, path, allowed: CatalogBuilder.chargeKeys) else {
            return nil
        }
        let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
        display = self.display(fields, path, withUnit: true)
        // A missing, invalid or reserved key still lets the rest of the charge be checked, so
        // every error is listed at once; the charge is dropped at the end.
        var key: String?
        if let keyNode = fields["key"] {
            key = reader.string(keyNode, path + ".key")
            if let text = key, text == Rater.trueUpCharge {
                reader.fail(
                    keyNode, path + ".key", "\"\(text)\" is reserved for minimum commitment lines")
                key = nil
            }
        } else {
            reader.fail(node, path + ".key", "missing")
        }
        let charge = checkedCharge(key: key ?? "", node, items, fields, path, meters: meters)
        return key == nil ? nil : charge
    }

    /// The rest of `charge(_:_:meters:display:)`, once the key is read.
    func checkedCharge(
        key: String, _ node: Node, _ items: [(String, Node)], _ fields: [String: Node],
        _ path: String, meters: [String: Meter]
    ) -> Charge? {
        var type = fields["meter"] == nil && fields["schedule"] != nil ? "recurring" : "usage"
        if let typeNode = fields["type"], let text = reader.string(typeNode, path + ".type") {
            guard text == "usage" || text == "recurring" else {
                reader.fail(typeNode, path + ".type", "expected usage or recurring")
                return nil
            }
            type = text
        }
        let forbidden =
            type == "usage"
            ? CatalogBuilder.recurringOnlyKeys : CatalogBuilder.usageOnlyKeys
        for (name, value) in items where forbidden.contains(name) {
            reader.fail(value, join(path, name), "not allowed on a \(type) charge")
        }
        let minimum = fields["minimum"].flatMap { reader.decimal($0, path + ".minimum") }
        let maximum = fields["maximum"].flatMap { reader.decimal($0, path + ".maximum") }
        if let minimum, let maximum, maximum < minimum {
            reader.fail(fields["maximum"], path + ".maximum", "is below minimum")
        }
        if type == "recurring" {
            return recurring(
                key: key, node, fields, path, minimum: minimum, maximum: maximum
            ).map(Charge.recurring)
        }
        return usage(
            key: key, node, fields, path, meters: meters, minimum: minimum,
            maximum: maximum
        ).map(Charge.usage)
    }

    func recurring(
        key: String, _ node: Node, _ fields: [String: Node], _ path: String,
        minimum: Rational?, maximum: Rational?
    ) -> RecurringCharge? {
        guard let amountNode = fields["amount"] else {
            reader.fail(node, path + ".amount", "missing; a recurring charge needs an amount")
            return nil
        }
        let amount = reader.decimal(
            amountNode, path + ".amount", fractionDigitsMax: CatalogBuilder.priceFractionDigitsMax)
        guard let scheduleNode = fields["schedule"] else {
            reader.fail(
                node, path + ".schedule",
                "missing; expected monthly, daily, "
                    + "{ weekdays: [...] }, { monthdays: [...] } or { cron: \"...\" }")
            return nil
        }
        let schedule = self.schedule(scheduleNode, path + ".schedule")
        var prorate = false
        if let prorateNode = fields["prorate"] {
            prorate = reader.bool(prorateNode, path + ".prorate") ?? false
            if prorate, let schedule, schedule != .monthly {
                reader.fail(prorateNode, path + ".prorate", "only a monthly schedule is prorated")
            }
        }
        guard let amount, let schedule else { return nil }
        return RecurringCharge(
            key: key, amount: amount, schedule: schedule, prorate: prorate, minimum: minimum,
            maximum: maximum)
    }

    /// The largest quantity one event carries: 20 integer and 9 fractional digits (SPEC §2).
    static let largestEventQuantity = QuantityScale.rational(
        nanos: Rational.powerOfTen(
            QuantityScale.integerDigitsMax + QuantityScale.fractionDigits) - 1)

    /// The most occurrences a recurring charge has in one period: a cron firing every minute
    /// of a 31-day month (a repeated DST hour fires once).
    static let occurrencesMax = 31 * 24 * 60

    /// Refuses a charge whose prices overflow 38 significant digits on quantities the catalog
    /// accepts: the largest event quantity (and each tier's bound) for a usage charge, the most
    /// occurrences in a period for a recurring one. Rating runs the same steps
    /// (`Rater.price`), so a catalog that passes rates any single event; only sums of many
    /// huge events can still overflow, and rating then names the line (docs/DECISIONS.md).
    func checkOverflow(_ charge: Charge, currency: Currency, _ node: Node, _ path: String) {
        switch charge {
        case .usage(let usage):
            if case .dynamic(let markup) = usage.model {
                checkDynamicOverflow(usage, markup: markup, currency: currency, node, path)
                return
            }
            if case .percentage(let fee) = usage.model {
                var problem = CatalogBuilder.percentageOverflow(fee)
                for bound in [usage.minimum, usage.maximum].compactMap({ $0 })
                where (try? Money(rounding: bound, currency: currency, rule: rounding)) == nil {
                    problem = problem ?? "minimum or maximum \(bound) overflows 38 significant "
                        + "digits in minor units; use fewer digits"
                }
                if let problem { reader.fail(node, path, problem) }
                return
            }
            var quantities = [(CatalogBuilder.largestEventQuantity, "the largest event quantity")]
            switch usage.model {
            case .graduated(let tiers), .volume(let tiers):
                for bound in tiers.compactMap(\.upTo)
                where bound < CatalogBuilder.largestEventQuantity {
                    quantities.append((bound, "the tier bound"))
                }
            default: break
            }
            var groups: [[String: String]] = [[:]]
            if case .perUnit(.byDimension(let dimension, let prices, _)) = usage.model {
                groups += prices.keys.sorted().map { [dimension: $0] }
            }
            for (quantity, what) in quantities {
                for group in groups {
                    do {
                        _ = try Rater.price(
                            quantity, charge: usage, group: group, currency: currency,
                            rounding: rounding)
                    } catch {
                        reader.fail(
                            node, path,
                            "\(what) \(quantity) priced by "
                                + "\(usage.model.priceSummary(for: group)) overflows 38 "
                                + "significant digits; use prices with fewer digits")
                        return
                    }
                }
            }
        case .recurring(let recurring):
            do {
                let most = try Rational(CatalogBuilder.occurrencesMax) * recurring.amount
                _ = try Money(rounding: most, currency: currency, rule: rounding)
                for bound in [recurring.minimum, recurring.maximum].compactMap({ $0 }) {
                    _ = try Money(rounding: bound, currency: currency, rule: rounding)
                }
            } catch {
                reader.fail(
                    node, path,
                    "amount \(recurring.amount) times \(CatalogBuilder.occurrencesMax) "
                        + "occurrences (a cron every minute of a month) overflows 38 significant "
                        + "digits; use an amount with fewer digits")
            }
        }
    }

    /// The largest amount one event carries: 20 integer and 12 fractional digits (SPEC §13.5).
    static let largestEventAmount = AmountScale.rational(
        picos: Rational.powerOfTen(AmountScale.integerDigitsMax + AmountScale.fractionDigits) - 1)

    /// `checkOverflow` for `dynamic`: the largest event amount times the markup, and the line's
    /// minimum and maximum, are priced as rating will (`Rater.priceDynamic`).
    func checkDynamicOverflow(
        _ usage: UsageCharge, markup: Rational, currency: Currency, _ node: Node, _ path: String
    ) {
        do {
            _ = try Rater.priceDynamic(
                quantity: .one, events: 1, amount: CatalogBuilder.largestEventAmount,
                charge: usage, currency: currency, rounding: rounding)
            for bound in [usage.minimum, usage.maximum].compactMap({ $0 }) {
                _ = try Money(rounding: bound, currency: currency, rule: rounding)
            }
        } catch {
            reader.fail(
                node, path,
                "the largest event amount \(CatalogBuilder.largestEventAmount) times markup "
                    + "\(markup) overflows 38 significant digits; use a markup with fewer digits")
        }
    }

    static let weekdayNames = [
        "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7,
    ]

    func schedule(_ node: Node, _ path: String) -> Schedule? {
        if case .scalar = node {
            guard let text = reader.string(node, path) else { return nil }
            switch text {
            case "monthly": return .monthly
            case "daily": return .daily
            default:
                reader.fail(
                    node, path,
                    "unknown schedule \"\(text)\"; expected monthly, daily, "
                        + "{ weekdays: [...] }, { monthdays: [...] } or { cron: \"...\" }")
                return nil
            }
        }
        guard let items = reader.mapping(node, path, allowed: ["weekdays", "monthdays", "cron"])
        else { return nil }
        guard items.count == 1, let (kind, value) = items.first else {
            reader.fail(node, path, "expected exactly one of weekdays, monthdays, cron")
            return nil
        }
        let valuePath = join(path, kind)
        switch kind {
        case "weekdays":
            guard let names = reader.strings(value, valuePath), !names.isEmpty else {
                reader.fail(value, valuePath, "expected a non-empty list such as [mon, thu]")
                return nil
            }
            var days: Set<Int> = []
            for name in names {
                guard let day = CatalogBuilder.weekdayNames[name.lowercased()] else {
                    reader.fail(
                        value, valuePath, "unknown weekday \"\(name)\"; expected mon … sun")
                    return nil
                }
                days.insert(day)
            }
            return .weekdays(days)
        case "monthdays":
            guard let items = reader.sequence(value, valuePath), !items.isEmpty else {
                reader.fail(value, valuePath, "expected a non-empty list such as [1, 15]")
                return nil
            }
            var days: Set<Int> = []
            for (index, item) in items.enumerated() {
                guard let day = reader.integer(item, "\(valuePath)[\(index)]", in: 1...31) else {
                    return nil
                }
                days.insert(day)
            }
            return .monthdays(days)
        default:
            guard let text = reader.string(value, valuePath) else { return nil }
            do {
                return .cron(try CronSchedule(parsing: text))
            } catch {
                reader.fail(value, valuePath, "invalid cron expression: \(error)")
                return nil
            }
        }
    }

    func usage(
        key: String, _ node: Node, _ fields: [String: Node], _ path: String,
        meters: [String: Meter], minimum: Rational?, maximum: Rational?
    ) -> UsageCharge? {
        var valid = true
        guard let meterNode = fields["meter"] else {
            reader.fail(node, path + ".meter", "missing; a usage charge names a meter")
            return nil
        }
        guard let meterKey = reader.string(meterNode, path + ".meter") else { return nil }
        if meters[meterKey] == nil {
            reader.fail(
                meterNode, path + ".meter",
                "unknown meter \"\(meterKey)\"; declare it under meters")
            valid = false
        }
        let groupBy = fields["group_by"].flatMap { reader.strings($0, path + ".group_by") } ?? []
        if Set(groupBy).count != groupBy.count {
            reader.fail(fields["group_by"], path + ".group_by", "a dimension is listed twice")
            valid = false
        }
        var filter: [DimensionFilter] = []
        if let filterNode = fields["filter"],
            let items = reader.mapping(filterNode, path + ".filter", allowed: nil)
        {
            for (dimension, valuesNode) in items {
                guard let values = reader.strings(valuesNode, "\(path).filter.\(dimension)") else {
                    valid = false
                    continue
                }
                filter.append(DimensionFilter(dimension: dimension, values: Set(values)))
            }
            filter.sort { $0.dimension < $1.dimension }
        }
        let freeQuantity = fields["free_quantity"].flatMap {
            reader.decimal($0, path + ".free_quantity")
        }
        var divideBy: Rational?
        if let divideNode = fields["divide_by"] {
            divideBy = reader.decimal(divideNode, path + ".divide_by")
            if let value = divideBy, value.isZero {
                reader.fail(divideNode, path + ".divide_by", "must be greater than 0")
                valid = false
            }
        }
        var roundQuantity = QuantityRounding.none
        if let roundNode = fields["round_quantity"],
            let text = reader.string(roundNode, path + ".round_quantity")
        {
            if let rule = QuantityRounding(rawValue: text) {
                roundQuantity = rule
            } else {
                reader.fail(roundNode, path + ".round_quantity", "expected up, down or none")
                valid = false
            }
        }
        guard let modelNode = fields["model"] else {
            reader.fail(
                node, path + ".model",
                "missing; expected per_unit, graduated, volume, package, dynamic or "
                    + "percentage")
            return nil
        }
        guard let modelName = reader.string(modelNode, path + ".model") else { return nil }
        let modelKeys: [String: Set<String>] = [
            "per_unit": ["unit_price", "prices_by"],
            "graduated": ["tiers", "flat_price_at_zero"], "volume": ["tiers", "flat_price_at_zero"],
            "package": ["package_size", "package_price", "round_packages"],
            "dynamic": ["markup"],
            "percentage": CatalogBuilder.percentageKeys,
        ]
        guard let ownKeys = modelKeys[modelName] else {
            reader.fail(
                modelNode, path + ".model",
                "unknown model \"\(modelName)\"; expected per_unit, graduated, volume, package, "
                    + "dynamic or percentage")
            return nil
        }
        for name in modelKeys.values.reduce(Set(), { $0.union($1) }).subtracting(ownKeys).sorted()
        where fields[name] != nil {
            reader.fail(fields[name], join(path, name), "not used by model \(modelName)")
            valid = false
        }
        if modelName == "percentage" {
            // Each event's own quantity is priced: no transform of the aggregate applies.
            for name in CatalogBuilder.quantityTransformKeys where fields[name] != nil {
                reader.fail(fields[name], join(path, name), "not used by model percentage")
                valid = false
            }
        }
        var model: PricingModel?
        switch modelName {
        case "per_unit":
            model = perUnit(node, fields, path, groupBy: groupBy)
        case "graduated", "volume":
            if let tiersNode = fields["tiers"] {
                if let tiers = tiers(tiersNode, path + ".tiers") {
                    model = modelName == "graduated" ? .graduated(tiers) : .volume(tiers)
                }
            } else {
                reader.fail(node, path + ".tiers", "missing; \(modelName) needs tiers")
            }
        case "dynamic":
            model = dynamic(
                fields, path, modelNode: modelNode, meter: meters[meterKey], valid: &valid)
        case "percentage":
            model = percentage(node, fields, path, meter: meters[meterKey])
        default:
            model = package(node, fields, path)
        }
        // SPEC §13.6; on any other model the key was refused above as not used by it.
        var flatPriceAtZero = false
        if let atZeroNode = fields["flat_price_at_zero"], ownKeys.contains("flat_price_at_zero") {
            if let flag = reader.bool(atZeroNode, path + ".flat_price_at_zero") {
                flatPriceAtZero = flag
            } else {
                valid = false
            }
        }
        guard valid, let model else { return nil }
        return UsageCharge(
            key: key, meter: meterKey, groupBy: groupBy, filter: filter, model: model,
            freeQuantity: freeQuantity, divideBy: divideBy, roundQuantity: roundQuantity,
            minimum: minimum, maximum: maximum, flatPriceAtZero: flatPriceAtZero)
    }

    /// Keys that transform a quantity before a model prices it: a `dynamic` line bills its
    /// events' own amounts and a `percentage` line each event's own quantity, so none of them
    /// applies to either (SPEC §13.5).
    static let quantityTransformKeys = ["divide_by", "free_quantity", "round_quantity"]

    /// `model: dynamic` (SPEC §13.1): the optional `markup` (a decimal ≥ 0 with at most 12
    /// fractional digits, default 1), on a `carries_amount` meter, without quantity transforms
    /// (the other models' keys are refused by the caller).
    func dynamic(
        _ fields: [String: Node], _ path: String, modelNode: Node, meter: Meter?,
        valid: inout Bool
    ) -> PricingModel? {
        for name in CatalogBuilder.quantityTransformKeys where fields[name] != nil {
            reader.fail(fields[name], join(path, name), "not used by model dynamic")
            valid = false
        }
        if let meter, !meter.carriesAmount {
            reader.fail(
                modelNode, path + ".model",
                "model dynamic bills the amounts events carry; meter \"\(meter.key)\" needs "
                    + "carries_amount: true")
            valid = false
        }
        var markup = Rational.one
        if let markupNode = fields["markup"] {
            guard let value = price(markupNode, path + ".markup") else { return nil }
            markup = value
        }
        return .dynamic(markup: markup)
    }

    func price(_ node: Node, _ path: String) -> Rational? {
        reader.decimal(node, path, fractionDigitsMax: CatalogBuilder.priceFractionDigitsMax)
    }

    func perUnit(
        _ node: Node, _ fields: [String: Node], _ path: String, groupBy: [String]
    )
        -> PricingModel?
    {
        guard let priceNode = fields["unit_price"] else {
            reader.fail(node, path + ".unit_price", "missing; per_unit needs a unit_price")
            return nil
        }
        guard let pricesByNode = fields["prices_by"] else {
            if case .mapping = priceNode {
                reader.fail(
                    priceNode, path + ".unit_price",
                    "a price per dimension value needs prices_by naming the dimension")
                return nil
            }
            return price(priceNode, path + ".unit_price").map { .perUnit(.single($0)) }
        }
        guard let dimension = reader.string(pricesByNode, path + ".prices_by") else { return nil }
        guard groupBy.contains(dimension) else {
            reader.fail(
                pricesByNode, path + ".prices_by",
                "\"\(dimension)\" must be one of group_by (\(groupBy.joined(separator: ", ")))")
            return nil
        }
        guard let items = reader.mapping(priceNode, path + ".unit_price", allowed: nil) else {
            return nil
        }
        var prices: [String: Rational] = [:]
        var defaultPrice: Rational?
        for (value, valueNode) in items {
            guard let amount = price(valueNode, "\(path).unit_price.\(value)") else { continue }
            if value == "default" { defaultPrice = amount } else { prices[value] = amount }
        }
        guard let defaultPrice else {
            reader.fail(
                priceNode, path + ".unit_price.default",
                "missing; a price per dimension value needs a default price")
            return nil
        }
        return .perUnit(
            .byDimension(dimension: dimension, prices: prices, defaultPrice: defaultPrice))
    }

    func tiers(_ node: Node, _ path: String) -> [Tier]? {
        guard let list = reader.sequence(node, path) else { return nil }
        guard !list.isEmpty else {
            reader.fail(node, path, "needs at least one tier")
            return nil
        }
        guard list.count <= limits.tiersMax else {
            reader.fail(node, path, "more than \(limits.tiersMax) tiers")
            return nil
        }
        var tiers: [Tier] = []
        var valid = true
        for (index, tierNode) in list.enumerated() {
            let tierPath = "\(path)[\(index)]"
            guard
                let items = reader.mapping(
                    tierNode, tierPath,
                    allowed: ["up_to", "unit_price", "flat_price", "block_size", "block_price"])
            else {
                valid = false
                continue
            }
            let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
            let isLast = index == list.count - 1
            var upTo: Rational?
            if let upToNode = fields["up_to"], !reader.isNull(upToNode) {
                upTo = reader.decimal(upToNode, tierPath + ".up_to")
                if upTo == nil { valid = false }
                if isLast && upTo != nil {
                    reader.fail(
                        upToNode, tierPath + ".up_to",
                        "the last tier must have up_to: null (no upper bound)")
                    valid = false
                }
            } else if !isLast {
                reader.fail(
                    fields["up_to"] ?? tierNode, tierPath + ".up_to",
                    "only the last tier may be unbounded; give an upper bound")
                valid = false
            } else if fields["up_to"] == nil {
                reader.fail(
                    tierNode, tierPath + ".up_to",
                    "missing; write up_to: null for the last, unbounded tier")
                valid = false
            }
            if let upTo, let previous = tiers.last?.upTo, upTo <= previous {
                reader.fail(
                    fields["up_to"], tierPath + ".up_to",
                    "tiers must ascend: \(upTo) is not above \(previous)")
                valid = false
            }
            if let upTo, upTo.isZero {
                reader.fail(fields["up_to"], tierPath + ".up_to", "must be greater than 0")
                valid = false
            }
            guard let tier = tierPrices(fields, tierNode, tierPath, upTo: upTo) else {
                valid = false
                continue
            }
            tiers.append(tier)
        }
        return valid ? tiers : nil
    }

    /// A tier's prices (SPEC §5, §13.6): `unit_price`, or whole blocks (`block_size` and
    /// `block_price` together, never with `unit_price`), plus an optional `flat_price`. An
    /// omitted `unit_price` is 0 when the tier has a flat price or blocks; a tier with none of
    /// the three is an error. Every problem of the tier is reported.
    func tierPrices(
        _ fields: [String: Node], _ tierNode: Node, _ tierPath: String, upTo: Rational?
    ) -> Tier? {
        var valid = true
        var unitPrice: Rational?
        if let priceNode = fields["unit_price"] {
            unitPrice = price(priceNode, tierPath + ".unit_price")
            if unitPrice == nil { valid = false }
        }
        var flatPrice: Rational?
        if let flatNode = fields["flat_price"] {
            flatPrice = price(flatNode, tierPath + ".flat_price")
            if flatPrice == nil { valid = false }
        }
        var blockSize: Rational?
        if let sizeNode = fields["block_size"] {
            blockSize = reader.decimal(sizeNode, tierPath + ".block_size")
            if let size = blockSize, size.isZero {
                reader.fail(sizeNode, tierPath + ".block_size", "must be greater than 0")
                blockSize = nil
            }
            if blockSize == nil { valid = false }
        }
        var blockPrice: Rational?
        if let blockNode = fields["block_price"] {
            blockPrice = price(blockNode, tierPath + ".block_price")
            if blockPrice == nil { valid = false }
        }
        let blockKeys = (fields["block_size"] != nil, fields["block_price"] != nil)
        if fields["unit_price"] != nil, let blockNode = fields["block_price"] {
            reader.fail(
                blockNode, tierPath + ".block_price",
                "not allowed with unit_price; a tier prices units or whole blocks, not both")
            valid = false
        }
        if blockKeys == (true, false) {
            reader.fail(
                tierNode, tierPath + ".block_price", "missing; block_size needs a block_price")
            valid = false
        } else if blockKeys == (false, true) {
            reader.fail(
                tierNode, tierPath + ".block_size", "missing; block_price needs a block_size")
            valid = false
        }
        if fields["unit_price"] == nil, fields["flat_price"] == nil, blockKeys == (false, false) {
            reader.fail(
                tierNode, tierPath + ".unit_price",
                "missing; a tier needs a unit_price, a flat_price, or block_size and "
                    + "block_price")
            valid = false
        }
        guard valid else { return nil }
        var block: BlockPrice?
        if let blockSize, let blockPrice { block = BlockPrice(size: blockSize, price: blockPrice) }
        return Tier(
            upTo: upTo, unitPrice: unitPrice ?? .zero, flatPrice: flatPrice, block: block)
    }

    func package(_ node: Node, _ fields: [String: Node], _ path: String) -> PricingModel? {
        guard let sizeNode = fields["package_size"], let priceNode = fields["package_price"]
        else {
            reader.fail(node, path, "package needs package_size and package_price")
            return nil
        }
        let size = reader.decimal(sizeNode, path + ".package_size")
        if let size, size.isZero {
            reader.fail(sizeNode, path + ".package_size", "must be greater than 0")
            return nil
        }
        let packagePrice = price(priceNode, path + ".package_price")
        var down = false
        if let roundNode = fields["round_packages"],
            let text = reader.string(roundNode, path + ".round_packages")
        {
            guard text == "up" || text == "down" else {
                reader.fail(roundNode, path + ".round_packages", "expected up or down")
                return nil
            }
            down = text == "down"
        }
        guard let size, let packagePrice else { return nil }
        return .package(size: size, price: packagePrice, roundPackagesDown: down)
    }

    static let accountKeys: [String: WritableKeyPath<AccountNames, String>] = [
        "receivable": \.receivable, "usage_income": \.usageIncome,
        "recurring_income": \.recurringIncome, "minimum_income": \.minimumIncome, "tax": \.tax,
        "discounts": \.discounts, "payments": \.payments, "promotions": \.promotions,
        "credits": \.credits, "breakage": \.breakage, "opening_balances": \.openingBalances,
    ]

    func readAccounts(_ node: Node, into accounts: inout AccountNames) {
        guard
            let items = reader.mapping(
                node, "accounts", allowed: Set(CatalogBuilder.accountKeys.keys))
        else { return }
        let roots = ["Assets", "Liabilities", "Equity", "Income", "Expenses"]
        for (key, value) in items {
            guard let name = reader.string(value, "accounts.\(key)"),
                let keyPath = CatalogBuilder.accountKeys[key]
            else { continue }
            let components = name.split(separator: ":", omittingEmptySubsequences: false)
            let valid =
                roots.contains(String(components[0]))
                && components.allSatisfy { component in
                    guard let first = component.unicodeScalars.first else { return false }
                    return (first.properties.isUppercase || ("0"..."9").contains(first))
                        && component.unicodeScalars.allSatisfy {
                            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-"
                        }
                }
            guard valid else {
                reader.fail(
                    value, "accounts.\(key)",
                    "an account name is Root:Component… with a root of "
                        + roots.joined(separator: ", ")
                        + " and components starting with a capital letter or digit")
                continue
            }
            accounts[keyPath: keyPath] = name
        }
    }
}

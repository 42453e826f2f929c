import Dispatch
import Pricing
import Yams

/// Loads `customers.yaml` or `customers.ndjson` (SPEC §6), checking every customer against the
/// catalog and listing every problem together.
public enum CustomersLoader {
    /// Parses customers from YAML (`customers:` mapping) or NDJSON (one object per line, with
    /// its id in `id`), chosen by `file`'s extension (`.ndjson`/`.jsonl` is NDJSON).
    public static func load(
        text: String, file: String, catalog: Catalog, zones: TimeZoneDirectory,
        limits: ConfigLimits = ConfigLimits()
    ) throws -> [Customer] {
        guard text.utf8.count <= limits.fileBytesMax else {
            throw ConfigErrors([
                ConfigError(
                    file: file, line: nil, column: nil, path: "",
                    message: "file is larger than \(limits.fileBytesMax) bytes"
                        + (customersYAMLAdvice(file).map { "; " + $0 } ?? ""))
            ])
        }
        var customers: [Customer] = []
        var errors: [ConfigError] = []
        var seen: [String: String] = [:]
        /// Records a customer; `place` names where it is defined. Returns the error message
        /// when the id was defined before (the caller locates it), nil otherwise.
        func add(_ customer: Customer, place: String) -> String? {
            if let earlier = seen[customer.id] {
                return "customer \"\(customer.id)\" is defined twice (first at \(earlier))"
            }
            seen[customer.id] = place
            customers.append(customer)
            return nil
        }
        if file.hasSuffix(".ndjson") || file.hasSuffix(".jsonl") {
            // Every line that is not blank is a customer (or an error): count them first, so
            // an oversized file is refused before any line is parsed.
            var customerLines = 0
            var blank = true
            for byte in text.utf8 {
                if byte == 0x0A {
                    if !blank { customerLines += 1 }
                    blank = true
                } else if byte != 0x20 && byte != 0x09 && byte != 0x0D {
                    blank = false
                }
            }
            if !blank { customerLines += 1 }
            guard customerLines <= limits.customersMax else {
                throw ConfigErrors([
                    ConfigError(
                        file: file, line: nil, column: nil, path: "",
                        message: CustomersLoader.overLimitMessage(customerLines, limits: limits))
                ])
            }
            /// Reads one non-blank line with places, adding its customer; returns the line's
            /// errors.
            func customerLine(_ bytes: UnsafeRawBufferPointer, _ lineNumber: Int)
                -> [ConfigError]
            {
                guard bytes.first == UInt8(ascii: "{") else {
                    return [
                        ConfigError(
                            file: file, line: lineNumber, column: 1, path: "",
                            message: "expected a JSON object")
                    ]
                }
                var parser = JSONNodeParser(bytes, locating: true, nodesMax: limits.nodesMax)
                let node: Node
                do {
                    node = try parser.document()
                } catch {
                    // The node limit is not a syntax error: its message is the one every
                    // configuration file gets.
                    return [
                        ConfigError(
                            file: file, line: lineNumber,
                            column: parser.column(ofOffset: error.offset), path: "",
                            message: parser.overNodeLimit
                                ? error.message : "invalid JSON: \(error.message)")
                    ]
                }
                let lineReader = NodeReader(file: file, nodeBudget: limits.nodesMax)
                let finished = parser
                lineReader.columnOfNode = { finished.column(of: $0) }
                let lineBuilder = CustomerBuilder(
                    reader: lineReader, catalog: catalog, zones: zones)
                // The line number locates the customer; paths are inside its object. A
                // customer added by the first reading has no errors and is not read again.
                if let customer = lineBuilder.customer(id: nil, node, ""),
                    let repeated = add(customer, place: "line \(lineNumber)")
                {
                    lineReader.fail(CustomersLoader.idNode(of: node) ?? node, "id", repeated)
                }
                return lineReader.errors.map {
                    ConfigError(
                        file: file, line: lineNumber, column: $0.column, path: $0.path,
                        message: $0.message)
                }
            }
            // Each line is a JSON object, read straight into nodes (`JSONNodeParser`) that keep
            // every number's text exactly as written. Errors carry the line number of the file
            // and columns within the line (trimmed of blanks).
            var copy = text
            copy.withUTF8 { all in
                let lines = CustomersLoader.lineRanges(all)
                // First without places, on every core; a line with anything to report, or an
                // id seen before, is read again with places, in line order.
                let quick = CustomersLoader.quickCustomers(
                    all, lines, file: file, catalog: catalog, limits: limits)
                for (index, line) in lines.enumerated() {
                    if let customer = quick[index],
                        add(customer, place: "line \(line.number)") == nil
                    {
                        continue
                    }
                    let bytes = UnsafeBufferPointer(rebasing: all[line.bytes])
                    errors += customerLine(UnsafeRawBufferPointer(bytes), line.number)
                }
            }
        } else {
            // Straight from libyaml's events first (no tree, no places); then a quick tree
            // (no places, customers on every core), which takes aliases; any error, and the file
            // is read again through Yams so every message is located as before.
            if let customers = YAMLCustomerEvents.customers(
                text, catalog: catalog, zones: zones, limits: limits)
            {
                return customers
            }
            // The file's own nodes are bounded by the file-size cap; only the nodes aliases add
            // are limited, so a large book is never refused for its node count.
            if case .tree(let root?, let nodes) = YAMLQuickComposer.compose(
                text, nodesMax: .max, aliasNodesMax: limits.aliasNodesMax),
                let quick = CustomersLoader.quickCustomers(
                    yaml: root, file: file, catalog: catalog, limits: limits, nodeBudget: nodes)
            {
                return quick.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
            }
            let nodes: Int
            switch aliasLimitCheck(text, file: file, aliasNodesMax: limits.aliasNodesMax) {
            case .failure(let error): throw ConfigErrors([error])
            case .success(let count): nodes = count
            }
            let reader = NodeReader(file: file, nodeBudget: nodes)
            let builder = CustomerBuilder(reader: reader, catalog: catalog, zones: zones)
            switch composeYAML(text, file: file) {
            case .failure(let error):
                throw ConfigErrors([error])
            case .success(nil):
                throw ConfigErrors([
                    ConfigError(
                        file: file, line: nil, column: nil, path: "", message: "empty file")
                ])
            case .success(let root?):
                guard reader.treeWithinBudget(root, nodesMax: nodes) else {
                    throw ConfigErrors(reader.errors)
                }
                if let top = reader.mapping(root, "", allowed: ["customers"]),
                    let customersNode = top.first?.1,
                    let items = reader.mapping(customersNode, "customers", allowed: nil)
                {
                    guard items.count <= limits.customersMax else {
                        reader.fail(
                            customersNode, "customers",
                            CustomersLoader.overLimitMessage(items.count, limits: limits))
                        throw ConfigErrors(reader.errors)
                    }
                    for (id, node) in items {
                        let path = "customers.\(id)"
                        if let customer = builder.customer(id: id, node, path),
                            let repeated = add(customer, place: path)
                        {
                            reader.fail(node, path, repeated)
                        }
                    }
                } else if reader.errors.isEmpty {
                    reader.fail(root, "customers", "missing; expected customers: { <id>: … }")
                }
            }
            errors += reader.errors
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
        return customers.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
    }

    /// The non-blank lines of an NDJSON file: 1-based numbers and byte ranges trimmed of
    /// spaces, tabs and carriage returns.
    static func lineRanges(_ all: UnsafeBufferPointer<UInt8>)
        -> [(number: Int, bytes: Range<Int>)]
    {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        var lines: [(number: Int, bytes: Range<Int>)] = []
        var lineStart = 0
        var lineNumber = 0
        while lineStart < all.count {
            var lineEnd = lineStart
            while lineEnd < all.count, all[lineEnd] != 0x0A { lineEnd += 1 }
            lineNumber += 1
            var first = lineStart
            var last = lineEnd
            while first < last, isBlank(all[first]) { first += 1 }
            while last > first, isBlank(all[last - 1]) { last -= 1 }
            lineStart = lineEnd + 1
            if first < last { lines.append((lineNumber, first..<last)) }
        }
        return lines
    }

    /// Each line's customer when it reads without any error, else nil, read without places
    /// (no tag or offset per node: a third of the time) and split over two threads. Pure: the
    /// catalog is only read, and each thread has its own readers and time-zone directory.
    static func quickCustomers(
        _ all: UnsafeBufferPointer<UInt8>, _ lines: [(number: Int, bytes: Range<Int>)],
        file: String, catalog: Catalog, limits: ConfigLimits
    ) -> [Customer?] {
        splitOverTwoThreads(count: lines.count) { index, zones in
            let bytes = UnsafeRawBufferPointer(
                UnsafeBufferPointer(rebasing: all[lines[index].bytes]))
            guard bytes.first == UInt8(ascii: "{") else { return nil }
            var parser = JSONNodeParser(bytes, locating: false, nodesMax: limits.nodesMax)
            guard let node = try? parser.document() else { return nil }
            let reader = NodeReader(file: file, nodeBudget: limits.nodesMax)
            let builder = CustomerBuilder(reader: reader, catalog: catalog, zones: zones)
            guard let customer = builder.customer(id: nil, node, ""), reader.errors.isEmpty
            else { return nil }
            return customer
        }
    }

    /// `customer(index, zones)` for every index below `count`, in index order, computed on two
    /// threads (one below 1,000 items) that each split off a contiguous half and have their own
    /// time-zone directory; the results land by index, so the order never depends on timing.
    static func splitOverTwoThreads(
        count: Int, _ customer: (Int, TimeZoneDirectory) -> Customer?
    ) -> [Customer?] {
        var results = [Customer?](repeating: nil, count: count)
        let threads = count < 1_000 ? 1 : 2
        results.withUnsafeMutableBufferPointer { output in
            let slots = output
            DispatchQueue.concurrentPerform(iterations: threads) { part in
                let zones = TimeZoneDirectory()
                for index in (count * part / threads)..<(count * (part + 1) / threads) {
                    slots[index] = customer(index, zones)
                }
            }
        }
        return results
    }

    /// The customers of a YAML tree read without places, when every one reads without any
    /// error; nil sends the loader to Yams for located errors. Split over two threads.
    static func quickCustomers(
        yaml root: Node, file: String, catalog: Catalog, limits: ConfigLimits, nodeBudget: Int
    ) -> [Customer]? {
        guard case .mapping(let top) = root, top.count == 1,
            let (key, customersNode) = top.first, key.string == "customers",
            case .mapping(let mapping) = customersNode, mapping.count <= limits.customersMax
        else { return nil }
        let items: [(String, Node)] = mapping.map { ($0.key.string ?? "", $0.value) }
        let results = splitOverTwoThreads(count: items.count) { index, zones in
            let (id, node) = items[index]
            let reader = NodeReader(file: file, nodeBudget: nodeBudget)
            let builder = CustomerBuilder(reader: reader, catalog: catalog, zones: zones)
            guard let customer = builder.customer(id: id, node, "customers.\(id)"),
                reader.errors.isEmpty
            else { return nil }
            return customer
        }
        var customers: [Customer] = []
        customers.reserveCapacity(results.count)
        var ids: Set<String> = []
        for result in results {
            guard let customer = result, ids.insert(customer.id).inserted else { return nil }
            customers.append(customer)
        }
        return customers
    }

    /// The message for a file with more customers than the limit.
    static func overLimitMessage(_ count: Int, limits: ConfigLimits) -> String {
        "has \(count) customers; the limit is \(limits.customersMax) customers: split the "
            + "customers into several runs"
    }

    /// The value node of a mapping's `id` key, to locate a repeated id.
    static func idNode(of node: Node) -> Node? {
        guard case .mapping(let mapping) = node else { return nil }
        return mapping.first { $0.key.string == "id" }?.value
    }
}

final class CustomerBuilder {
    let reader: NodeReader
    let catalog: Catalog
    let zones: TimeZoneDirectory
    let addressReader: CatalogBuilder

    init(reader: NodeReader, catalog: Catalog, zones: TimeZoneDirectory) {
        self.reader = reader
        self.catalog = catalog
        self.zones = zones
        self.addressReader = CatalogBuilder(reader: reader, limits: ConfigLimits())
        for (code, currency) in catalog.currencies { addressReader.currencies[code] = currency }
    }

    static let keys: Set = [
        "id", "name", "address", "tax_id", "timezone", "anchor_day", "currency", "tax",
        "discounts", "subscriptions", "payment_terms_days",
    ]

    /// Customer ids are 1–256 bytes, like the events that name them (SPEC §2).
    static let idBytesMax = 256

    func customer(id givenID: String?, _ node: Node, _ path: String) -> Customer? {
        guard let items = reader.mapping(node, path, allowed: CustomerBuilder.keys) else {
            return nil
        }
        let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
        var id = givenID
        if givenID == nil {
            guard let idNode = fields["id"] else {
                reader.fail(node, join(path, "id"), "missing; each line needs the customer id")
                return nil
            }
            id = reader.string(idNode, join(path, "id"))
        } else if fields["id"] != nil {
            reader.fail(fields["id"], join(path, "id"), "the id is the mapping key here")
        }
        guard let id else { return nil }
        guard id.utf8.count <= CustomerBuilder.idBytesMax else {
            reader.fail(node, path, "customer id longer than \(CustomerBuilder.idBytesMax) bytes")
            return nil
        }
        // Read before any early return below, so their errors are listed too.
        let name = fields["name"].flatMap { reader.string($0, join(path, "name")) }
        let address = fields["address"].flatMap {
            addressReader.address($0, join(path, "address"))
        }
        let taxID = fields["tax_id"].flatMap { reader.string($0, join(path, "tax_id")) }
        var valid = true
        var termsDays: Int?
        if let termsNode = fields["payment_terms_days"] {
            termsDays = addressReader.paymentTermsDays(termsNode, join(path, "payment_terms_days"))
            if termsDays == nil { valid = false }
        }
        var zone: any TimeZoneRules = FixedOffsetZone.utc
        if let zoneNode = fields["timezone"],
            let name = reader.string(zoneNode, join(path, "timezone"))
        {
            if let found = zones.rules(name) {
                zone = found
            } else {
                reader.fail(
                    zoneNode, join(path, "timezone"),
                    "unknown time zone \"\(name)\"; use an IANA name such as Europe/Berlin")
                valid = false
            }
        }
        let anchorDay = fields["anchor_day"].flatMap {
            reader.integer($0, join(path, "anchor_day"), in: 1...31)
        }
        var currency: Currency?
        if let currencyNode = fields["currency"] {
            currency = addressReader.currency(currencyNode, join(path, "currency"))
            if currency == nil { valid = false }
        }
        var tax: Tax?
        if let taxNode = fields["tax"],
            let taxItems = reader.mapping(taxNode, join(path, "tax"), allowed: ["name", "rate"])
        {
            let taxFields = Dictionary(taxItems, uniquingKeysWith: { first, _ in first })
            let name = taxFields["name"].flatMap { reader.string($0, join(path, "tax.name")) }
            let rate = taxFields["rate"].flatMap { reader.decimal($0, join(path, "tax.rate")) }
            if let name, let rate {
                tax = Tax(name: name, rate: rate)
            } else {
                if taxFields["name"] == nil {
                    reader.fail(taxNode, join(path, "tax.name"), "missing")
                }
                if taxFields["rate"] == nil {
                    reader.fail(taxNode, join(path, "tax.rate"), "missing")
                }
                valid = false
            }
        }
        let discounts = self.discounts(fields["discounts"], join(path, "discounts"))
        if discounts == nil { valid = false }
        guard
            let subscriptions = self.subscriptions(
                fields["subscriptions"], node, join(path, "subscriptions"),
                customerCurrency: &currency)
        else { return nil }
        guard valid else { return nil }
        return Customer(
            id: id, name: name, address: address, taxID: taxID, timeZone: zone,
            anchorDay: anchorDay, currency: currency, tax: tax,
            discounts: discounts ?? [], subscriptions: subscriptions, paymentTermsDays: termsDays)
    }

    func discounts(_ node: Node?, _ path: String) -> [Discount]? {
        guard let node else { return [] }
        guard let list = reader.sequence(node, path) else { return nil }
        var result: [Discount] = []
        var keys: Set<String> = []
        var valid = true
        for (index, item) in list.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard
                let items = reader.mapping(
                    item, itemPath, allowed: ["key", "percent", "from", "until"])
            else {
                valid = false
                continue
            }
            let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
            guard let keyNode = fields["key"], let percentNode = fields["percent"] else {
                reader.fail(item, itemPath, "a discount needs key and percent")
                valid = false
                continue
            }
            let key = reader.string(keyNode, itemPath + ".key")
            let percent = reader.decimal(percentNode, itemPath + ".percent")
            if let percent, Rational(100) < percent {
                reader.fail(percentNode, itemPath + ".percent", "must be between 0 and 100")
                valid = false
            }
            let from = fields["from"].flatMap { reader.date($0, itemPath + ".from") }
            let until = fields["until"].flatMap { reader.date($0, itemPath + ".until") }
            if let from, let until, until < from {
                reader.fail(fields["until"], itemPath + ".until", "is before from")
                valid = false
            }
            guard let key, let percent else {
                valid = false
                continue
            }
            if !keys.insert(key).inserted {
                reader.fail(keyNode, itemPath + ".key", "discount key \"\(key)\" is used twice")
                valid = false
            }
            result.append(Discount(key: key, percent: percent, from: from, until: until))
        }
        return valid ? result : nil
    }

    func subscriptions(
        _ node: Node?, _ customerNode: Node, _ path: String, customerCurrency: inout Currency?
    ) -> [Subscription]? {
        guard let node else {
            reader.fail(customerNode, path, "missing; a customer needs at least one subscription")
            return nil
        }
        guard let list = reader.sequence(node, path) else { return nil }
        var result: [(Subscription, Node, String)] = []
        var valid = true
        for (index, item) in list.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let items = reader.mapping(item, itemPath, allowed: ["plan", "start", "end"])
            else {
                valid = false
                continue
            }
            let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })
            guard let planNode = fields["plan"], let startNode = fields["start"] else {
                reader.fail(item, itemPath, "a subscription needs plan and start")
                valid = false
                continue
            }
            let planKey = reader.string(planNode, itemPath + ".plan")
            let start = reader.date(startNode, itemPath + ".start")
            var end: CivilDate?
            if let endNode = fields["end"], !reader.isNull(endNode) {
                end = reader.date(endNode, itemPath + ".end")
                if end == nil { valid = false }
            }
            guard let planKey, let start else {
                valid = false
                continue
            }
            guard let plan = catalog.plans[planKey] else {
                reader.fail(
                    planNode, itemPath + ".plan",
                    "unknown plan \"\(planKey)\"; the catalog has: "
                        + catalog.plans.keys.sorted().joined(separator: ", "))
                valid = false
                continue
            }
            if let end, end <= start {
                reader.fail(fields["end"], itemPath + ".end", "must be after start")
                valid = false
                continue
            }
            if let currency = customerCurrency, currency != plan.currency {
                reader.fail(
                    planNode, itemPath + ".plan",
                    "plan \"\(planKey)\" bills in \(plan.currency.code) but the customer "
                        + "uses \(currency.code)")
                valid = false
            }
            if customerCurrency == nil { customerCurrency = plan.currency }
            result.append((Subscription(plan: planKey, start: start, end: end), item, itemPath))
        }
        result.sort { $0.0.start < $1.0.start }
        for index in result.indices.dropFirst() {
            let previous = result[index - 1].0
            let current = result[index]
            if previous.end.map({ current.0.start < $0 }) ?? true {
                reader.fail(
                    current.1, current.2,
                    "overlaps the subscription to \"\(previous.plan)\" starting "
                        + "\(previous.start); subscriptions must not overlap")
                valid = false
            }
        }
        return valid ? result.map(\.0) : nil
    }
}

import CYaml
import Pricing

/// The fastest reading of `customers.yaml`: customers built straight from libyaml's events, one
/// small value per customer and no node tree for the file.
///
/// The node tree was most of the cost: 100,000 customers made 1.9 million Yams nodes (an enum
/// holding a tag object and strings each), retained, copied and freed again, about 3 s of CPU
/// of 4.4 s. This reading keeps only what a customer needs, and gives up (nil) on anything it
/// does not know to be valid: an anchor or alias, a repeated key, an unknown key, a value
/// `CustomerBuilder` would refuse, more customers than the limit, nesting deeper than
/// `depthMax`. The loader then reads the file the slower ways, which report every error with
/// its line, column and YAML path exactly as before. So this reading must never accept what
/// `CustomerBuilder` refuses, and must build the same customer when both accept; tests compare
/// the two.
enum YAMLCustomerEvents {
    /// One value of a customer, as written (tags are ignored, as `NodeReader` ignores them).
    /// Not `indirect`: the arrays already hold their items apart, and boxing every scalar cost
    /// an allocation per node.
    enum Value {
        /// A scalar's text; `plain` when unquoted (only a plain scalar can be null).
        case scalar(String, plain: Bool)
        case list([Value])
        /// Entries in document order; keys are scalars, none repeated.
        case map([(key: String, value: Value)])
    }

    /// Collections nested deeper inside one customer make the reading give up (a customer needs
    /// three levels); it bounds this reader's recursion, not the file.
    static let depthMax = 32

    /// The customers of `text`, sorted by id (bytewise), or nil when anything is unusual or
    /// wrong. O(events) time; memory for the customers only.
    static func customers(
        _ text: String, catalog: Catalog, zones: TimeZoneDirectory, limits: ConfigLimits
    ) -> [Customer]? {
        var copy = text
        return copy.withUTF8 { buffer -> [Customer]? in
            guard buffer.count > 0 else { return nil }
            let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
            defer { parser.deallocate() }
            guard yaml_parser_initialize(parser) == 1 else { return nil }
            defer { yaml_parser_delete(parser) }
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var events = Events(parser: parser)
            let builder = QuickCustomerBuilder(catalog: catalog, zones: zones)
            guard events.next() == .streamStart, events.next() == .documentStart,
                events.next() == .mappingStart, case .scalar("customers", _) = events.next(),
                events.next() == .mappingStart
            else { return nil }
            var customers: [Customer] = []
            var ids: Set<String> = []
            while true {
                switch events.next() {
                case .mappingEnd:
                    // The root holds `customers` alone, and the stream one document.
                    guard events.next() == .mappingEnd, events.next() == .documentEnd,
                        events.next() == .streamEnd
                    else { return nil }
                    customers.sort { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
                    return customers
                case .scalar(let id, _):
                    guard customers.count < limits.customersMax, ids.insert(id).inserted,
                        let value = events.value(events.next(), depth: 0),
                        let customer = builder.customer(id: id, value)
                    else { return nil }
                    customers.append(customer)
                default:
                    return nil
                }
            }
        }
    }

    /// What this reader needs of one libyaml event.
    enum Event: Equatable {
        case streamStart, streamEnd, documentStart, documentEnd
        case mappingStart, mappingEnd, sequenceStart, sequenceEnd
        case scalar(String, plain: Bool)
        /// An alias, an anchored node, a syntax error or anything else: give up.
        case unusual
    }

    /// Pulls events from a parser, copying out what `Event` keeps.
    struct Events {
        let parser: UnsafeMutablePointer<yaml_parser_t>

        init(parser: UnsafeMutablePointer<yaml_parser_t>) {
            self.parser = parser
        }

        mutating func next() -> Event {
            var event = yaml_event_t()
            guard yaml_parser_parse(parser, &event) == 1 else { return .unusual }
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_START_EVENT: return .streamStart
            case YAML_STREAM_END_EVENT: return .streamEnd
            case YAML_DOCUMENT_START_EVENT: return .documentStart
            case YAML_DOCUMENT_END_EVENT: return .documentEnd
            case YAML_MAPPING_START_EVENT:
                return event.data.mapping_start.anchor == nil ? .mappingStart : .unusual
            case YAML_SEQUENCE_START_EVENT:
                return event.data.sequence_start.anchor == nil ? .sequenceStart : .unusual
            case YAML_MAPPING_END_EVENT: return .mappingEnd
            case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                guard scalar.anchor == nil else { return .unusual }
                let text = String(
                    decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length),
                    as: UTF8.self)
                return .scalar(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE)
            default:
                return .unusual
            }
        }

        /// The value that starts with `first`, read to its end; nil when unusual.
        mutating func value(_ first: Event, depth: Int) -> Value? {
            guard depth < YAMLCustomerEvents.depthMax else { return nil }
            switch first {
            case .scalar(let text, let plain):
                return .scalar(text, plain: plain)
            case .sequenceStart:
                var items: [Value] = []
                while true {
                    let event = next()
                    if event == .sequenceEnd { return .list(items) }
                    guard let item = value(event, depth: depth + 1) else { return nil }
                    items.append(item)
                }
            case .mappingStart:
                var entries: [(key: String, value: Value)] = []
                while true {
                    let event = next()
                    if event == .mappingEnd { return .map(entries) }
                    // Keys are scalars, each once (Yams refuses a repeated key).
                    guard case .scalar(let key, _) = event,
                        !entries.contains(where: { $0.key == key }),
                        let item = value(next(), depth: depth + 1)
                    else { return nil }
                    entries.append((key, item))
                }
            default:
                return nil
            }
        }
    }
}

/// `CustomerBuilder`'s checks on `YAMLCustomerEvents.Value`, for valid customers only: every
/// function returns nil where `CustomerBuilder` would record an error, and otherwise the same
/// values, in the same order.
struct QuickCustomerBuilder {
    typealias Value = YAMLCustomerEvents.Value
    let catalog: Catalog
    let zones: TimeZoneDirectory
    // Built once: a set literal in a function is built (and its keys hashed) on every call.
    static let addressKeys: Set = ["street", "city", "postal_code", "country"]
    static let taxKeys: Set = ["name", "rate"]
    static let discountKeys: Set = ["key", "percent", "from", "until"]
    static let subscriptionKeys: Set = ["plan", "start", "end"]

    func customer(id: String, _ value: Value) -> Customer? {
        guard id.utf8.count <= CustomerBuilder.idBytesMax,
            let fields = fields(value, allowed: CustomerBuilder.keys), fields["id"] == nil
        else { return nil }
        var name: String?
        if let node = fields["name"] {
            guard let text = string(node) else { return nil }
            name = text
        }
        var address: Address?
        if let node = fields["address"] {
            guard let parts = self.fields(node, allowed: Self.addressKeys) else { return nil }
            var texts: [String] = []
            for key in ["street", "city", "postal_code", "country"] {
                guard let part = parts[key] else {
                    texts.append("")
                    continue
                }
                guard let text = string(part) else { return nil }
                texts.append(text)
            }
            address = Address(
                street: texts[0], city: texts[1], postalCode: texts[2], country: texts[3])
        }
        var taxID: String?
        if let node = fields["tax_id"] {
            guard let text = string(node) else { return nil }
            taxID = text
        }
        var zone: any TimeZoneRules = FixedOffsetZone.utc
        if let node = fields["timezone"] {
            guard let text = string(node), let found = zones.rules(text) else { return nil }
            zone = found
        }
        var anchorDay: Int?
        if let node = fields["anchor_day"] {
            guard let text = string(node), let day = Int(text), (1...31).contains(day)
            else { return nil }
            anchorDay = day
        }
        var currency: Currency?
        if let node = fields["currency"] {
            guard let code = string(node),
                let found = catalog.currencies[code] ?? Currency.iso(code)
            else { return nil }
            currency = found
        }
        var tax: Tax?
        if let node = fields["tax"] {
            guard let parts = self.fields(node, allowed: Self.taxKeys),
                let nameNode = parts["name"], let taxName = string(nameNode),
                let rateNode = parts["rate"], let rate = decimal(rateNode)
            else { return nil }
            tax = Tax(name: taxName, rate: rate)
        }
        var termsDays: Int?
        if let node = fields["payment_terms_days"] {
            guard let text = string(node), let days = Int(text),
                (0...PaymentTerms.daysMax).contains(days)
            else { return nil }
            termsDays = days
        }
        var discounts: [Discount] = []
        if let node = fields["discounts"] {
            guard let list = self.discounts(node) else { return nil }
            discounts = list
        }
        guard let node = fields["subscriptions"],
            let subscriptions = self.subscriptions(node, customerCurrency: &currency)
        else { return nil }
        return Customer(
            id: id, name: name, address: address, taxID: taxID, timeZone: zone,
            anchorDay: anchorDay, currency: currency, tax: tax, discounts: discounts,
            subscriptions: subscriptions, paymentTermsDays: termsDays)
    }

    func discounts(_ value: Value) -> [Discount]? {
        guard case .list(let items) = value else { return nil }
        var result: [Discount] = []
        var keys: Set<String> = []
        for item in items {
            guard let fields = fields(item, allowed: Self.discountKeys),
                let keyNode = fields["key"], let key = string(keyNode),
                let percentNode = fields["percent"], let percent = decimal(percentNode),
                !(Rational(100) < percent), keys.insert(key).inserted
            else { return nil }
            var from: CivilDate?
            if let node = fields["from"] {
                guard let date = date(node) else { return nil }
                from = date
            }
            var until: CivilDate?
            if let node = fields["until"] {
                guard let date = date(node) else { return nil }
                until = date
            }
            if let from, let until, until < from { return nil }
            result.append(Discount(key: key, percent: percent, from: from, until: until))
        }
        return result
    }

    func subscriptions(_ value: Value, customerCurrency: inout Currency?) -> [Subscription]? {
        guard case .list(let items) = value else { return nil }
        var result: [Subscription] = []
        for item in items {
            guard let fields = fields(item, allowed: Self.subscriptionKeys),
                let planNode = fields["plan"], let planKey = string(planNode),
                let startNode = fields["start"], let start = date(startNode),
                let plan = catalog.plans[planKey]
            else { return nil }
            var end: CivilDate?
            if let endNode = fields["end"], !isNull(endNode) {
                guard let date = date(endNode), start < date else { return nil }
                end = date
            }
            if let currency = customerCurrency, currency != plan.currency { return nil }
            if customerCurrency == nil { customerCurrency = plan.currency }
            result.append(Subscription(plan: planKey, start: start, end: end))
        }
        // As `CustomerBuilder`: sorted by start, and none may begin before the previous ends.
        result.sort { $0.start < $1.start }
        for index in result.indices.dropFirst() {
            let previous = result[index - 1]
            guard let previousEnd = previous.end, !(result[index].start < previousEnd)
            else { return nil }
        }
        return result
    }

    /// A mapping's entries, found by key with a linear search: a mapping here has a few keys,
    /// and a dictionary per mapping was a tenth of the loading time.
    struct Fields {
        let entries: [(key: String, value: Value)]

        subscript(key: String) -> Value? {
            entries.first { $0.key == key }?.value
        }
    }

    /// A mapping's entries (no key repeats), when every key is allowed.
    func fields(_ value: Value, allowed: Set<String>) -> Fields? {
        guard case .map(let entries) = value,
            entries.allSatisfy({ allowed.contains($0.key) })
        else { return nil }
        return Fields(entries: entries)
    }

    /// `NodeReader.isNull`: a plain `null`, `Null`, `NULL`, `~` or nothing.
    func isNull(_ value: Value) -> Bool {
        guard case .scalar(let text, plain: true) = value else { return false }
        return text == "null" || text == "~" || text.isEmpty || text == "Null" || text == "NULL"
    }

    /// `NodeReader.string`: a scalar that is neither null nor empty.
    func string(_ value: Value) -> String? {
        guard case .scalar(let text, _) = value, !isNull(value), !text.isEmpty else { return nil }
        return text
    }

    /// `NodeReader.decimal` without negatives.
    func decimal(_ value: Value) -> Rational? {
        guard let text = string(value), case .success(let number) = DecimalText.rational(text),
            !number.isNegative
        else { return nil }
        return number
    }

    /// `NodeReader.date`.
    func date(_ value: Value) -> CivilDate? {
        string(value).flatMap { CivilDate(iso: $0) }
    }
}

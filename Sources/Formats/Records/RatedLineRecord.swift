import Pricing

// The `rated.ndjson` record (SPEC §8.1): `rate` writes one line per priced line, `invoice` bills
// from them and `diff` compares them; an invoice document's lines are the same object. Its
// encoder and its decoders (the strict one `invoice` bills from, and the document reader's for
// `diff` and invoice documents) live in this file, so a field added to one side is next to the
// others. (A record's file extends the types the stages call, `RateOutputs`,
// `InvoiceInputReader` and `DocumentReader`: see "One codec per record" in docs/DECISIONS.md.)

/// The rated-line encoder; an invoice line is the same object without `customer`, `period` and
/// `currency`.
extension RateOutputs {
    /// One `rated.ndjson` line.
    public static func ratedLine(
        _ line: RatedLine, period: BillingPeriod, into writer: inout JSONWriter
    ) {
        writeLine(line, period: period, into: &writer)
        writer.endLine()
    }

    /// A priced line as an object. With `period` it is a `rated.ndjson` line; without, it is an
    /// invoice line, which carries the same fields but `customer`, `period` and `currency`
    /// (the invoice holds those once; SPEC §11). One encoder, so the two never drift apart.
    public static func writeLine(
        _ line: RatedLine, period: BillingPeriod?, into writer: inout JSONWriter
    ) {
        writer.beginObject()
        if let period {
            writer.key("customer")
            writer.string(line.customer)
            writePeriod(period, into: &writer)
        }
        writer.key("plan")
        writer.string(line.plan)
        writer.key("charge")
        writer.string(line.charge)
        writer.key("kind")
        writer.string(line.kind.rawValue)
        writeGroup(line.group, into: &writer)
        writer.key("quantity")
        writer.string(line.quantity.description)
        if period != nil {
            writer.key("currency")
            writer.string(line.currency.code)
        }
        writer.key("amount_exact")
        writer.string(line.amountExact.description)
        writer.key("amount")
        writer.string(line.amount.description)
        writeTiers(line.tiers, into: &writer)
        writer.endObject()
    }

    /// A line's `tiers` array. Each row's present fields, every value exact, in one order for
    /// every kind of row: `quantity`, `blocks`, `block_size`, `block_price`, `unit_price`,
    /// `markup`, `adjustment`, `amount`, `flat_price` (the rows of §5 keep their bytes:
    /// `quantity`, `unit_price`, `amount`, then `flat_price` where one applies).
    public static func writeTiers(_ tiers: [TierAmount], into writer: inout JSONWriter) {
        writer.key("tiers")
        writer.beginArray()
        for tier in tiers {
            writer.beginObject()
            writer.key("quantity")
            writer.string(tier.quantity.description)
            for (key, value) in [
                ("blocks", tier.blocks), ("block_size", tier.blockSize),
                ("block_price", tier.blockPrice), ("unit_price", tier.unitPrice),
                ("markup", tier.markup),
            ] {
                if let value {
                    writer.key(key)
                    writer.string(value.description)
                }
            }
            if let adjustment = tier.adjustment {
                writer.key("adjustment")
                writer.string(adjustment)
            }
            writer.key("amount")
            writer.string(tier.amount.description)
            if let flat = tier.flatPrice {
                writer.key("flat_price")
                writer.string(flat.description)
            }
            writer.endObject()
        }
        writer.endArray()
    }

    /// `"group": {...}` with keys sorted.
    public static func writeGroup(_ group: [Dimension], into writer: inout JSONWriter) {
        writer.key("group")
        writer.beginObject()
        for dimension in group {
            writer.key(dimension.key)
            writer.string(dimension.value)
        }
        writer.endObject()
    }
}

/// The strict rated-line decoder: every field checked against the catalog and the customers,
/// problems collected with the file and line.
extension InvoiceInputReader {
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

    /// One line's fields, as `writeLine` with a period writes them (the period itself is the
    /// customer's and is not read back).
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
                    let tierAmount = string(fields, "amount").flatMap(DecimalText.exact)
                else {
                    fail(file, number, "tiers", "malformed tier")
                    return nil
                }
                // An optional field, when present, must be exact too.
                var malformed = false
                func optional(_ key: String) -> Rational? {
                    guard fields.contains(where: { $0.0 == key }) else { return nil }
                    let value = string(fields, key).flatMap(DecimalText.exact)
                    if value == nil { malformed = true }
                    return value
                }
                let row = TierAmount(
                    quantity: tierQuantity, unitPrice: optional("unit_price"),
                    amount: tierAmount, flatPrice: optional("flat_price"),
                    blocks: optional("blocks"), blockSize: optional("block_size"),
                    blockPrice: optional("block_price"), markup: optional("markup"),
                    adjustment: string(fields, "adjustment"))
                guard !malformed else {
                    fail(file, number, "tiers", "malformed tier")
                    return nil
                }
                tiers.append(row)
            }
        }
        return RatedLine(
            customer: customer, plan: plan, charge: charge, kind: kind, group: group,
            quantity: quantity, amountExact: exact, amount: amount, tiers: tiers)
    }
}

/// The line decoder of the documents read back (`RatedLinesFile` below and invoice documents,
/// RunDocuments.swift): typed reads that throw `DocumentError` naming the field.
extension DocumentReader {
    /// A billable line object (a rated line, or an invoice line with the document's customer).
    func line(
        _ value: JSONValue, customer: String, field: String
    ) throws(DocumentError) -> (BillableLineKey, LineFigures) {
        var group: [Dimension] = []
        guard case .object(let members)? = value["group"] else {
            throw DocumentError(field: "\(field).group", problem: "missing or not an object")
        }
        for (name, dimension) in members {
            group.append(
                Dimension(key: name, value: try string(dimension, "\(field).group.\(name)")))
        }
        let key = BillableLineKey(
            customer: customer, plan: try string(value["plan"], "\(field).plan"),
            charge: try string(value["charge"], "\(field).charge"),
            kind: try string(value["kind"], "\(field).kind"), group: group)
        let figures = LineFigures(
            quantity: try exact(value["quantity"], "\(field).quantity"),
            amountExact: try exact(value["amount_exact"], "\(field).amount_exact"),
            amount: try exact(value["amount"], "\(field).amount"))
        return (key, figures)
    }

    /// A line object's `tiers`, as `RateOutputs.writeTiers` writes them.
    func tiers(_ value: JSONValue, field: String) throws(DocumentError) -> [TierAmount] {
        var tiers: [TierAmount] = []
        for (row, tier) in try array(value["tiers"], "\(field).tiers").enumerated() {
            let at = "\(field).tiers[\(row)]"
            func optional(_ key: String) throws(DocumentError) -> Rational? {
                tier[key] == nil ? nil : try exact(tier[key], "\(at).\(key)")
            }
            var adjustment: String?
            if let value = tier["adjustment"] {
                guard case .string(let text) = value else {
                    throw DocumentError(field: "\(at).adjustment", problem: "not a string")
                }
                adjustment = text
            }
            tiers.append(
                TierAmount(
                    quantity: try exact(tier["quantity"], "\(at).quantity"),
                    unitPrice: try optional("unit_price"),
                    amount: try exact(tier["amount"], "\(at).amount"),
                    flatPrice: try optional("flat_price"),
                    blocks: try optional("blocks"), blockSize: try optional("block_size"),
                    blockPrice: try optional("block_price"), markup: try optional("markup"),
                    adjustment: adjustment))
        }
        return tiers
    }
}

/// `rated.ndjson` read back as keyed lines with their currency, for comparing two runs. (The
/// strict reader `invoice` bills from is `InvoiceInputReader.ratedLines`, which needs the
/// catalog; this one needs nothing but the file.)
public enum RatedLinesFile {
    /// One line of the file: its key, figures and currency code.
    public typealias Line = (
        key: BillableLineKey, figures: LineFigures, currency: String, amountScale: Int
    )

    /// The lines of `bytes`; `DocumentError` names the 1-based line and field.
    public static func decode(_ bytes: [UInt8]) throws(DocumentError) -> [Line] {
        var result: [Line] = []
        let reader = DocumentReader()
        var number = 0
        for slice in bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        where !slice.isEmpty {
            number += 1
            let root: JSONValue
            do {
                root = try DocumentReader.parse(Array(slice))
            } catch {
                throw DocumentError(field: "line \(number)", problem: error.problem)
            }
            let prefix = "line \(number): "
            let customer = try reader.string(root["customer"], prefix + "customer")
            let (key, figures) = try reader.line(root, customer: customer, field: "line \(number)")
            result.append(
                (
                    key, figures, try reader.string(root["currency"], prefix + "currency"),
                    DocumentReader.scale(try reader.string(root["amount"], prefix + "amount"))
                ))
        }
        return result
    }
}

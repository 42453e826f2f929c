import Pricing

/// An invoice document (`invoices/<customer>.json`) read back: what a later run compares with
/// (`diff` today; the issued store's corrections next). Amounts stay exact text-derived values;
/// the currency is the document's code.
public struct InvoiceDocument: Sendable {
    public let invoiceID: String
    public let number: String
    public let customer: String
    public let issueDate: String
    public let currency: String
    /// The digits after the decimal point of the document's amounts (its currency's minor
    /// units), for showing differences as the document does.
    public let amountScale: Int
    /// The lines, by key, in document order.
    public let lines: [(BillableLineKey, LineFigures)]
    /// The document's figures in the order the JSON writes them: `subtotal`, `discounts` (their
    /// sum), `tax` (0 without tax), `total`, `credits_applied`, `amount_due`.
    public let figures: [(String, Rational)]

    /// The figure named `name` (one of `figures`' names).
    public func figure(_ name: String) -> Rational? {
        figures.first { $0.0 == name }?.1
    }

    /// Reads a document written by `InvoiceOutputs.invoiceJSON`. Throws `DocumentError` naming
    /// the field.
    public static func decode(_ bytes: [UInt8]) throws(DocumentError) -> InvoiceDocument {
        let root = try DocumentReader.parse(bytes)
        let reader = DocumentReader()
        let customer = try reader.string(root["customer"], "customer")
        var lines: [(BillableLineKey, LineFigures)] = []
        for (index, line) in try reader.array(root["lines"], "lines").enumerated() {
            lines.append(try reader.line(line, customer: customer, field: "lines[\(index)]"))
        }
        var discounts = Rational.zero
        for (index, discount) in try reader.array(root["discounts"], "discounts").enumerated() {
            discounts = try reader.add(
                discounts, try reader.exact(discount["amount"], "discounts[\(index)].amount"))
        }
        var tax = Rational.zero
        if let value = root["tax"], value != .null {
            tax = try reader.exact(value["amount"], "tax.amount")
        }
        return InvoiceDocument(
            invoiceID: try reader.string(root["invoice_id"], "invoice_id"),
            number: try reader.string(root["number"], "number"), customer: customer,
            issueDate: try reader.string(root["issue_date"], "issue_date"),
            currency: try reader.string(root["currency"], "currency"),
            amountScale: DocumentReader.scale(try reader.string(root["total"], "total")),
            lines: lines,
            figures: [
                ("subtotal", try reader.exact(root["subtotal"], "subtotal")),
                ("discounts", discounts), ("tax", tax),
                ("total", try reader.exact(root["total"], "total")),
                ("credits_applied", try reader.exact(root["credits_applied"], "credits_applied")),
                ("amount_due", try reader.exact(root["amount_due"], "amount_due")),
            ])
    }
}

/// A document or line that cannot be read back: the field and what is wrong.
public struct DocumentError: Error, CustomStringConvertible {
    public let field: String
    public let problem: String

    public var description: String { field.isEmpty ? problem : "\(field): \(problem)" }
}

/// The typed reads of the decoders above.
struct DocumentReader {
    /// The digits after the decimal point of a decimal text (0 without a point).
    static func scale(_ text: String) -> Int {
        guard let point = text.utf8.firstIndex(of: UInt8(ascii: ".")) else { return 0 }
        return text.utf8.distance(from: point, to: text.utf8.endIndex) - 1
    }

    static func parse(_ bytes: [UInt8]) throws(DocumentError) -> JSONValue {
        do {
            let value = try bytes.withUnsafeBytes { try JSONValue.parse($0) }
            guard case .object = value else {
                throw DocumentError(field: "", problem: "not a JSON object")
            }
            return value
        } catch let error as DocumentError {
            throw error
        } catch {
            throw DocumentError(field: "", problem: "not JSON (\(error))")
        }
    }

    /// A string value's text, or "" for anything else.
    func text(_ value: JSONValue?) -> String {
        if case .string(let text)? = value { return text }
        return ""
    }

    func string(_ value: JSONValue?, _ field: String) throws(DocumentError) -> String {
        guard case .string(let text)? = value else {
            throw DocumentError(field: field, problem: "missing or not a string")
        }
        return text
    }

    func array(_ value: JSONValue?, _ field: String) throws(DocumentError) -> [JSONValue] {
        guard case .array(let items)? = value else {
            throw DocumentError(field: field, problem: "missing or not an array")
        }
        return items
    }

    /// A decimal or `n/d` string, as Ratebook writes exact values.
    func exact(_ value: JSONValue?, _ field: String) throws(DocumentError) -> Rational {
        guard case .string(let text)? = value, let number = DecimalText.exact(text) else {
            throw DocumentError(field: field, problem: "missing or not an exact number")
        }
        return number
    }

    func add(_ left: Rational, _ right: Rational) throws(DocumentError) -> Rational {
        do {
            return try left + right
        } catch {
            throw DocumentError(field: "", problem: "a sum out of range")
        }
    }
}

extension InvoiceDocument {
    /// Reads an invoice document back into the domain `Invoice` it was written from, given the
    /// customer (the document holds only its id) and the currency (its code and minor units):
    /// `InvoiceOutputs.invoiceJSON` of the result is the very same bytes. The issued store
    /// needs this to journal an issued invoice again exactly as issued. Throws
    /// `DocumentError` naming the field; a customer, period or amount that does not match the
    /// document is refused, never adjusted.
    public static func decodeInvoice(
        _ bytes: [UInt8], customer: Customer, currency: Currency, month: YearMonth
    ) throws(DocumentError) -> Invoice {
        let root = try DocumentReader.parse(bytes)
        let reader = DocumentReader()
        guard try reader.string(root["customer"], "customer") == customer.id else {
            throw DocumentError(field: "customer", problem: "not \(customer.id)")
        }
        guard try reader.string(root["currency"], "currency") == currency.code else {
            throw DocumentError(field: "currency", problem: "not \(currency.code)")
        }
        let period = customer.billingPeriod(startingIn: month)
        guard try reader.string(root["period"]?["start"], "period.start") == period.startText,
            try reader.string(root["period"]?["end"], "period.end") == period.endText
        else {
            throw DocumentError(
                field: "period", problem: "not \(customer.id)'s period of \(month)")
        }
        let issueText = try reader.string(root["issue_date"], "issue_date")
        guard let issueDate = CivilDate(iso: issueText) else {
            throw DocumentError(field: "issue_date", problem: "not a date YYYY-MM-DD")
        }
        func money(_ value: JSONValue?, _ field: String) throws(DocumentError) -> Money {
            let exact = try reader.exact(value, field)
            guard
                let minor = try? exact.significand(atScale: currency.minorUnitDigits, rule: .down),
                Money(minorUnits: minor, currency: currency).description == reader.text(value)
            else {
                throw DocumentError(
                    field: field,
                    problem: "not an amount with \(currency.minorUnitDigits) decimals")
            }
            return Money(minorUnits: minor, currency: currency)
        }
        var lines: [RatedLine] = []
        for (index, value) in try reader.array(root["lines"], "lines").enumerated() {
            let field = "lines[\(index)]"
            let (key, figures) = try reader.line(value, customer: customer.id, field: field)
            guard let kind = LineKind(rawValue: key.kind) else {
                throw DocumentError(field: "\(field).kind", problem: "not a line kind")
            }
            let tiers = try reader.tiers(value, field: field)
            lines.append(
                RatedLine(
                    customer: customer.id, plan: key.plan, charge: key.charge, kind: kind,
                    group: key.group, quantity: figures.quantity,
                    amountExact: figures.amountExact,
                    amount: try money(value["amount"], "\(field).amount"), tiers: tiers))
        }
        var discounts: [AppliedDiscount] = []
        for (index, value) in try reader.array(root["discounts"], "discounts").enumerated() {
            discounts.append(
                AppliedDiscount(
                    key: try reader.string(value["key"], "discounts[\(index)].key"),
                    amount: try money(value["amount"], "discounts[\(index)].amount")))
        }
        var tax: AppliedTax?
        if let value = root["tax"], value != .null {
            tax = AppliedTax(
                name: try reader.string(value["name"], "tax.name"),
                rate: try reader.exact(value["rate"], "tax.rate"),
                base: try money(value["base"], "tax.base"),
                amount: try money(value["amount"], "tax.amount"))
        }
        return Invoice(
            invoiceID: try reader.string(root["invoice_id"], "invoice_id"),
            number: try reader.string(root["number"], "number"), customer: customer,
            period: period, issueDate: issueDate, currency: currency, lines: lines,
            subtotal: try money(root["subtotal"], "subtotal"), discounts: discounts, tax: tax,
            total: try money(root["total"], "total"),
            creditsApplied: try money(root["credits_applied"], "credits_applied"),
            amountDue: try money(root["amount_due"], "amount_due"))
    }
}

extension InvoiceDocument {
    /// The document as it stands once `correction` (a credit note or supplementary invoice of
    /// SPEC §9) is added: each line and figure moved by the correction's difference, lines that
    /// appeared appended and lines that vanished dropped. Credits applied stay; the amount due
    /// moves with the total (a credit note reduces what is owed). What `diff` compares, so two
    /// runs of a finalized period show what the customer is billed in each.
    public func adding(_ correction: CorrectionDocument) throws -> InvoiceDocument {
        var lines = self.lines
        for change in correction.draft.lines {
            let index = lines.firstIndex { $0.0 == change.key }
            let current = index.map { lines[$0].1 } ?? .absent
            let sum = LineFigures(
                quantity: try current.quantity + change.quantityDelta,
                amountExact: try current.amountExact + change.amountExactDelta,
                amount: try current.amount + change.amountDelta)
            switch (index, change.vanished && sum == .absent) {
            case (let index?, true): lines.remove(at: index)
            case (let index?, false): lines[index].1 = sum
            case (nil, _): lines.append((change.key, sum))
            }
        }
        let draft = correction.draft
        let deltas: [String: Rational] = [
            "subtotal": draft.subtotal, "discounts": draft.discounts, "tax": draft.tax,
            "total": draft.total, "amount_due": draft.total,
        ]
        var figures: [(String, Rational)] = []
        for (name, value) in self.figures {
            figures.append((name, try value + (deltas[name] ?? .zero)))
        }
        return InvoiceDocument(
            invoiceID: invoiceID, number: number, customer: customer, issueDate: issueDate,
            currency: currency, amountScale: amountScale, lines: lines, figures: figures)
    }
}

import Pricing

/// A correction document (`corrections/<number>.json`, SPEC §9): a credit note or a
/// supplementary invoice holding, line by line, the difference from what the customer was
/// billed so far to the new result. Encoded by `bytes()`, decoded by `decode(_:)`, side by side;
/// a decoded document encodes to the same bytes.
public struct CorrectionDocument: Sendable {
    /// `<period>-C000001` or `<period>-S000001`.
    public let number: String
    public let customer: String
    /// The number of the invoice it corrects.
    public let corrects: String
    /// The period's bounds as the invoice writes them.
    public let periodStart: String
    public let periodEnd: String
    public let issueDate: String
    public let currency: String
    /// Digits after the decimal point of the currency's amounts.
    public let amountScale: Int
    public let draft: CorrectionDraft

    public init(
        number: String, customer: String, corrects: String, periodStart: String,
        periodEnd: String, issueDate: String, currency: String, amountScale: Int,
        draft: CorrectionDraft
    ) {
        self.number = number
        self.customer = customer
        self.corrects = corrects
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.issueDate = issueDate
        self.currency = currency
        self.amountScale = amountScale
        self.draft = draft
    }

    /// An exact value as documents write it; amounts with exactly `scale` digits.
    public static func text(_ value: Rational, scale: Int? = nil) -> String {
        guard let scale else { return value.description }
        // Amounts are differences of amounts already rounded to `scale`: they end there.
        let significand = (try? value.significand(atScale: scale, rule: .down)) ?? 0
        return DecimalText.format(significand: significand, scale: scale, minimumScale: scale)
    }

    /// The document as pretty JSON with a final newline; keys in a fixed order.
    public func bytes() -> [UInt8] {
        var writer = JSONWriter(pretty: true)
        func figures(_ name: String, _ figures: LineFigures?) {
            writer.key(name)
            guard let figures else { return writer.null() }
            writer.beginObject()
            writer.key("quantity")
            writer.string(Self.text(figures.quantity))
            writer.key("amount_exact")
            writer.string(Self.text(figures.amountExact))
            writer.key("amount")
            writer.string(Self.text(figures.amount, scale: amountScale))
            writer.endObject()
        }
        writer.beginObject()
        writer.key("type")
        writer.string(draft.kind.rawValue)
        writer.key("number")
        writer.string(number)
        writer.key("customer")
        writer.string(customer)
        writer.key("corrects")
        writer.string(corrects)
        writer.key("period")
        writer.beginObject()
        writer.key("start")
        writer.string(periodStart)
        writer.key("end")
        writer.string(periodEnd)
        writer.endObject()
        writer.key("issue_date")
        writer.string(issueDate)
        writer.key("currency")
        writer.string(currency)
        writer.key("lines")
        writer.beginArray()
        for line in draft.lines {
            writer.beginObject()
            writer.lineChangeKey(line)
            writer.key("quantity")
            writer.string(Self.text(line.quantityDelta))
            writer.key("amount_exact")
            writer.string(Self.text(line.amountExactDelta))
            writer.key("amount")
            writer.string(Self.text(line.amountDelta, scale: amountScale))
            figures("before", line.before)
            figures("after", line.after)
            writer.endObject()
        }
        writer.endArray()
        for (name, value) in [
            ("subtotal", draft.subtotal), ("discounts", draft.discounts), ("tax", draft.tax),
            ("total", draft.total), ("credits_applied", .zero), ("amount_due", draft.total),
        ] {
            writer.key(name)
            writer.string(Self.text(value, scale: amountScale))
        }
        writer.endObject()
        writer.endLine()
        return writer.bytes
    }

    /// Reads a document written by `bytes()`. Throws `DocumentError` naming the field.
    public static func decode(_ bytes: [UInt8]) throws(DocumentError) -> CorrectionDocument {
        let root = try DocumentReader.parse(bytes)
        let reader = DocumentReader()
        let customer = try reader.string(root["customer"], "customer")
        let kindText = try reader.string(root["type"], "type")
        guard let kind = CorrectionKind(rawValue: kindText) else {
            throw DocumentError(
                field: "type", problem: "not credit_note or supplementary_invoice")
        }
        func figures(_ value: JSONValue?, _ field: String) throws(DocumentError) -> LineFigures? {
            guard let value, value != .null else { return nil }
            return LineFigures(
                quantity: try reader.exact(value["quantity"], "\(field).quantity"),
                amountExact: try reader.exact(value["amount_exact"], "\(field).amount_exact"),
                amount: try reader.exact(value["amount"], "\(field).amount"))
        }
        var lines: [LineChange] = []
        for (index, value) in try reader.array(root["lines"], "lines").enumerated() {
            let field = "lines[\(index)]"
            let (key, delta) = try reader.line(value, customer: customer, field: field)
            let before = try figures(value["before"], "\(field).before")
            let after = try figures(value["after"], "\(field).after")
            guard before != nil || after != nil else {
                throw DocumentError(field: field, problem: "neither before nor after")
            }
            lines.append(
                LineChange(
                    key: key, before: before, after: after, quantityDelta: delta.quantity,
                    amountExactDelta: delta.amountExact, amountDelta: delta.amount))
        }
        let total = try reader.exact(root["total"], "total")
        return CorrectionDocument(
            number: try reader.string(root["number"], "number"), customer: customer,
            corrects: try reader.string(root["corrects"], "corrects"),
            periodStart: try reader.string(root["period"]?["start"], "period.start"),
            periodEnd: try reader.string(root["period"]?["end"], "period.end"),
            issueDate: try reader.string(root["issue_date"], "issue_date"),
            currency: try reader.string(root["currency"], "currency"),
            amountScale: DocumentReader.scale(try reader.string(root["total"], "total")),
            draft: CorrectionDraft(
                kind: kind, lines: lines,
                subtotal: try reader.exact(root["subtotal"], "subtotal"),
                discounts: try reader.exact(root["discounts"], "discounts"),
                tax: try reader.exact(root["tax"], "tax"), total: total))
    }
}

extension JSONWriter {
    /// The key of a changed line and what happened to it, as correction documents and `diff`
    /// write them: `plan`, `charge`, `kind`, `group` (an object), `change` (`changed`,
    /// `appeared` or `vanished`).
    public mutating func lineChangeKey(_ line: LineChange) {
        key("plan")
        string(line.key.plan)
        key("charge")
        string(line.key.charge)
        key("kind")
        string(line.key.kind)
        key("group")
        beginObject()
        for dimension in line.key.group {
            key(dimension.key)
            string(dimension.value)
        }
        endObject()
        key("change")
        string(line.appeared ? "appeared" : line.vanished ? "vanished" : "changed")
    }
}

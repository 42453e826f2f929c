import Formats
import Pricing

extension Diff.Report {
    /// The number shown for an exact value: a decimal with at least `scale` digits after the
    /// point (amounts as their documents show them), or `n/d` for a value that does not end.
    static func text(_ value: Rational, scale: Int = 0) -> String {
        guard let ends = value.terminatingScale,
            let significand = try? value.significand(atScale: max(ends, scale), rule: .down)
        else { return value.description }
        return DecimalText.format(
            significand: significand, scale: max(ends, scale), minimumScale: scale)
    }

    /// A difference with its sign: `+12.30`, `-1`, `0`.
    static func signed(_ value: Rational, scale: Int = 0) -> String {
        (value.isNegative || value.isZero ? "" : "+") + text(value, scale: scale)
    }

    static func short(_ digest: String?) -> String {
        digest.map { String($0.prefix(12)) } ?? "(none)"
    }

    /// The one-screen summary, then the details: why (options, files, counts), then customer
    /// by customer, line by line.
    public func text() -> String {
        var out: [String] = []
        let verdict =
            identical
            ? "identical outputs"
            : "\(customers.count) of \(customersCompared) customers changed"
        var head = "\(stage) diff \(before) → \(after): \(verdict)"
        if !totals.isEmpty {
            head +=
                "; total "
                + totals.map { code, delta in
                    let scale = customers.first { $0.currency == code }?.amountScale ?? 0
                    return "\(code) \(Self.signed(delta, scale: scale))"
                }.joined(separator: ", ")
        }
        out.append(head)
        if !options.isEmpty || !files.isEmpty || !counts.isEmpty {
            out.append("why:")
            for option in options {
                out.append(
                    "  option \(option.name): \(option.before ?? "null") → "
                        + "\(option.after ?? "null")")
            }
            for file in files {
                out.append(
                    "  \(file.role) \(file.name): \(Self.short(file.before)) → "
                        + "\(Self.short(file.after))")
            }
            for count in counts {
                out.append(
                    "  count \(count.name): \(Self.text(count.before)) → "
                        + "\(Self.text(count.after)) (\(Self.signed(count.delta)))")
            }
        }
        for customer in customers {
            let scale = customer.amountScale
            var title = "\(customer.customer)"
            if customer.before == customer.after, let number = customer.before {
                title += " \(number)"
            } else if customer.before != nil || customer.after != nil {
                title +=
                    " \(customer.before ?? "(no invoice)") → \(customer.after ?? "(no invoice)")"
            }
            out.append(
                "\(title) (\(customer.currency)): total "
                    + Self.signed(customer.totalDelta, scale: scale))
            for line in customer.lines {
                if let after = line.after, line.before == nil {
                    out.append(
                        "  + \(line.key): quantity \(Self.text(after.quantity)), amount "
                            + "\(Self.text(after.amount, scale: scale)) (appeared)")
                } else if let before = line.before, line.after == nil {
                    out.append(
                        "  - \(line.key): quantity \(Self.text(before.quantity)), amount "
                            + "\(Self.text(before.amount, scale: scale)) (vanished)")
                } else if let before = line.before, let after = line.after {
                    var parts: [String] = []
                    if !line.quantityDelta.isZero {
                        parts.append(
                            "quantity \(Self.text(before.quantity)) → "
                                + "\(Self.text(after.quantity)) "
                                + "(\(Self.signed(line.quantityDelta)))")
                    }
                    if !line.amountDelta.isZero {
                        parts.append(
                            "amount \(Self.text(before.amount, scale: scale)) → "
                                + "\(Self.text(after.amount, scale: scale)) "
                                + "(\(Self.signed(line.amountDelta, scale: scale)))")
                    }
                    if !line.amountExactDelta.isZero {
                        parts.append(
                            "exact \(Self.text(before.amountExact)) → "
                                + "\(Self.text(after.amountExact))")
                    }
                    out.append("  ~ \(line.key): " + parts.joined(separator: "; "))
                }
            }
            for figure in customer.figures {
                out.append(
                    "  \(figure.name) \(Self.text(figure.before, scale: scale)) → "
                        + "\(Self.text(figure.after, scale: scale)) "
                        + "(\(Self.signed(figure.delta, scale: scale)))")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The same report for machines: one JSON object, exact values as strings.
    public func json() -> [UInt8] {
        var writer = JSONWriter(pretty: true)
        func figure(
            _ name: String, _ before: Rational?, _ after: Rational?, _ delta: Rational, scale: Int
        ) {
            writer.key(name)
            writer.beginObject()
            writer.key("before")
            if let before { writer.string(Self.text(before, scale: scale)) } else { writer.null() }
            writer.key("after")
            if let after { writer.string(Self.text(after, scale: scale)) } else { writer.null() }
            writer.key("delta")
            writer.string(Self.signed(delta, scale: scale))
            writer.endObject()
        }
        writer.beginObject()
        writer.key("stage")
        writer.string(stage)
        writer.key("identical")
        writer.bool(identical)
        writer.key("customers_compared")
        writer.integer(customersCompared)
        writer.key("customers_changed")
        writer.integer(customers.count)
        writer.key("total_delta")
        writer.beginObject()
        for (code, delta) in totals {
            writer.key(code)
            let scale = customers.first { $0.currency == code }?.amountScale ?? 0
            writer.string(Self.signed(delta, scale: scale))
        }
        writer.endObject()
        writer.key("options")
        writer.beginArray()
        for option in options {
            writer.beginObject()
            writer.key("name")
            writer.string(option.name)
            writer.key("before")
            if let value = option.before { writer.string(value) } else { writer.null() }
            writer.key("after")
            if let value = option.after { writer.string(value) } else { writer.null() }
            writer.endObject()
        }
        writer.endArray()
        writer.key("files")
        writer.beginArray()
        for file in files {
            writer.beginObject()
            writer.key("role")
            writer.string(file.role)
            writer.key("name")
            writer.string(file.name)
            writer.key("before_sha256")
            if let value = file.before { writer.string(value) } else { writer.null() }
            writer.key("after_sha256")
            if let value = file.after { writer.string(value) } else { writer.null() }
            writer.endObject()
        }
        writer.endArray()
        writer.key("counts")
        writer.beginObject()
        for count in counts { figure(count.name, count.before, count.after, count.delta, scale: 0) }
        writer.endObject()
        writer.key("customers")
        writer.beginArray()
        for customer in customers {
            let scale = customer.amountScale
            writer.beginObject()
            writer.key("customer")
            writer.string(customer.customer)
            if customer.before != nil || customer.after != nil {
                writer.key("number_before")
                if let value = customer.before { writer.string(value) } else { writer.null() }
                writer.key("number_after")
                if let value = customer.after { writer.string(value) } else { writer.null() }
            }
            writer.key("currency")
            writer.string(customer.currency)
            writer.key("total_delta")
            writer.string(Self.signed(customer.totalDelta, scale: scale))
            writer.key("lines")
            writer.beginArray()
            for line in customer.lines {
                writer.beginObject()
                writer.lineChangeKey(line)
                figure(
                    "quantity", line.before?.quantity, line.after?.quantity, line.quantityDelta,
                    scale: 0)
                figure(
                    "amount_exact", line.before?.amountExact, line.after?.amountExact,
                    line.amountExactDelta, scale: 0)
                figure(
                    "amount", line.before?.amount, line.after?.amount, line.amountDelta,
                    scale: scale)
                writer.endObject()
            }
            writer.endArray()
            writer.key("figures")
            writer.beginObject()
            for change in customer.figures {
                figure(change.name, change.before, change.after, change.delta, scale: scale)
            }
            writer.endObject()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        writer.endLine()
        return writer.bytes
    }
}

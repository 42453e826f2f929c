import Pricing

/// `invoice-lines.csv`: one row per line of every invoice and correction document of the run,
/// for loading typed (DuckDB, pandas). Invoices in number order, then corrections in number
/// order (`<period>-000001` sorts before `<period>-C000001` and `-S000001` bytewise anyway);
/// within a document its lines in key order. Decimals are plain (never a fraction or an
/// exponent) so every column casts to DECIMAL; the exact values stay beside them as text.
public enum InvoiceLinesCSV {
    /// The columns, in order.
    public static let header = [
        "number", "type", "corrects", "customer", "currency", "plan", "charge", "kind", "group",
        "quantity", "quantity_exact", "unit_price", "amount", "amount_exact", "amount_exact_text",
    ]

    /// Fractional digits of the rounded decimal columns (`quantity`, `amount_exact`): what a
    /// DECIMAL(38,12) holds.
    public static let decimalPlaces = 12

    /// Writes the file: `invoices` (any order) then `corrections` (any order), each sorted here.
    /// `plans` (the catalog's) leave `unit_price` empty on percentage lines
    /// (`RatedLine.unitPrice(charge:)`).
    public static func write(
        invoices: [Invoice], corrections: [CorrectionDocument], plans: [String: Plan] = [:],
        to output: ByteOutput
    ) throws {
        var text = CSVText.row(header)
        func flush() throws {
            if text.utf8.count >= OutputBytes.chunkBytes {
                try output.write(text)
                text.removeAll(keepingCapacity: true)
            }
        }
        let sortedInvoices = invoices.sorted {
            $0.number.utf8.lexicographicallyPrecedes($1.number.utf8)
        }
        for invoice in sortedInvoices {
            for line in invoice.lines.sorted(by: { BillableLineKey($0) < BillableLineKey($1) }) {
                text += CSVText.row([
                    invoice.number, "invoice", "", invoice.customer.id, invoice.currency.code,
                    line.plan, line.charge, line.kind.rawValue, group(line.group),
                    try decimal(line.quantity), line.quantity.description,
                    line.unitPrice(
                        charge: plans[line.plan]?.charges.first { $0.key == line.charge }
                    )?.description ?? "", line.amount.description,
                    try decimal(line.amountExact), line.amountExact.description,
                ])
            }
            try flush()
        }
        let sortedCorrections = corrections.sorted {
            $0.number.utf8.lexicographicallyPrecedes($1.number.utf8)
        }
        for document in sortedCorrections {
            // A correction's rows are its differences, line by line (SPEC §9).
            for change in document.draft.lines.sorted(by: { $0.key < $1.key }) {
                text += CSVText.row([
                    document.number, document.draft.kind.rawValue, document.corrects,
                    document.customer, document.currency, change.key.plan, change.key.charge,
                    change.key.kind, group(change.key.group), try decimal(change.quantityDelta),
                    change.quantityDelta.description, "",
                    CorrectionDocument.text(change.amountDelta, scale: document.amountScale),
                    try decimal(change.amountExactDelta), change.amountExactDelta.description,
                ])
            }
            try flush()
        }
        try output.write(text)
    }

    /// `value` rounded half up to `decimalPlaces`, trailing zeros dropped: `0.100391388889`.
    static func decimal(_ value: Rational) throws -> String {
        DecimalText.format(
            significand: try value.significand(atScale: decimalPlaces, rule: .halfUp),
            scale: decimalPlaces, minimumScale: 0)
    }

    /// A group as one stable string: `key=value` pairs sorted by key, joined by `;`; `%`, `;`
    /// and `=` inside a key or value written as `%25`, `%3B`, `%3D`, so the string splits back
    /// unambiguously. Empty for a line without groups.
    public static func group(_ dimensions: [Dimension]) -> String {
        func escaped(_ text: String) -> String {
            var result = ""
            for character in text {
                switch character {
                case "%": result += "%25"
                case ";": result += "%3B"
                case "=": result += "%3D"
                default: result.append(character)
                }
            }
            return result
        }
        return dimensions.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { escaped($0.key) + "=" + escaped($0.value) }.joined(separator: ";")
    }
}

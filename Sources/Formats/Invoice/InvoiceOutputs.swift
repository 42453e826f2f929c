import Pricing

/// Encodes the invoice stage's documents (SPEC §7, §8.2): keys in a fixed order, money with
/// exactly the currency's minor units, lines sorted by stated keys. The closing wallets, which
/// the next period reads back, are encoded in `Sources/Formats/Records/WalletRecord.swift`.
public enum InvoiceOutputs {
    /// `invoices/<customer>.json`, pretty-printed.
    public static func invoiceJSON(_ invoice: Invoice) -> [UInt8] {
        var writer = JSONWriter(pretty: true)
        writer.beginObject()
        writer.key("invoice_id")
        writer.string(invoice.invoiceID)
        writer.key("number")
        writer.string(invoice.number)
        writer.key("customer")
        writer.string(invoice.customer.id)
        writer.key("period")
        writer.beginObject()
        writer.key("start")
        writer.string(invoice.period.startText)
        writer.key("end")
        writer.string(invoice.period.endText)
        writer.endObject()
        writer.key("issue_date")
        writer.string(invoice.issueDate.description)
        writer.key("currency")
        writer.string(invoice.currency.code)
        writer.key("lines")
        writer.beginArray()
        for line in invoice.lines {
            RateOutputs.writeLine(line, period: nil, into: &writer)
        }
        writer.endArray()
        writer.key("subtotal")
        writer.string(invoice.subtotal.description)
        writer.key("discounts")
        writer.beginArray()
        for discount in invoice.discounts {
            writer.beginObject()
            writer.key("key")
            writer.string(discount.key)
            writer.key("amount")
            writer.string(discount.amount.description)
            writer.endObject()
        }
        writer.endArray()
        writer.key("tax")
        if let tax = invoice.tax {
            writer.beginObject()
            writer.key("name")
            writer.string(tax.name)
            writer.key("rate")
            writer.string(tax.rate.description)
            writer.key("base")
            writer.string(tax.base.description)
            writer.key("amount")
            writer.string(tax.amount.description)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.key("total")
        writer.string(invoice.total.description)
        writer.key("credits_applied")
        writer.string(invoice.creditsApplied.description)
        writer.key("amount_due")
        writer.string(invoice.amountDue.description)
        writer.endObject()
        writer.endLine()
        return writer.bytes
    }

    static let csvHeader = [
        "invoice_id", "number", "customer", "issue_date", "period_start", "period_end", "currency",
        "lines", "subtotal", "discounts", "tax_name", "tax_rate", "tax_base", "tax", "total",
        "credits_applied", "amount_due",
    ]

    /// `invoices.csv`: one row per invoice, in number order, loadable as is by a spreadsheet or
    /// DuckDB (header row, RFC 4180 quoting, plain decimals).
    public static func invoicesCSV(_ invoices: [Invoice]) throws -> [UInt8] {
        let output = OutputBytes()
        try invoicesCSV(invoices, to: output)
        return output.bytes
    }

    /// `invoicesCSV(_:)` written to `output` in pieces of about `chunkBytes`.
    public static func invoicesCSV(_ invoices: [Invoice], to output: ByteOutput) throws {
        var text = CSVText.row(csvHeader)
        for invoice in invoices {
            var discounts = Money.zero(invoice.currency)
            for discount in invoice.discounts { discounts = try discounts + discount.amount }
            text += CSVText.row([
                invoice.invoiceID, invoice.number, invoice.customer.id,
                invoice.issueDate.description,
                invoice.period.startText, invoice.period.endText, invoice.currency.code,
                String(invoice.lines.count), invoice.subtotal.description, discounts.description,
                invoice.tax?.name ?? "", invoice.tax?.rate.description ?? "",
                invoice.tax?.base.description ?? invoice.discountedSubtotal.description,
                invoice.tax?.amount.description ?? Money.zero(invoice.currency).description,
                invoice.total.description, invoice.creditsApplied.description,
                invoice.amountDue.description,
            ])
            if text.utf8.count >= chunkBytes {
                try output.write(text)
                text.removeAll(keepingCapacity: true)
            }
        }
        try output.write(text)
    }

    /// The size at which a writer hands its text to the output (`OutputBytes.chunkBytes`).
    static let chunkBytes = OutputBytes.chunkBytes

    /// `wallet-transactions.ndjson`: one line per balance change, in the order they happened
    /// per customer (grants, expiries, applications), customers sorted by id.
    public static func walletTransactions(_ transactions: [WalletTransaction]) -> [UInt8] {
        OutputBytes.collecting { try walletTransactions(transactions, to: $0) }
    }

    /// `walletTransactions(_:)` written to `output` in pieces of about `chunkBytes`.
    public static func walletTransactions(
        _ transactions: [WalletTransaction], to output: ByteOutput
    ) throws {
        let ordered = transactions.enumerated().sorted { left, right in
            if left.element.customer != right.element.customer {
                return left.element.customer.utf8.lexicographicallyPrecedes(
                    right.element.customer.utf8)
            }
            return left.offset < right.offset
        }.map(\.element)
        var writer = JSONWriter()
        for transaction in ordered {
            writer.beginObject()
            writer.key("idempotency_key")
            writer.string(transaction.idempotencyKey)
            writer.key("customer")
            writer.string(transaction.customer)
            writer.key("currency")
            writer.string(transaction.amount.currency.code)
            writer.key("kind")
            writer.string(transaction.kind.rawValue)
            writer.key("grant")
            writer.string(transaction.grant.id)
            writer.key("amount")
            writer.string(transaction.amount.description)
            writer.key("balance_before")
            writer.string(transaction.balanceBefore.description)
            writer.key("balance_after")
            writer.string(transaction.balanceAfter.description)
            writer.key("ts")
            writer.string(transaction.instant.rfc3339(offsetSeconds: 0))
            if let invoiceID = transaction.invoiceID {
                writer.key("invoice")
                writer.string(invoiceID)
            }
            writer.endObject()
            writer.endLine()
            if writer.bytes.count >= chunkBytes { try writer.flush(to: output) }
        }
        try writer.flush(to: output)
    }
}

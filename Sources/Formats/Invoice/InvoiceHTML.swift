import Pricing

/// Writes the human-readable invoice (`invoices/<customer>.html`, SPEC §8.2): one self-contained,
/// printable HTML5 page that a finance team can send as it is.
///
/// The page has inline CSS only: no scripts, no external fonts, images or links, so it renders
/// the same offline, in a mail client and when printed (an A4 `@page` with print margins). Every
/// figure comes from the invoice itself: money through `Money.description` followed by the
/// currency code, quantities and prices as exact decimals, or as fractions (`17/31`) where the
/// decimal does not end, with the exact value in a `title` attribute. All text from the catalog
/// and the customer file is escaped. The bytes depend only on the arguments: no clock, locale or
/// hash order.
public enum InvoiceHTML {
    /// The page for `invoice`, issued by `seller` (the seller block is left out when nil).
    ///
    /// Complexity: O(lines + tiers).
    public static func render(_ invoice: Invoice, seller: Seller?) -> [UInt8] {
        var page = Page()
        page.document(invoice, seller: seller)
        return Array(page.text.utf8)
    }

    /// The invoice page's style sheet, shared by the correction documents' pages.
    static var styleSheet: String { Page.styleSheet }

    // MARK: Numbers as text

    /// Digits kept when a value whose decimal does not end is shown approximately.
    static let approximateDigits = 6
    /// Digits kept when a tax rate whose percent does not end is shown approximately.
    static let percentApproximateDigits = 4

    /// A tax rate as a percent, computed exactly: 0.19 → `19%`, 0.075 → `7.5%`, 1/3 →
    /// `33.3333…%` (truncated; the ellipsis says the digits go on).
    static func percentText(_ rate: Rational) -> String {
        guard let percent = try? rate * Rational(100) else {
            // Only a rate near the Int128 limit overflows; show the fraction itself, unscaled.
            return "\(rate.description) × 100%"
        }
        if percent.terminatingScale != nil { return percent.description + "%" }
        return approximateText(percent, digits: percentApproximateDigits) + "%"
    }

    /// `value` truncated (toward zero) to `digits` fractional digits, then `…`: `26.870967…`.
    static func approximateText(_ value: Rational, digits: Int) -> String {
        guard let significand = try? value.significand(atScale: digits, rule: .down) else {
            return value.description
        }
        return DecimalText.format(significand: significand, scale: digits, minimumScale: 0) + "…"
    }

    /// An exact value for display: the decimal when it ends (`0.0004`, `1200000`), otherwise the
    /// fraction in lowest terms (`17/31`), as `Rational.description` writes it.
    static func exactText(_ value: Rational) -> String { value.description }

    /// A value as the currency shows it: exactly when it fits the minor units (`0.00`, `436.00`),
    /// otherwise rounded half up for display only (`26.87` for 833/31), with `isExact` false so
    /// the caller can say so. The billed figure is always the line's own `amount`.
    static func currencyText(
        _ value: Rational, currency: Currency
    ) -> (text: String, isExact: Bool) {
        let digits = currency.minorUnitDigits
        let isExact = (value.terminatingScale ?? Int.max) <= digits
        guard let significand = try? value.significand(atScale: digits, rule: .halfUp) else {
            return (value.description, true)
        }
        let text = DecimalText.format(significand: significand, scale: digits, minimumScale: digits)
        return (text, isExact)
    }

    /// Money as printed: `Money.description` and the currency code, `436.00 EUR`.
    static func moneyText(_ money: Money) -> String {
        money.description + " " + money.currency.code
    }

    // MARK: Dates

    static let monthAbbreviations = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// `1 Oct 2026`: English month abbreviations, so the day and month cannot be confused.
    static func dateText(_ date: CivilDate) -> String {
        "\(date.day) \(monthAbbreviations[date.month - 1]) \(date.year)"
    }

    // MARK: Escaping

    /// `text` safe inside an element or a double- or single-quoted attribute.
    static func escaped(_ text: String) -> String {
        // Most text (ids, numbers, dates) has nothing to escape: return it as it is.
        let special = text.utf8.contains { byte in
            byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == 0
        }
        if !special { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            // The HTML parser turns NUL into U+FFFD anyway; doing it here keeps bytes valid.
            case "\u{0}": result.unicodeScalars.append("\u{FFFD}")
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// What a line's kind means to a reader.
    static func kindText(_ kind: LineKind) -> String {
        switch kind {
        case .usage: return "usage"
        case .recurring: return "recurring fee"
        case .minimumTrueUp: return "minimum commitment true-up"
        }
    }
}

/// Builds the page text in document order.
private struct Page {
    var text = ""

    mutating func line(_ fragment: String) {
        text += fragment
        text += "\n"
    }

    /// `<tag class="…">escaped text</tag>`.
    func element(_ tag: String, _ content: String, className: String? = nil) -> String {
        let classAttribute = className.map { " class=\"\($0)\"" } ?? ""
        return "<\(tag)\(classAttribute)>\(InvoiceHTML.escaped(content))</\(tag)>"
    }

    mutating func document(_ invoice: Invoice, seller: Seller?) {
        // The style sheet and a few lines: one allocation instead of a dozen regrowths.
        text.reserveCapacity(Page.styleSheet.utf8.count + 4096 + invoice.lines.count * 1024)
        let title = "Invoice " + invoice.number
            + (seller.map { " from " + $0.name } ?? "")
        line("<!DOCTYPE html>")
        line("<html lang=\"en\">")
        line("<head>")
        line("<meta charset=\"utf-8\">")
        line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        line("<title>\(InvoiceHTML.escaped(title))</title>")
        line("<style>")
        text += Page.styleSheet
        line("</style>")
        line("</head>")
        line("<body>")
        line("<main class=\"page\">")
        header(invoice, seller: seller)
        parties(invoice)
        lines(invoice)
        // Totals and the payment note as one block, so a page break never strands the note.
        line("<section class=\"summary\">")
        totals(invoice)
        footer(invoice)
        line("</section>")
        line("</main>")
        line("</body>")
        line("</html>")
    }

    mutating func header(_ invoice: Invoice, seller: Seller?) {
        line("<header class=\"top\">")
        line("<div class=\"title\">")
        line("<h1>Invoice</h1>")
        line(element("p", invoice.number, className: "number"))
        line("</div>")
        if let seller {
            line("<address class=\"party seller\">")
            line(element("strong", seller.name, className: "name"))
            address(seller.address)
            if let taxID = seller.taxID { line(taxLine(taxID)) }
            line("</address>")
        }
        line("</header>")
    }

    /// The bill-to block beside the invoice facts.
    mutating func parties(_ invoice: Invoice) {
        let customer = invoice.customer
        line("<section class=\"parties\">")
        line("<address class=\"party bill-to\">")
        line("<h2>Bill to</h2>")
        line(element("strong", customer.name ?? customer.id, className: "name"))
        address(customer.address)
        if let taxID = customer.taxID { line(taxLine(taxID)) }
        line("<span class=\"detail\">Customer ID " + InvoiceHTML.escaped(customer.id) + "</span>")
        line("</address>")

        line("<table class=\"facts\">")
        fact("Invoice number", InvoiceHTML.escaped(invoice.number))
        fact("Invoice ID", InvoiceHTML.escaped(invoice.invoiceID))
        fact("Issue date", time(invoice.issueDate))
        let period = invoice.period
        // The exact instants (end exclusive) for anyone reconciling with `rated.ndjson`.
        let instants = period.startText + " to " + period.endText + " (end exclusive)"
        fact(
            "Service period",
            "<span title=\"\(InvoiceHTML.escaped(instants))\">" + time(period.startDate)
                + " – " + time(period.endDate.adding(days: -1)) + "</span>"
                + "<br><span class=\"detail\">"
                + InvoiceHTML.escaped(customer.timeZone.identifier) + " local dates</span>")
        fact("Currency", InvoiceHTML.escaped(invoice.currency.code))
        line(
            "<tr class=\"due\"><th scope=\"row\">Amount due</th><td>"
                + InvoiceHTML.escaped(InvoiceHTML.moneyText(invoice.amountDue)) + "</td></tr>")
        line("</table>")
        line("</section>")
    }

    /// One row of the facts table; `valueHTML` is already escaped.
    mutating func fact(_ label: String, _ valueHTML: String) {
        line("<tr><th scope=\"row\">\(label)</th><td>\(valueHTML)</td></tr>")
    }

    /// `<time datetime="2026-10-31">31 Oct 2026</time>`.
    func time(_ date: CivilDate) -> String {
        "<time datetime=\"\(date.description)\">\(InvoiceHTML.dateText(date))</time>"
    }

    func taxLine(_ taxID: String) -> String {
        "<span class=\"detail\">Tax ID " + InvoiceHTML.escaped(taxID) + "</span>"
    }

    /// Street, postal code and city, country: one line each (a street may hold line breaks,
    /// which the `address` style keeps).
    mutating func address(_ address: Address?) {
        guard let address else { return }
        line("<span class=\"street\">\(InvoiceHTML.escaped(address.street))</span>")
        line("<span>\(InvoiceHTML.escaped(address.postalCode + " " + address.city))</span>")
        line("<span>\(InvoiceHTML.escaped(address.country))</span>")
    }

    mutating func lines(_ invoice: Invoice) {
        let currency = invoice.currency
        line("<table class=\"lines\">")
        line("<colgroup><col class=\"charge\"><col class=\"plan\"><col class=\"group\">"
            + "<col class=\"quantity\"><col class=\"amount\"></colgroup>")
        line("<thead><tr><th scope=\"col\">Charge</th><th scope=\"col\">Plan</th>"
            + "<th scope=\"col\">Group</th><th scope=\"col\" class=\"num\">Quantity</th>"
            + "<th scope=\"col\" class=\"num\">Amount</th></tr></thead>")
        for rated in invoice.lines {
            // One body per line so a page break never separates a line from its tiers.
            line("<tbody>")
            line("<tr class=\"line\">")
            line("<td>" + InvoiceHTML.escaped(rated.charge) + "<span class=\"kind\">"
                + InvoiceHTML.escaped(InvoiceHTML.kindText(rated.kind)) + "</span></td>")
            line("<td>" + InvoiceHTML.escaped(rated.plan) + "</td>")
            line("<td>" + groupHTML(rated.group) + "</td>")
            line("<td class=\"num\">" + numberHTML(rated.quantity) + "</td>")
            line("<td class=\"num\">" + InvoiceHTML.escaped(InvoiceHTML.moneyText(rated.amount))
                + "</td>")
            line("</tr>")
            for tier in rated.tiers {
                line("<tr class=\"tier\"><td colspan=\"5\">" + tierHTML(tier, currency: currency)
                    + "</td></tr>")
            }
            line("</tbody>")
        }
        line("</table>")
    }

    /// `region: eu` per dimension, or a dash when the line has no group.
    func groupHTML(_ group: [Dimension]) -> String {
        if group.isEmpty { return "<span class=\"none\">—</span>" }
        return group.map {
            "<span class=\"dimension\">" + InvoiceHTML.escaped($0.key) + ": "
                + InvoiceHTML.escaped($0.value) + "</span>"
        }.joined(separator: " ")
    }

    /// An exact number; a fraction carries its decimal approximation in a title.
    func numberHTML(_ value: Rational) -> String {
        let exact = InvoiceHTML.escaped(InvoiceHTML.exactText(value))
        if value.terminatingScale != nil { return exact }
        let approximate = InvoiceHTML.approximateText(value, digits: InvoiceHTML.approximateDigits)
        return "<span class=\"fraction\" title=\"≈ \(InvoiceHTML.escaped(approximate))\">"
            + exact + "</span>"
    }

    /// `17/31 × 49 ≈ 26.87`, `10000 × 0.02 + 5 flat = 205.00`: `=` when the shown amount is
    /// the exact amount, `≈` when it is rounded for display (the exact value in a title).
    func tierHTML(_ tier: TierAmount, currency: Currency) -> String {
        var html = numberHTML(tier.quantity) + " × " + numberHTML(tier.unitPrice)
        if let flatPrice = tier.flatPrice { html += " + " + numberHTML(flatPrice) + " flat" }
        let shown = InvoiceHTML.currencyText(tier.amount, currency: currency)
        if shown.isExact { return html + " = " + InvoiceHTML.escaped(shown.text) }
        let exact = "exact " + InvoiceHTML.exactText(tier.amount) + ", ≈ "
            + InvoiceHTML.approximateText(tier.amount, digits: InvoiceHTML.approximateDigits)
        return html + " ≈ <span class=\"fraction\" title=\"\(InvoiceHTML.escaped(exact))\">"
            + InvoiceHTML.escaped(shown.text) + "</span>"
    }

    mutating func totals(_ invoice: Invoice) {
        line("<table class=\"totals\">")
        total("Subtotal", invoice.subtotal)
        for discount in invoice.discounts {
            total("Discount (" + InvoiceHTML.escaped(discount.key) + ")", discount.amount)
        }
        if let tax = invoice.tax {
            total(
                InvoiceHTML.escaped(tax.name) + " " + InvoiceHTML.percentText(tax.rate) + " on "
                    + InvoiceHTML.escaped(InvoiceHTML.moneyText(tax.base)), tax.amount)
        }
        total("Total", invoice.total, className: "total")
        // Shown negative: credits are taken off the total.
        total("Credits applied", invoice.creditsApplied.negated)
        total("Amount due", invoice.amountDue, className: "due")
        line("</table>")
    }

    /// One totals row; `labelHTML` is already escaped.
    mutating func total(_ labelHTML: String, _ money: Money, className: String? = nil) {
        let classAttribute = className.map { " class=\"\($0)\"" } ?? ""
        line("<tr\(classAttribute)><th scope=\"row\">\(labelHTML)</th><td class=\"num\">"
            + InvoiceHTML.escaped(InvoiceHTML.moneyText(money)) + "</td></tr>")
    }

    mutating func footer(_ invoice: Invoice) {
        line("<footer>")
        line("<p>Please quote invoice number <strong>" + InvoiceHTML.escaped(invoice.number)
            + "</strong> with your payment. All amounts in "
            + InvoiceHTML.escaped(invoice.currency.code) + ".</p>")
        line("</footer>")
    }

    /// Screen: a sheet of A4 on a grey desk. Print: the sheet alone, with the `@page` margins.
    static let styleSheet = """
        @page { size: A4; margin: 16mm 15mm 18mm 15mm; }
        * { box-sizing: border-box; }
        html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        body { margin: 0; background: #e9ebee; color: #1d2125;
          font: 10pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
            Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
        .page { width: 210mm; min-height: 297mm; margin: 10mm auto; padding: 16mm 15mm 18mm;
          background: #fff; box-shadow: 0 1px 6px rgba(0, 0, 0, 0.18); }
        h1 { margin: 0; font-size: 22pt; font-weight: 600; letter-spacing: 0.02em; }
        h2 { margin: 0 0 1.5mm; font-size: 8pt; font-weight: 600; color: #5d6670;
          text-transform: uppercase; letter-spacing: 0.08em; }
        .top { display: flex; justify-content: space-between; align-items: flex-start;
          gap: 10mm; padding-bottom: 6mm; border-bottom: 2px solid #1d2125; }
        .number { margin: 1mm 0 0; font-size: 11pt; color: #5d6670;
          font-variant-numeric: tabular-nums; }
        address { font-style: normal; }
        .party { display: flex; flex-direction: column; white-space: pre-line;
          overflow-wrap: anywhere; }
        .seller { text-align: right; max-width: 80mm; }
        .party .name { font-size: 11pt; }
        .detail { color: #5d6670; }
        .parties { display: flex; justify-content: space-between; align-items: flex-start;
          gap: 10mm; margin: 7mm 0 9mm; }
        .bill-to { max-width: 80mm; }
        table { border-collapse: collapse; }
        th, td { padding: 1.4mm 2mm; vertical-align: top; text-align: left; }
        .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .facts { font-variant-numeric: tabular-nums; }
        .facts th { font-weight: normal; color: #5d6670; padding-left: 0; white-space: nowrap; }
        .facts td { padding-right: 0; overflow-wrap: anywhere; }
        .facts .due th, .facts .due td { font-weight: 600; color: #1d2125;
          border-top: 1px solid #c9ced4; white-space: nowrap; }
        .lines { width: 100%; table-layout: fixed; }
        col.charge { width: 27%; } col.plan { width: 13%; } col.group { width: 25%; }
        col.quantity { width: 17%; } col.amount { width: 18%; }
        .lines thead th { font-size: 8pt; font-weight: 600; color: #5d6670;
          text-transform: uppercase; letter-spacing: 0.06em; border-bottom: 1.5px solid #1d2125; }
        .lines thead { display: table-header-group; }
        .lines tbody { break-inside: avoid; page-break-inside: avoid;
          border-bottom: 1px solid #dde1e5; }
        .lines td { overflow-wrap: anywhere; }
        .lines thead th:first-child, .lines .line td:first-child { padding-left: 0; }
        .lines thead th:last-child, .lines .line td:last-child { padding-right: 0; }
        .lines .line td { padding-top: 2.2mm; }
        .kind { display: block; font-size: 8pt; color: #5d6670; }
        .dimension { display: block; }
        .none { color: #9aa1a9; }
        .tier td { padding: 0 2mm 0.8mm 5mm; font-size: 8.5pt; color: #5d6670;
          font-variant-numeric: tabular-nums; }
        .tier:last-child td { padding-bottom: 2.2mm; }
        .fraction { text-decoration: underline dotted #9aa1a9; text-underline-offset: 2px; }
        .summary { break-inside: avoid; page-break-inside: avoid; }
        .totals { margin: 6mm 0 0 auto; min-width: 95mm; }
        .totals th { font-weight: normal; padding-left: 0; }
        .totals td { padding-right: 0; }
        .totals .total th, .totals .total td { font-weight: 600; border-top: 1px solid #1d2125; }
        .totals .due th, .totals .due td { font-size: 12pt; font-weight: 700;
          border-top: 2px solid #1d2125; border-bottom: 2px solid #1d2125;
          padding-top: 2mm; padding-bottom: 2mm; }
        footer { margin-top: 12mm; padding-top: 3mm; border-top: 1px solid #dde1e5;
          font-size: 8.5pt; color: #5d6670; }
        footer p { margin: 0; }
        @media print {
          body { background: none; }
          .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
        }

        """
}

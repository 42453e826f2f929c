import Pricing

/// Writes the human-readable invoice (`invoices/<customer>.html`, SPEC §8.2): one self-contained,
/// printable HTML5 page that a finance team can send as it is.
///
/// The page has inline CSS only: no scripts, no external fonts, images or links (a logo is
/// embedded as a data URI), so it renders the same offline, in a mail client and when printed
/// (an A4 or Letter `@page`, with the invoice number and "Page N of M" in the page margins).
/// Amounts are written per currency (`DisplayText`: `$1,011.37`, `€110.40`, `¥44,636`),
/// quantities rounded for display with the exact value in a `title` attribute; the JSON
/// invoice keeps every exact value. Charges and plans show their catalog names, every line
/// whose amount is not quantity × price says why (`LineExplanation`). All text from the
/// catalog and the customer file is escaped. The bytes depend only on the arguments: no clock,
/// locale or hash order.
public enum InvoiceHTML {
    /// What the page says, and `invoice` warns once, when the catalog has no `seller`.
    public static let sellerMissing = "Seller details missing: add `seller` to the catalog"

    /// `sellerMissing` as a paragraph of the page, the back-quoted words as code.
    static var sellerMissingHTML: String {
        let parts = sellerMissing.split(separator: "`", omittingEmptySubsequences: false)
        let inner = parts.enumerated().map { index, part in
            index % 2 == 1 ? "<code>" + escaped(String(part)) + "</code>" : escaped(String(part))
        }.joined()
        return "<p class=\"missing\" role=\"alert\">" + inner + "</p>"
    }

    /// The page for `invoice`, issued by `seller` (nil: the page says the details are missing),
    /// explained by `settings`, with `credits` the grants that paid part of it.
    ///
    /// Complexity: O(lines + tiers + charges of the lines' plans).
    public static func render(
        _ invoice: Invoice, seller: Seller?,
        settings: InvoicePageSettings = InvoicePageSettings(), credits: [AppliedCredit] = []
    ) -> [UInt8] {
        var page = Page(settings: settings, credits: credits)
        page.document(invoice, seller: seller)
        return Array(page.text.utf8)
    }

    /// The invoice page's style sheet for `paper`, shared by the correction documents' pages.
    static func styleSheet(_ paper: Paper) -> String { Page.styleSheet(paper) }

    /// The `@page` margin boxes of invoice `number`: "Page N of M", and the number after the
    /// first page.
    static func marginBoxes(number: String) -> String { Page.marginBoxes(number: number) }

    // MARK: Numbers as text

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

    /// Money as printed: `$1,011.37`, `-€48.50`, `¥44,636` (`DisplayText.money`).
    static func moneyText(_ money: Money) -> String {
        DisplayText.money(money.exact, currency: money.currency)
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
}

/// Builds the page text in document order.
private struct Page {
    let settings: InvoicePageSettings
    let credits: [AppliedCredit]
    var text = ""

    init(settings: InvoicePageSettings, credits: [AppliedCredit]) {
        self.settings = settings
        self.credits = credits
    }

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
        let paper = settings.paper ?? Paper.forCountry(seller?.address?.country)
        let styleSheet = Page.styleSheet(paper)
        // The style sheet and a few lines: one allocation instead of a dozen regrowths.
        text.reserveCapacity(styleSheet.utf8.count + 6144 + invoice.lines.count * 1024)
        let title = "Invoice " + invoice.number
            + (seller.map { " from " + $0.name } ?? "")
        line("<!DOCTYPE html>")
        line("<html lang=\"en\">")
        line("<head>")
        line("<meta charset=\"utf-8\">")
        line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        line("<title>\(InvoiceHTML.escaped(title))</title>")
        line("<style>")
        text += styleSheet
        text += Page.marginBoxes(number: invoice.number)
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
        footer(invoice, seller: seller)
        line("</section>")
        line("</main>")
        line("</body>")
        line("</html>")
    }

    mutating func header(_ invoice: Invoice, seller: Seller?) {
        line("<header class=\"top\">")
        line("<div class=\"title\">")
        if let logo = seller?.logo {
            line(
                "<img class=\"logo\" src=\"" + InvoiceHTML.escaped(logo.dataURI) + "\" alt=\""
                    + InvoiceHTML.escaped(seller?.name ?? "") + "\">")
        }
        line("<h1>Invoice</h1>")
        line(element("p", invoice.number, className: "number"))
        line("</div>")
        if let seller {
            line("<address class=\"party seller\">")
            line(element("strong", seller.name, className: "name"))
            address(seller.address)
            if let taxID = seller.taxID { line(taxLine(taxID)) }
            if let email = seller.email { line(element("span", email, className: "contact")) }
            if let website = seller.website {
                line(element("span", website, className: "contact"))
            }
            line("</address>")
        } else {
            // Said on the page, so an invoice without an issuer is never sent unnoticed.
            line(InvoiceHTML.sellerMissingHTML)
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
        let days = customer.paymentTermsDays ?? settings.paymentTermsDays
        if let days,
            let due = PaymentTerms.dueDate(
                issueDate: invoice.issueDate, customerDays: days, catalogDays: nil)
        {
            fact("Payment terms", days == 0 ? "Due on receipt" : "Net \(days) days")
            fact("Due date", time(due))
        }
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

    static let columnCount = 6

    mutating func lines(_ invoice: Invoice) {
        let currency = invoice.currency
        // Service dates per plan, shown only when the plan changed within the period.
        let spans = invoice.customer.activeSubscriptions(in: invoice.period)
        let planChanged = Set(spans.map(\.plan)).count > 1
        line("<table class=\"lines\">")
        line("<colgroup><col class=\"charge\"><col class=\"plan\"><col class=\"quantity\">"
            + "<col class=\"unit\"><col class=\"price\"><col class=\"amount\"></colgroup>")
        line("<thead><tr><th scope=\"col\">Description</th><th scope=\"col\">Plan</th>"
            + "<th scope=\"col\" class=\"num\">Quantity</th><th scope=\"col\">Unit</th>"
            + "<th scope=\"col\" class=\"num\">Unit price</th>"
            + "<th scope=\"col\" class=\"num\">Amount</th></tr></thead>")
        for rated in invoice.lines {
            let charge = settings.charge(of: rated)
            let label = settings.display.charge(plan: rated.plan, charge: rated.charge)
            // One body per line so a page break never separates a line from its notes.
            line("<tbody>")
            line("<tr class=\"line\">")
            // The name, the group beside it (it wraps under it when long), the description.
            var description = element("span", settings.chargeName(rated), className: "name")
            if !rated.group.isEmpty { description += " " + groupHTML(rated.group) }
            if let text = label?.description {
                description += element("span", text, className: "description")
            }
            line("<td>" + description + "</td>")
            var plan = InvoiceHTML.escaped(settings.planName(rated.plan))
            if planChanged {
                for span in spans where span.plan == rated.plan {
                    plan += " <span class=\"detail dates\">"
                        + spanText(span.startDate, span.endDate.adding(days: -1)) + "</span>"
                }
            }
            line("<td>" + plan + "</td>")
            line("<td class=\"num\">" + quantityHTML(rated.quantity) + "</td>")
            // A percentage line's quantity is money; its unit names the events, in the breakdown.
            let unit = PercentageDisplay.fee(charge) == nil ? settings.unit(of: rated) : ""
            line("<td>" + InvoiceHTML.escaped(unit) + "</td>")
            let price = rated.unitPrice(charge: charge).map {
                DisplayText.unitPrice($0, currency: currency)
            }
            line("<td class=\"num\">" + InvoiceHTML.escaped(price ?? "") + "</td>")
            line("<td class=\"num\">" + InvoiceHTML.escaped(InvoiceHTML.moneyText(rated.amount))
                + "</td>")
            line("</tr>")
            let breakdown = LineExplanation.breakdown(
                rated, charge: charge, currency: currency, period: invoice.period,
                unit: label?.unit)
            if !breakdown.isEmpty {
                line("<tr class=\"tier\"><td colspan=\"\(Page.columnCount)\">"
                    + InvoiceHTML.escaped(breakdown) + "</td></tr>")
            }
            let notes = LineExplanation.notes(
                rated, charge: charge, plan: settings.plans[rated.plan], currency: currency,
                period: invoice.period, unit: label?.unit)
            for note in notes {
                line("<tr class=\"note\"><td colspan=\"\(Page.columnCount)\">"
                    + InvoiceHTML.escaped(note) + "</td></tr>")
            }
            line("</tbody>")
        }
        line("</table>")
    }

    /// Service dates short enough for the Plan column, the year left to the period above:
    /// `15–31 Oct`, `15 Oct – 14 Nov`, `1 Oct` for one day.
    func spanText(_ first: CivilDate, _ last: CivilDate) -> String {
        let month = InvoiceHTML.monthAbbreviations
        let lastText = "\(last.day) \(month[last.month - 1])"
        if first == last { return lastText }
        if first.year == last.year && first.month == last.month {
            return "\(first.day)–" + lastText
        }
        return "\(first.day) \(month[first.month - 1]) – " + lastText
    }

    /// `region: eu` per dimension.
    func groupHTML(_ group: [Dimension]) -> String {
        group.map {
            "<span class=\"dimension\">" + InvoiceHTML.escaped($0.key) + ": "
                + InvoiceHTML.escaped($0.value) + "</span>"
        }.joined(separator: " ")
    }

    /// A quantity rounded for display; where that is not the exact value, the exact value
    /// (a decimal or a fraction) is in a title.
    func quantityHTML(_ value: Rational) -> String {
        let shown = InvoiceHTML.escaped(DisplayText.quantity(value))
        if (value.terminatingScale ?? Int.max) <= DisplayText.quantityDigits { return shown }
        return "<span class=\"fraction\" title=\"exact "
            + InvoiceHTML.escaped(InvoiceHTML.exactText(value)) + "\">" + shown + "</span>"
    }

    mutating func totals(_ invoice: Invoice) {
        line("<table class=\"totals\">")
        total("Subtotal", invoice.subtotal)
        for discount in invoice.discounts {
            total("Discount: " + InvoiceHTML.escaped(discountLabel(discount, invoice)),
                discount.amount)
        }
        if let tax = invoice.tax {
            total(
                InvoiceHTML.escaped(tax.name) + " " + InvoiceHTML.percentText(tax.rate) + " on "
                    + InvoiceHTML.escaped(InvoiceHTML.moneyText(tax.base)), tax.amount)
        }
        total("Total", invoice.total, className: "total")
        // Shown negative: credits are taken off the total.
        total("Credits applied", invoice.creditsApplied.negated)
        for credit in credits {
            total(
                "from " + InvoiceHTML.escaped(credit.source) + " credit "
                    + InvoiceHTML.escaped(credit.grantID), credit.amount.negated,
                className: "credit")
        }
        total("Amount due", invoice.amountDue, className: "due")
        line("</table>")
    }

    /// `Launch 10%`: the key with a capital first letter and `_`/`-` as spaces, then the
    /// customer's percent for it (left out if the customer file no longer has the key).
    func discountLabel(_ discount: AppliedDiscount, _ invoice: Invoice) -> String {
        var name = discount.key.map { $0 == "_" || $0 == "-" ? " " : String($0) }.joined()
        if let first = name.first { name = first.uppercased() + name.dropFirst() }
        guard let percent = invoice.customer.discounts.first(where: { $0.key == discount.key })?
            .percent, let rate = try? percent / Rational(100)
        else { return name }
        return name + " " + InvoiceHTML.percentText(rate)
    }

    /// One totals row; `labelHTML` is already escaped.
    mutating func total(_ labelHTML: String, _ money: Money, className: String? = nil) {
        let classAttribute = className.map { " class=\"\($0)\"" } ?? ""
        line("<tr\(classAttribute)><th scope=\"row\">\(labelHTML)</th><td class=\"num\">"
            + InvoiceHTML.escaped(InvoiceHTML.moneyText(money)) + "</td></tr>")
    }

    mutating func footer(_ invoice: Invoice, seller: Seller?) {
        line("<footer>")
        if let bank = seller?.bank {
            line("<div class=\"payment\">")
            line("<h2>Payment details</h2>")
            switch bank {
            case .account(let iban, let bic):
                line("<p>IBAN <span class=\"account\">" + InvoiceHTML.escaped(grouped(iban))
                    + "</span>" + (bic.map { " · BIC " + InvoiceHTML.escaped($0) } ?? "")
                    + "</p>")
            case .text(let text):
                line(element("p", text, className: "bank-text"))
            }
            line("</div>")
        }
        line("<p>Please quote invoice number <strong>" + InvoiceHTML.escaped(invoice.number)
            + "</strong> with your payment. All amounts in "
            + InvoiceHTML.escaped(invoice.currency.code) + ".</p>")
        line("</footer>")
    }

    /// An IBAN in groups of four, as it is printed (ISO 13616): `IE29 AIBK 9311 …`.
    func grouped(_ iban: String) -> String {
        var result = ""
        for (index, character) in iban.enumerated() {
            if index > 0, index % 4 == 0 { result.append(" ") }
            result.append(character)
        }
        return result
    }

    /// The print margins' running text: "Page N of M" at the bottom right of every page, the
    /// invoice number at the bottom left of every page after the first (Chromium prints
    /// `@page` margin boxes and the `page`/`pages` counters since version 131).
    static func marginBoxes(number: String) -> String {
        // The number is `<period>-<6 digits>`; anything else is escaped for a CSS string.
        var quoted = ""
        for scalar in number.unicodeScalars {
            let value = scalar.value
            let plain = (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A)
                || (value >= 0x61 && value <= 0x7A) || scalar == "-" || scalar == " "
            quoted += plain ? String(scalar) : "\\" + String(value, radix: 16) + " "
        }
        return """
            @page { @bottom-right { content: "Page " counter(page) " of " counter(pages);
              font: 8pt sans-serif; color: #5d6670; }
              @bottom-left { content: "Invoice \(quoted)"; font: 8pt sans-serif; color: #5d6670; } }
            @page :first { @bottom-left { content: none; } }

            """
    }

    /// Screen: a sheet of `paper` on a grey desk. Print: the sheet alone, with the `@page`
    /// margins.
    static func styleSheet(_ paper: Paper) -> String {
        """
        @page { size: \(paper.cssSize); margin: 10mm 14mm 12mm 14mm; }
        * { box-sizing: border-box; }
        html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        body { margin: 0; background: #e9ebee; color: #1d2125;
          font: 8.5pt/1.3 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
            Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
        .page { width: \(paper.width); min-height: \(paper.height); margin: 10mm auto;
          padding: 14mm 14mm 16mm; background: #fff; box-shadow: 0 1px 6px rgba(0, 0, 0, 0.18); }
        h1 { margin: 0; font-size: 16pt; font-weight: 600; letter-spacing: 0.02em; }
        h2 { margin: 0 0 1.5mm; font-size: 8pt; font-weight: 600; color: #5d6670;
          text-transform: uppercase; letter-spacing: 0.08em; }
        .top { display: flex; justify-content: space-between; align-items: flex-start;
          gap: 10mm; padding-bottom: 3mm; border-bottom: 2px solid #1d2125; }
        .logo { display: block; max-width: 50mm; max-height: 16mm; margin-bottom: 3mm; }
        .number { margin: 0.5mm 0 0; font-size: 10pt; color: #5d6670;
          font-variant-numeric: tabular-nums; }
        .missing { margin: 0; padding: 2mm 3mm; border: 1.5px solid #b3261e; color: #b3261e;
          font-weight: 600; max-width: 90mm; }
        address { font-style: normal; }
        .party { display: flex; flex-direction: column; white-space: pre-line;
          overflow-wrap: anywhere; }
        .seller { text-align: right; max-width: 85mm; }
        .party .name { font-size: 11pt; }
        .detail, .contact { color: #5d6670; }
        .parties { display: flex; justify-content: space-between; align-items: flex-start;
          gap: 10mm; margin: 3mm 0 3mm; }
        .bill-to { max-width: 80mm; }
        table { border-collapse: collapse; }
        th, td { padding: 0.5mm 2mm; vertical-align: top; text-align: left; }
        .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .facts { font-variant-numeric: tabular-nums; }
        .facts th { font-weight: normal; color: #5d6670; padding-left: 0; white-space: nowrap; }
        .facts td { padding-right: 0; overflow-wrap: anywhere; }
        .facts .due th, .facts .due td { font-weight: 600; color: #1d2125;
          border-top: 1px solid #c9ced4; white-space: nowrap; }
        .lines { width: 100%; table-layout: fixed; }
        col.charge { width: 28%; } col.plan { width: 16%; } col.quantity { width: 12%; }
        col.unit { width: 14%; } col.price { width: 14%; } col.amount { width: 16%; }
        .lines thead th { font-size: 7.5pt; font-weight: 600; color: #5d6670;
          text-transform: uppercase; letter-spacing: 0.06em; border-bottom: 1.5px solid #1d2125; }
        .lines thead { display: table-header-group; }
        .lines tbody { break-inside: avoid; page-break-inside: avoid;
          border-bottom: 1px solid #dde1e5; }
        .lines td { overflow-wrap: anywhere; }
        .lines thead th:first-child, .lines .line td:first-child { padding-left: 0; }
        .lines thead th:last-child, .lines .line td:last-child { padding-right: 0; }
        .lines .line td { padding-top: 1mm; }
        .lines .name { font-weight: 500; }
        .dimension { margin-left: 1.5mm; font-size: 7.5pt; color: #5d6670; }
        .dates { margin-left: 1.5mm; font-size: 7.5pt; color: #5d6670; white-space: nowrap; }
        .lines .description { display: block; font-size: 7.5pt; color: #5d6670;
          white-space: pre-line; }
        .tier td, .note td { padding: 0 2mm 0.3mm 4mm; font-size: 7.5pt; color: #5d6670;
          font-variant-numeric: tabular-nums; }
        .note td { font-style: italic; }
        .lines tbody tr:last-child td { padding-bottom: 1mm; }
        .fraction { text-decoration: underline dotted #9aa1a9; text-underline-offset: 2px; }
        .summary { break-inside: avoid; page-break-inside: avoid; }
        .totals { margin: 3mm 0 0 auto; min-width: 95mm; }
        .totals th { font-weight: normal; padding-left: 0; }
        .totals td { padding-right: 0; }
        .totals .credit th, .totals .credit td { padding-top: 0; font-size: 8pt;
          color: #5d6670; }
        .totals .credit th { padding-left: 4mm; }
        .totals .total th, .totals .total td { font-weight: 600; border-top: 1px solid #1d2125; }
        .totals .due th, .totals .due td { font-size: 11pt; font-weight: 700;
          border-top: 2px solid #1d2125; border-bottom: 2px solid #1d2125;
          padding-top: 1mm; padding-bottom: 1mm; }
        footer { margin-top: 4mm; padding-top: 2mm; border-top: 1px solid #dde1e5;
          font-size: 8.5pt; color: #5d6670; }
        footer p { margin: 0 0 1mm; }
        .payment { margin-bottom: 2mm; color: #1d2125; }
        .bank-text { white-space: pre-line; }
        .account { font-variant-numeric: tabular-nums; letter-spacing: 0.02em; }
        @media print {
          body { background: none; }
          .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
        }

        """
    }
}

import Pricing

/// Writes a correction document's page (`corrections/<number>.html`, SPEC §9) in the style of
/// the invoice page: what it corrects, the difference line by line, the difference of each
/// total. Charges and plans are shown by the catalog's display names and units, as on the
/// invoice (keys where the catalog has none). The JSON document stays the record of truth.
public enum CorrectionHTML {
    /// The page for `document`, issued by `seller` (left out when nil), to `customerName`, with
    /// the names, units and paper of `settings`.
    public static func render(
        _ document: CorrectionDocument, seller: Seller?, customerName: String?,
        settings: InvoicePageSettings = InvoicePageSettings()
    ) -> [UInt8] {
        func e(_ text: String) -> String { InvoiceHTML.escaped(text) }
        let draft = document.draft
        let kind = draft.kind == .creditNote ? "Credit note" : "Supplementary invoice"
        // Written like the invoice page's amounts (`-$20.00`, `¥300`): the document's scale is
        // its currency's minor units.
        let currency = Currency(code: document.currency, minorUnitDigits: document.amountScale)
        func amount(_ value: Rational) -> String { e(DisplayText.money(value, currency: currency)) }
        // Dates as the invoice page writes them (`1 Oct 2026`), from the local date an
        // instant's text starts with; the period's end is exclusive, so its last day is shown.
        // Text that is not a date is shown as it is.
        func date(_ text: String, lastDay: Bool = false) -> String {
            guard let day = CivilDate(iso: String(text.prefix(10))) else { return e(text) }
            let shown = lastDay ? day.adding(days: -1) : day
            return "<time datetime=\"\(shown)\">\(InvoiceHTML.dateText(shown))</time>"
        }
        let paper = settings.paper ?? Paper.forCountry(seller?.address?.country)
        var out: [String] = [
            "<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>\(e(kind + " " + document.number))</title>", "<style>",
            InvoiceHTML.styleSheet(paper), "</style>", "</head>", "<body>",
            "<main class=\"page\">",
            "<header>", "<h1>\(e(kind))</h1>",
            "<p>Number <strong>\(e(document.number))</strong>, correcting invoice "
                + "<strong>\(e(document.corrects))</strong></p>",
            "<p>Issued \(date(document.issueDate)) for the service period "
                + "\(date(document.periodStart)) – \(date(document.periodEnd, lastDay: true))</p>",
        ]
        if let seller {
            out.append("<p>From \(e(seller.name))</p>")
        } else {
            out.append(InvoiceHTML.sellerMissingHTML)
        }
        out.append("<p>To \(e(customerName ?? document.customer)) (\(e(document.customer)))</p>")
        out += [
            "</header>", "<table class=\"lines\">",
            "<thead><tr><th>Charge</th><th>Plan</th><th>Change</th><th class=\"num\">Quantity"
                + "</th><th>Unit</th><th class=\"num\">Amount</th></tr></thead>", "<tbody>",
        ]
        for line in draft.lines {
            let change = line.appeared ? "added" : line.vanished ? "removed" : "changed"
            let key = line.key
            let name = settings.chargeName(plan: key.plan, charge: key.charge, kind: key.kind)
            let group = key.group.isEmpty ? "" : " (\(e(key.groupText)))"
            let unit = settings.unit(plan: key.plan, charge: key.charge)
            out.append(
                "<tr><td>\(e(name))\(group)</td><td>\(e(settings.planName(key.plan)))</td>"
                    + "<td>\(change)</td><td class=\"num\">"
                    + e(DisplayText.quantity(line.quantityDelta))
                    + "</td><td>\(e(unit))</td><td class=\"num\">\(amount(line.amountDelta))"
                    + "</td></tr>")
        }
        out += ["</tbody>", "</table>", "<table class=\"totals\">"]
        for (label, value, className) in [
            ("Subtotal", draft.subtotal, ""), ("Discounts", draft.discounts, ""),
            ("Tax", draft.tax, ""), ("Total", draft.total, " class=\"total\""),
            (
                draft.kind == .creditNote ? "Credited to your account" : "Amount due",
                draft.total, " class=\"due\""
            ),
        ] {
            out.append(
                "<tr\(className)><th scope=\"row\">\(label)</th><td class=\"num\">"
                    + "\(amount(value))</td></tr>")
        }
        out += [
            "</table>", "<footer>",
            "<p>This document changes invoice \(e(document.corrects)); credits applied to it "
                + "stay applied.</p>", "</footer>", "</main>", "</body>", "</html>",
        ]
        return Array((out.joined(separator: "\n") + "\n").utf8)
    }
}

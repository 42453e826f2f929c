import Pricing

/// Serializes a `UBLDocument` as UBL 2.1 XML: elements in the order the OASIS schemas'
/// sequences demand (UBL-Invoice-2.1.xsd, UBL-CreditNote-2.1.xsd), two-space indentation, LF
/// line endings, every text escaped. The EN 16931 business term each element carries is named
/// beside it (BT-n, BG-n).
enum UBLWriter {
    static let invoiceNamespace = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    static let creditNoteNamespace =
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
    static let aggregateNamespace =
        "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    static let basicNamespace =
        "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

    /// The document's bytes, UTF-8 with a final newline.
    static func bytes(_ document: UBLDocument) -> [UInt8] {
        var xml = XMLText()
        let isInvoice = document.kind == .invoice
        let root = isInvoice ? "Invoice" : "CreditNote"
        let currency = document.currency
        func money(_ value: Rational) -> String {
            // Every figure is a sum or difference of amounts already rounded to the currency's
            // minor units (at most 2, `UBLInvoice.currencyGaps`): it ends there, nothing is
            // rounded here.
            let significand =
                (try? value.significand(atScale: currency.minorUnitDigits, rule: .down)) ?? 0
            precondition(
                (try? Rational(significand: significand, scale: currency.minorUnitDigits))
                    == value, "a UBL amount with more decimals than its currency")
            return Money(minorUnits: significand, currency: currency).description
        }
        func amount(_ name: String, _ value: Rational) {
            xml.leaf(name, money(value), attributes: [("currencyID", currency.code)])
        }
        xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        xml.open(
            root,
            attributes: [
                ("xmlns", isInvoice ? invoiceNamespace : creditNoteNamespace),
                ("xmlns:cac", aggregateNamespace), ("xmlns:cbc", basicNamespace),
            ])
        xml.leaf("cbc:CustomizationID", UBLInvoice.customizationID)  // BT-24
        xml.leaf("cbc:ID", document.number)  // BT-1
        xml.leaf("cbc:IssueDate", document.issueDate.description)  // BT-2
        if isInvoice {
            if let due = document.dueDate { xml.leaf("cbc:DueDate", due.description) }  // BT-9
            xml.leaf("cbc:InvoiceTypeCode", "380")  // BT-3: commercial invoice
        } else {
            xml.leaf("cbc:CreditNoteTypeCode", "381")  // BT-3: credit note
        }
        xml.leaf("cbc:DocumentCurrencyCode", currency.code)  // BT-5
        xml.open("cac:InvoicePeriod")  // BG-14
        xml.leaf("cbc:StartDate", document.periodStart.description)  // BT-73
        xml.leaf("cbc:EndDate", document.periodEnd.description)  // BT-74
        xml.close("cac:InvoicePeriod")
        if let reference = document.reference {
            xml.open("cac:BillingReference")  // BG-3
            xml.open("cac:InvoiceDocumentReference")
            xml.leaf("cbc:ID", reference.number)  // BT-25
            xml.leaf("cbc:IssueDate", reference.issueDate)  // BT-26
            xml.close("cac:InvoiceDocumentReference")
            xml.close("cac:BillingReference")
        }
        seller(document.seller, into: &xml)
        buyer(document.customer, into: &xml)
        if case .account(let iban, let bic)? = document.seller.bank {
            xml.open("cac:PaymentMeans")  // BG-16
            // BT-81: 58 SEPA credit transfer for euros, else 30 credit transfer.
            xml.leaf("cbc:PaymentMeansCode", currency.code == "EUR" ? "58" : "30")
            xml.leaf("cbc:PaymentID", document.number)  // BT-83: remittance information
            xml.open("cac:PayeeFinancialAccount")  // BG-17
            xml.leaf("cbc:ID", iban)  // BT-84
            if let bic {
                xml.open("cac:FinancialInstitutionBranch")
                xml.leaf("cbc:ID", bic)  // BT-86
                xml.close("cac:FinancialInstitutionBranch")
            }
            xml.close("cac:PayeeFinancialAccount")
            xml.close("cac:PaymentMeans")
        }
        if let note = paymentTerms(document) {
            xml.open("cac:PaymentTerms")
            xml.leaf("cbc:Note", note)  // BT-20
            xml.close("cac:PaymentTerms")
        }
        for allowance in document.allowances {
            xml.open("cac:AllowanceCharge")  // BG-20 allowance, BG-21 charge
            xml.leaf("cbc:ChargeIndicator", allowance.isCharge ? "true" : "false")
            // BT-98 / BT-105 (UNCL 5189 95: discount; UNCL 7161 ZZZ: mutually defined).
            xml.leaf("cbc:AllowanceChargeReasonCode", allowance.isCharge ? "ZZZ" : "95")
            xml.leaf("cbc:AllowanceChargeReason", allowance.reason)  // BT-97 / BT-104
            amount("cbc:Amount", allowance.amount)  // BT-92 / BT-99
            taxCategory("cac:TaxCategory", document.category, reason: false, into: &xml)
            xml.close("cac:AllowanceCharge")
        }
        xml.open("cac:TaxTotal")
        amount("cbc:TaxAmount", document.taxAmount)  // BT-110
        xml.open("cac:TaxSubtotal")  // BG-23
        amount("cbc:TaxableAmount", document.taxBase)  // BT-116
        amount("cbc:TaxAmount", document.taxAmount)  // BT-117
        taxCategory("cac:TaxCategory", document.category, reason: true, into: &xml)
        xml.close("cac:TaxSubtotal")
        xml.close("cac:TaxTotal")
        xml.open("cac:LegalMonetaryTotal")  // BG-22
        var allowances = Rational.zero
        var charges = Rational.zero
        for allowance in document.allowances {
            // Each is one of the invoice's discounts: their sums cannot overflow.
            if allowance.isCharge {
                charges = (try? charges + allowance.amount) ?? charges
            } else {
                allowances = (try? allowances + allowance.amount) ?? allowances
            }
        }
        amount("cbc:LineExtensionAmount", document.lineTotal)  // BT-106
        amount("cbc:TaxExclusiveAmount", document.taxBase)  // BT-109
        amount("cbc:TaxInclusiveAmount", document.taxInclusive)  // BT-112
        if document.allowances.contains(where: { !$0.isCharge }) {
            amount("cbc:AllowanceTotalAmount", allowances)  // BT-107
        }
        if document.allowances.contains(where: \.isCharge) {
            amount("cbc:ChargeTotalAmount", charges)  // BT-108
        }
        if !document.prepaid.isZero { amount("cbc:PrepaidAmount", document.prepaid) }  // BT-113
        amount("cbc:PayableAmount", document.payable)  // BT-115
        xml.close("cac:LegalMonetaryTotal")
        let lineElement = isInvoice ? "cac:InvoiceLine" : "cac:CreditNoteLine"
        for (index, line) in document.lines.enumerated() {
            xml.open(lineElement)  // BG-25
            xml.leaf("cbc:ID", String(index + 1))  // BT-126
            xml.leaf(
                isInvoice ? "cbc:InvoicedQuantity" : "cbc:CreditedQuantity", line.quantity,
                attributes: [("unitCode", line.unitCode)])  // BT-129, BT-130
            amount("cbc:LineExtensionAmount", line.amount)  // BT-131
            xml.open("cac:Item")
            if let description = line.description {
                xml.leaf("cbc:Description", description)  // BT-154
            }
            xml.leaf("cbc:Name", line.name)  // BT-153
            xml.open("cac:SellersItemIdentification")
            xml.leaf("cbc:ID", line.itemID)  // BT-155
            xml.close("cac:SellersItemIdentification")
            taxCategory("cac:ClassifiedTaxCategory", document.category, reason: false, into: &xml)
            for (name, value) in line.properties {
                xml.open("cac:AdditionalItemProperty")  // BG-32
                xml.leaf("cbc:Name", name)  // BT-160
                xml.leaf("cbc:Value", value)  // BT-161
                xml.close("cac:AdditionalItemProperty")
            }
            xml.close("cac:Item")
            xml.open("cac:Price")  // BG-29
            xml.leaf(
                "cbc:PriceAmount", price(line.price, currency: currency),
                attributes: [("currencyID", currency.code)])  // BT-146
            if let base = line.baseQuantity {
                xml.leaf(
                    "cbc:BaseQuantity", base.description,
                    attributes: [("unitCode", line.unitCode)])  // BT-149
            }
            xml.close("cac:Price")
            xml.close(lineElement)
        }
        xml.close(root)
        return xml.bytes
    }

    /// A price with at least the currency's minor units (`0.60`, `0.0035`, `89.00`): prices
    /// may carry more decimals than amounts (unit prices have up to 12), never fewer digits
    /// than the money they price. Prices are terminating decimals (`UBLLine`).
    static func price(_ value: Rational, currency: Currency) -> String {
        let scale = max(value.terminatingScale ?? 0, currency.minorUnitDigits)
        guard let significand = try? value.significand(atScale: scale, rule: .down) else {
            return value.description
        }
        return DecimalText.format(significand: significand, scale: scale, minimumScale: scale)
    }

    /// BT-20: the terms in words, and free-text bank instructions (which have no BG-17 form).
    static func paymentTerms(_ document: UBLDocument) -> String? {
        var parts: [String] = []
        if let days = document.paymentTermsDays {
            if document.kind == .creditNote {
                parts.append("Credit note: the amount is credited to the buyer's account")
            } else if days == 0 {
                parts.append("Payable on the issue date")
            } else {
                parts.append("Payable within \(days) days of the issue date")
            }
        } else if document.kind == .creditNote {
            parts.append("Credit note: the amount is credited to the buyer's account")
        }
        if case .text(let text)? = document.seller.bank {
            parts.append("Payment instructions: " + text)
        }
        return parts.isEmpty ? nil : parts.joined(separator: ". ")
    }

    /// BG-4: name, postal address, VAT identifier, legal name; contact e-mail.
    static func seller(_ seller: Seller, into xml: inout XMLText) {
        xml.open("cac:AccountingSupplierParty")
        xml.open("cac:Party")
        xml.open("cac:PartyName")
        xml.leaf("cbc:Name", seller.name)  // BT-28
        xml.close("cac:PartyName")
        postalAddress(seller.address, into: &xml)  // BG-5
        if let vat = seller.taxID.flatMap(UBLInvoice.vatIdentifier) {
            vatScheme(vat, into: &xml)  // BT-31
        }
        xml.open("cac:PartyLegalEntity")
        xml.leaf("cbc:RegistrationName", seller.name)  // BT-27
        xml.close("cac:PartyLegalEntity")
        if let email = seller.email {
            xml.open("cac:Contact")  // BG-6
            xml.leaf("cbc:ElectronicMail", email)  // BT-43
            xml.close("cac:Contact")
        }
        xml.close("cac:Party")
        xml.close("cac:AccountingSupplierParty")
    }

    /// BG-7: the customer's id, name, postal address, and its tax id: a VAT identifier
    /// (BT-48) when it has a country prefix, else the legal registration identifier (BT-47).
    static func buyer(_ customer: Customer, into xml: inout XMLText) {
        xml.open("cac:AccountingCustomerParty")
        xml.open("cac:Party")
        xml.open("cac:PartyIdentification")
        xml.leaf("cbc:ID", customer.id)  // BT-46
        xml.close("cac:PartyIdentification")
        let name = customer.name ?? customer.id
        xml.open("cac:PartyName")
        xml.leaf("cbc:Name", name)  // BT-45
        xml.close("cac:PartyName")
        postalAddress(customer.address, into: &xml)  // BG-8
        let vat = customer.taxID.flatMap(UBLInvoice.vatIdentifier)
        if let vat { vatScheme(vat, into: &xml) }  // BT-48
        xml.open("cac:PartyLegalEntity")
        xml.leaf("cbc:RegistrationName", name)  // BT-44
        if vat == nil, let taxID = customer.taxID, !taxID.ublTrimmed.isEmpty {
            xml.leaf("cbc:CompanyID", taxID.ublTrimmed)  // BT-47
        }
        xml.close("cac:PartyLegalEntity")
        xml.close("cac:Party")
        xml.close("cac:AccountingCustomerParty")
    }

    static func vatScheme(_ identifier: String, into xml: inout XMLText) {
        xml.open("cac:PartyTaxScheme")
        xml.leaf("cbc:CompanyID", identifier)
        xml.open("cac:TaxScheme")
        xml.leaf("cbc:ID", "VAT")
        xml.close("cac:TaxScheme")
        xml.close("cac:PartyTaxScheme")
    }

    /// A postal address; only non-empty parts are written, the country always (`gaps` checks
    /// that it is a code).
    static func postalAddress(_ address: Address?, into xml: inout XMLText) {
        guard let address else { return }
        xml.open("cac:PostalAddress")
        for (name, value) in [
            ("cbc:StreetName", address.street), ("cbc:CityName", address.city),
            ("cbc:PostalZone", address.postalCode),
        ] where !value.ublTrimmed.isEmpty {
            xml.leaf(name, value)
        }
        xml.open("cac:Country")
        xml.leaf(
            "cbc:IdentificationCode", UBLInvoice.countryCode(address.country) ?? address.country)
        xml.close("cac:Country")
        xml.close("cac:PostalAddress")
    }

    /// A VAT category: code, percent, scheme, and (in the breakdown) E's exemption reason.
    static func taxCategory(
        _ element: String, _ category: UBLTaxCategory, reason: Bool, into xml: inout XMLText
    ) {
        xml.open(element)
        xml.leaf("cbc:ID", category.code)  // BT-118, BT-151, BT-95, BT-102
        xml.leaf("cbc:Percent", category.percentText)  // BT-119, BT-152, BT-96, BT-103
        if reason && category == .exempt {
            xml.leaf("cbc:TaxExemptionReason", UBLInvoice.exemptionReason)  // BT-120
        }
        xml.open("cac:TaxScheme")
        xml.leaf("cbc:ID", "VAT")
        xml.close("cac:TaxScheme")
        xml.close(element)
    }
}

/// Indented XML text, built element by element as UTF-8 bytes (an invoice's XML is tens of
/// kilobytes of small pieces: appending bytes, not `String`s, keeps it cheap at 100,000
/// invoices).
struct XMLText {
    var bytes: [UInt8] = []
    var depth = 0

    init() { bytes.reserveCapacity(16_384) }

    /// The XML declaration (or any raw text): appended as it is, unescaped.
    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func open(_ name: String, attributes: [(String, String)] = []) {
        start(name, attributes)
        bytes.append(contentsOf: ">\n".utf8)
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        indent()
        bytes.append(contentsOf: "</".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: ">\n".utf8)
    }

    /// An element holding text.
    mutating func leaf(_ name: String, _ value: String, attributes: [(String, String)] = []) {
        start(name, attributes)
        bytes.append(UInt8(ascii: ">"))
        appendEscaped(value)
        bytes.append(contentsOf: "</".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: ">\n".utf8)
    }

    /// `<name a="v"`, indented, without the closing `>`.
    private mutating func start(_ name: String, _ attributes: [(String, String)]) {
        indent()
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        for (key, value) in attributes {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: key.utf8)
            bytes.append(contentsOf: "=\"".utf8)
            appendEscaped(value)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private mutating func indent() {
        for _ in 0..<depth { bytes.append(contentsOf: "  ".utf8) }
    }

    /// `escaped(text)`'s bytes. Most text (numbers, dates, codes, names) has nothing to
    /// escape: no markup character, no control character and no 0xEF lead byte (U+FFFE and
    /// U+FFFF start with it); it is appended as it is.
    private mutating func appendEscaped(_ text: String) {
        let plain = text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""),
                UInt8(ascii: "'"), UInt8(ascii: "\r"), 0xEF:
                return false
            case UInt8(ascii: "\t"), UInt8(ascii: "\n"): return true
            default: return byte >= 0x20
            }
        }
        bytes.append(contentsOf: plain ? text.utf8 : Self.escaped(text).utf8)
    }

    /// Text or an attribute value as XML 1.0 reads it back: `&`, `<`, `>`, `"` and `'` as
    /// entities, a carriage return as `&#13;` (a parser would turn a raw one into a line
    /// feed), and the control characters XML 1.0 cannot carry at all as U+FFFD.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\r": result += "&#13;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

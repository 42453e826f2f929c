import Pricing

/// UBL 2.1 e-invoices (SPEC §8.4, issue 13): an invoice as a UBL `Invoice` carrying the
/// EN 16931 core (customization `urn:cen.eu:en16931:2017`), written from the domain `Invoice`
/// alone, so the XML's figures are the JSON invoice's figures, byte for byte.
///
/// The writer is pure: the same invoice, seller and settings give the same bytes. It writes
/// only what `gaps` finds complete; a caller checks `gaps` first (`invoice --ubl`).
public enum UBLInvoice {
    /// BT-24: the EN 16931 core, no extension.
    public static let customizationID = "urn:cen.eu:en16931:2017"

    /// BT-120 of a customer without `tax`: the category is E, exempt (docs/DECISIONS.md).
    public static let exemptionReason = "Exempt from VAT"

    /// The invoice's e-invoice; call only when `gaps(invoice, …)` is empty.
    public static func invoiceXML(
        _ invoice: Invoice, seller: Seller, settings: InvoicePageSettings
    ) -> [UInt8] {
        UBLWriter.bytes(document(invoice, seller: seller, settings: settings))
    }

    /// What stops the invoice's e-invoice, one text per field (`customers.cus_4.address:
    /// missing`), in a fixed order; empty when the XML can be written and validate.
    public static func gaps(
        _ invoice: Invoice, seller: Seller?, settings: InvoicePageSettings
    ) -> [String] {
        var gaps = partyGaps(invoice.customer, seller: seller)
        gaps += currencyGaps(invoice.currency)
        let due = PaymentTerms.dueDate(
            issueDate: invoice.issueDate, customerDays: invoice.customer.paymentTermsDays,
            catalogDays: settings.paymentTermsDays)
        // BR-CO-25: an amount due needs a due date or payment terms.
        if due == nil && invoice.amountDue.minorUnits > 0 {
            gaps.append(
                "payment_terms_days: missing (in the catalog, or customers.\(invoice.customer.id)"
                    + "; EN 16931 needs a due date when an amount is due)")
        }
        return gaps
    }

    /// The seller's and the buyer's missing or unusable fields (BR-06..BR-11, BR-CO-09,
    /// BR-CO-26, BR-S-02, BR-E-02, BR-CL-14).
    static func partyGaps(_ customer: Customer, seller: Seller?) -> [String] {
        var gaps: [String] = []
        if let seller {
            if seller.name.ublTrimmed.isEmpty { gaps.append("seller.name: empty") }
            gaps += addressGaps(seller.address, path: "seller.address")
            if let taxID = seller.taxID {
                if vatIdentifier(taxID) == nil {
                    gaps.append(
                        "seller.tax_id: \"\(taxID)\" is not a VAT identifier with an ISO 3166 "
                            + "country prefix")
                }
            } else {
                gaps.append("seller.tax_id: missing (the seller's VAT identifier)")
            }
        } else {
            gaps.append("seller: missing (add `seller` to the catalog)")
        }
        let path = "customers.\(customer.id)"
        if (customer.name ?? "").ublTrimmed.isEmpty { gaps.append("\(path).name: missing") }
        gaps += addressGaps(customer.address, path: "\(path).address")
        return gaps
    }

    /// An address's gaps: missing, or a country that is not an ISO 3166-1 alpha-2 code.
    static func addressGaps(_ address: Address?, path: String) -> [String] {
        guard let address else { return ["\(path): missing"] }
        if countryCode(address.country) == nil {
            return [
                "\(path).country: \"\(address.country)\" is not an ISO 3166-1 alpha-2 code"
            ]
        }
        return []
    }

    /// A currency EN 16931 can state exactly: an ISO 4217 code (BR-CL-04) with at most two
    /// minor units (BR-DEC-*: amounts carry at most two decimals; a BHD amount of 1.005 has
    /// no two-decimal form that equals the JSON invoice, so it is refused, not rounded).
    static func currencyGaps(_ currency: Currency) -> [String] {
        if !UBLCodeLists.currencies.contains(currency.code) {
            return ["currency: \(currency.code) is not an ISO 4217 code"]
        }
        if currency.minorUnitDigits > 2 {
            return [
                "currency: \(currency.code) has \(currency.minorUnitDigits) minor units; "
                    + "EN 16931 amounts have at most 2"
            ]
        }
        return []
    }

    /// The country as a code list entry (`ie` → `IE`), or nil.
    static func countryCode(_ country: String) -> String? {
        let code = country.ublTrimmed.uppercased()
        return UBLCodeLists.countries.contains(code) ? code : nil
    }

    /// A tax id that BR-CO-09 accepts as a VAT identifier (two capital letters of a country,
    /// or `EL`, then at least one more character), or nil.
    static func vatIdentifier(_ taxID: String) -> String? {
        let text = taxID.ublTrimmed
        guard text.count > 2, !text.contains(" ") else { return nil }
        return UBLCodeLists.isVATPrefix(String(text.prefix(2))) ? text : nil
    }

    /// A correction document's e-invoice (SPEC §9): a `CreditNote` (type 381) for a credit
    /// note, an `Invoice` (type 380) for a supplementary invoice, each referring to the
    /// original invoice's number and issue date (BG-3). Every figure is the correction's
    /// difference, in the document's signs: a credit note states what falls as positive
    /// amounts. `taxRate` is the customer's tax rate (nil: no tax). Call only when
    /// `correctionGaps` is empty.
    public static func correctionXML(
        _ document: CorrectionDocument, original: Invoice, taxRate: Rational?,
        seller: Seller, settings: InvoicePageSettings
    ) -> [UInt8] {
        UBLWriter.bytes(
            correction(
                document, original: original, taxRate: taxRate, seller: seller,
                settings: settings))
    }

    /// What stops a correction document's e-invoice, as `gaps` words it for invoices.
    public static func correctionGaps(
        _ document: CorrectionDocument, original: Invoice, seller: Seller?,
        settings: InvoicePageSettings
    ) -> [String] {
        var gaps = partyGaps(original.customer, seller: seller)
        gaps += currencyGaps(original.currency)
        let days = original.customer.paymentTermsDays ?? settings.paymentTermsDays
        if document.draft.kind == .supplementaryInvoice, days == nil,
            document.draft.total > .zero
        {
            gaps.append(
                "payment_terms_days: missing (in the catalog, or customers.\(original.customer.id)"
                    + "; EN 16931 needs a due date when an amount is due)")
        }
        return gaps
    }

    /// The correction as the document model: signs flipped for a credit note.
    static func correction(
        _ document: CorrectionDocument, original: Invoice, taxRate: Rational?,
        seller: Seller, settings: InvoicePageSettings
    ) -> UBLDocument {
        let draft = document.draft
        let isCredit = draft.kind == .creditNote
        func signed(_ value: Rational) -> Rational { isCredit ? value.negated : value }
        let lines = draft.lines.map { change in
            UBLLine(
                plan: change.key.plan, charge: change.key.charge, kind: change.key.kind,
                group: change.key.group, quantity: signed(change.quantityDelta),
                amount: signed(change.amountDelta), unitPrice: nil, settings: settings)
        }
        // The discounts' change as the document adds it to the lines: below zero an
        // allowance (more discount), above zero a charge (discount taken back).
        let discounts = signed(draft.discounts)
        var allowances: [UBLAllowance] = []
        if !discounts.isZero {
            allowances.append(
                UBLAllowance(
                    isCharge: !discounts.isNegative,
                    reason: discounts.isNegative
                        ? "Discount on the correction" : "Discount taken back by the correction",
                    amount: discounts.magnitude))
        }
        // Exact sums of rounded figures: they cannot overflow where the draft did not.
        let base = (try? draft.subtotal + draft.discounts) ?? draft.subtotal
        let issueDate = CivilDate(iso: document.issueDate) ?? original.issueDate
        let days = original.customer.paymentTermsDays ?? settings.paymentTermsDays
        return UBLDocument(
            kind: isCredit ? .creditNote : .invoice, number: document.number,
            issueDate: issueDate,
            dueDate: isCredit ? nil : days.map { issueDate.adding(days: $0) },
            paymentTermsDays: days, currency: original.currency,
            periodStart: original.period.startDate,
            periodEnd: original.period.endDate.adding(days: -1),
            reference: (original.number, original.issueDate.description),
            seller: seller, customer: original.customer, lines: lines, allowances: allowances,
            category: UBLTaxCategory(taxRate), taxBase: signed(base),
            taxAmount: signed(draft.tax), lineTotal: signed(draft.subtotal),
            taxInclusive: signed(draft.total), prepaid: .zero, payable: signed(draft.total))
    }

    /// The invoice as the document model the writer serializes.
    static func document(
        _ invoice: Invoice, seller: Seller, settings: InvoicePageSettings
    ) -> UBLDocument {
        let currency = invoice.currency
        let category = UBLTaxCategory(invoice.tax?.rate)
        var lines: [UBLLine] = []
        for line in invoice.lines {
            lines.append(
                UBLLine(
                    plan: line.plan, charge: line.charge, kind: line.kind.rawValue,
                    group: line.group, quantity: line.quantity, amount: line.amount.exact,
                    unitPrice: line.unitPrice, settings: settings))
        }
        let allowances = invoice.discounts.map { discount in
            UBLAllowance(
                isCharge: discount.amount.minorUnits > 0, reason: "Discount " + discount.key,
                amount: discount.amount.exact.magnitude)
        }
        let due = PaymentTerms.dueDate(
            issueDate: invoice.issueDate, customerDays: invoice.customer.paymentTermsDays,
            catalogDays: settings.paymentTermsDays)
        let days = invoice.customer.paymentTermsDays ?? settings.paymentTermsDays
        return UBLDocument(
            kind: .invoice, number: invoice.number, issueDate: invoice.issueDate, dueDate: due,
            paymentTermsDays: days, currency: currency,
            periodStart: invoice.period.startDate,
            periodEnd: invoice.period.endDate.adding(days: -1), reference: nil,
            seller: seller, customer: invoice.customer, lines: lines, allowances: allowances,
            category: category, taxBase: invoice.discountedSubtotal.exact,
            taxAmount: invoice.tax?.amount.exact ?? .zero,
            lineTotal: invoice.subtotal.exact, taxInclusive: invoice.total.exact,
            prepaid: invoice.creditsApplied.exact, payable: invoice.amountDue.exact)
    }
}

/// The VAT category of a document (BT-118, BT-151, BT-95): standard rate with its percent for
/// a customer with `tax`, zero rated for a tax at rate 0, else exempt (docs/DECISIONS.md: why
/// E and not O).
enum UBLTaxCategory: Equatable {
    case standard(percent: Rational)
    case zeroRated
    case exempt

    /// S at `rate` × 100 percent, Z at rate 0, or E without a rate.
    init(_ rate: Rational?) {
        guard let rate else {
            self = .exempt
            return
        }
        if !rate.isZero, let percent = try? rate * Rational(100) {
            self = .standard(percent: percent)
        } else {
            self = .zeroRated
        }
    }

    /// The category code.
    var code: String {
        switch self {
        case .standard: "S"
        case .zeroRated: "Z"
        case .exempt: "E"
        }
    }

    /// The percent as written (`19`, `8.25`; E: `0`).
    var percentText: String {
        if case .standard(let percent) = self { return percent.description }
        return "0"
    }
}

/// A document-level allowance (a discount) or charge (a correction that takes one back).
struct UBLAllowance {
    let isCharge: Bool
    let reason: String
    /// Positive.
    let amount: Rational
}

/// One invoice or credit note line (BG-25), already in the document's signs.
struct UBLLine {
    /// The quantity as written, and its UN/ECE Rec 20 unit (`C62` one, `LS` lump sum).
    let quantity: String
    let unitCode: String
    /// BT-131, with the currency's minor units.
    let amount: Rational
    /// BT-153 and BT-154.
    let name: String
    let description: String?
    /// BT-155: `plan/charge`.
    let itemID: String
    /// BT-160/161: the plan and each group value.
    let properties: [(String, String)]
    /// BT-146 and BT-149: amount = quantity × price / base quantity, exactly.
    let price: Rational
    let baseQuantity: Rational?

    /// A line from its key, quantity and amount (signs as the document states them).
    /// Exact by construction: the price is the line's one unit price when quantity × price is
    /// its amount; else the amount priced over the whole quantity (price = |amount|, base
    /// quantity = |quantity|); a quantity that cannot carry the amount that way (zero under a
    /// minimum charge, a fraction that does not end, a sign opposite the amount's) becomes one
    /// lump sum (`LS`) and the quantity moves into the description.
    init(
        plan: String, charge: String, kind: String, group: [Dimension], quantity: Rational,
        amount: Rational, unitPrice: Rational?, settings: InvoicePageSettings
    ) {
        self.amount = amount
        name = settings.chargeName(plan: plan, charge: charge, kind: kind)
        itemID = plan + "/" + charge
        properties =
            [("Plan", settings.planName(plan))]
            + group.map { ($0.key, $0.value.isEmpty ? "(none)" : $0.value) }
        let chargeText = settings.display.charge(plan: plan, charge: charge)?.description
        let terminates = quantity.terminatingScale.map { $0 <= 20 } ?? false
        let sameSign =
            amount.isZero || (quantity.isNegative == amount.isNegative && !quantity.isZero)
        if terminates, let unitPrice, !unitPrice.isNegative,
            unitPrice.terminatingScale != nil, (try? quantity * unitPrice) == amount
        {
            self.quantity = quantity.description
            unitCode = "C62"
            price = unitPrice
            baseQuantity = nil
            description = chargeText
        } else if terminates, sameSign, !quantity.isZero {
            self.quantity = quantity.description
            unitCode = "C62"
            price = amount.magnitude
            baseQuantity = quantity.magnitude == .one ? nil : quantity.magnitude
            description = chargeText
        } else if quantity.isZero && amount.isZero {
            self.quantity = "0"
            unitCode = "C62"
            price = .zero
            baseQuantity = nil
            description = chargeText
        } else {
            self.quantity = amount.isNegative ? "-1" : "1"
            unitCode = "LS"
            price = amount.magnitude
            baseQuantity = nil
            let note = "Quantity " + quantity.description
            description = chargeText.map { $0 + "\n" + note } ?? note
        }
    }
}

/// A document ready to serialize: every figure exact, in the document's signs (a credit
/// note's positive), so the writer only formats.
struct UBLDocument {
    enum Kind {
        /// `Invoice`, type code 380.
        case invoice
        /// `CreditNote`, type code 381.
        case creditNote
    }

    let kind: Kind
    let number: String
    let issueDate: CivilDate
    let dueDate: CivilDate?
    let paymentTermsDays: Int?
    let currency: Currency
    /// BT-73 and BT-74, inclusive local dates.
    let periodStart: CivilDate
    let periodEnd: CivilDate
    /// BG-3: the invoice a correction corrects, and its issue date.
    let reference: (number: String, issueDate: String)?
    let seller: Seller
    let customer: Customer
    let lines: [UBLLine]
    let allowances: [UBLAllowance]
    let category: UBLTaxCategory
    /// BT-116 and BT-117.
    let taxBase: Rational
    let taxAmount: Rational
    /// BT-106, BT-112, BT-113, BT-115.
    let lineTotal: Rational
    let taxInclusive: Rational
    let prepaid: Rational
    let payable: Rational
}

extension Rational {
    /// The absolute value.
    var magnitude: Rational { isNegative ? negated : self }
}

extension String {
    /// Without leading and trailing spaces.
    var ublTrimmed: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

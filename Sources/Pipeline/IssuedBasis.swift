import Formats
import Pricing

/// A finalized period as a re-run builds on it (SPEC §9): the issued invoices read back into
/// the domain (so they can be journaled again exactly as issued) with their bytes, and the
/// corrections issued since, per customer.
struct IssuedBasis {
    struct Kept {
        let invoice: Invoice
        let json: [UInt8]
        let html: [UInt8]?
        /// The e-invoice it was issued with (`invoices/<customer>.xml`), if any.
        var xml: [UInt8]? = nil
    }

    let period: IssuedPeriod
    /// Issued invoices by customer id.
    let invoices: [String: Kept]
    /// Issued corrections by customer id, in number order.
    let corrections: [String: [CorrectionDocument]]

    /// The issued period of `store` for `month` with every invoice decoded against this run's
    /// customers and catalog, or nil when the period is not finalized yet.
    static func load(
        store: String, month: YearMonth, customers: [Customer], catalog: Catalog
    ) throws -> IssuedBasis? {
        guard let period = try IssuedStore.read(store: store, period: month) else { return nil }
        let byID = Dictionary(uniqueKeysWithValues: customers.map { ($0.id, $0) })
        let root = IssuedStore.folder(store, month)
        var invoices: [String: Kept] = [:]
        for id in period.invoices.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let issued = period.invoices[id]!
            guard let customer = byID[id] else {
                throw IssuedBasisError(
                    "\(root): invoice \(issued.document.number) was issued to customer "
                        + "\"\(id)\", which the customers file no longer lists; an invoiced "
                        + "customer cannot be removed from a finalized period")
            }
            guard let currency = catalog.currency(code: issued.document.currency) else {
                throw IssuedBasisError(
                    "\(root): invoice \(issued.document.number) is in "
                        + "\(issued.document.currency), which the catalog no longer defines")
            }
            do {
                let invoice = try InvoiceDocument.decodeInvoice(
                    issued.json, customer: customer, currency: currency, month: month)
                invoices[id] = Kept(
                    invoice: invoice, json: issued.json, html: issued.html,
                    xml: period.files["invoices/" + CustomerFileName.of(id) + ".xml"])
            } catch {
                throw IssuedStoreError("\(root): invoice of \(id): \(error)")
            }
        }
        var corrections: [String: [CorrectionDocument]] = [:]
        for correction in period.corrections {
            corrections[correction.document.customer, default: []].append(correction.document)
        }
        return IssuedBasis(period: period, invoices: invoices, corrections: corrections)
    }
}

/// An issued store this run's configuration cannot build on: a customer, currency or credit
/// the issued documents need is gone (exit 2: the configuration changed under history).
struct IssuedBasisError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension IssuedBasis {
    /// The sequence of an invoice number (`2026-10-000042` → 42).
    static func sequence(_ number: String) -> Int {
        Int(number.split(separator: "-").last ?? "") ?? 0
    }
}

/// The corrections of one re-run of a finalized period (SPEC §9): per issued customer, the
/// difference from what was billed so far (the issued invoice plus earlier corrections) to the
/// new result, numbered in its own sequence after the issued ones; the journal transactions of
/// every correction of the period; and what the self-checks compare.
struct CorrectionRun {
    let month: YearMonth
    let basis: IssuedBasis?
    let accounts: AccountNames
    /// This run's new documents, in number order per kind, with their customer.
    private(set) var issued: [(document: CorrectionDocument, customer: Customer)] = []
    /// Every correction of the period (earlier and new), journaled.
    private(set) var journal: [JournalTransaction] = []
    private(set) var corrected: [CorrectedInvoice] = []
    /// For each new document, by number: the invoice it corrects and the tax rate of its
    /// figures (the new result's, else the original's), which its e-invoice states.
    private(set) var references: [String: (original: Invoice, taxRate: Rational?)] = [:]
    private var sequences: [CorrectionKind: Int] = [:]

    init(month: YearMonth, basis: IssuedBasis?, accounts: AccountNames) {
        self.month = month
        self.basis = basis
        self.accounts = accounts
        if let basis {
            for kind in [CorrectionKind.creditNote, .supplementaryInvoice] {
                sequences[kind] = basis.period.lastSequence(kind)
            }
        }
    }

    /// One issued customer: `original` as issued, `result` the new run's invoice (nil when the
    /// customer has no line any more), `applied` the credits the wallet applied again.
    mutating func add(
        customer: Customer, original: Invoice, result: Invoice?, applied: Money,
        ratedLines: [RatedLine], issueDate: CivilDate?
    ) throws {
        let name = "invoice \(original.number) of \(customer.id)"
        if let result, result.currency != original.currency {
            throw IssuedBasisError(
                "\(name) was issued in \(original.currency.code), but the re-run bills in "
                    + "\(result.currency.code); a correction cannot change the currency")
        }
        // Credits applied to an issued invoice stay applied (SPEC §9): the wallets and grants
        // of the re-run must still hold them.
        guard applied == original.creditsApplied else {
            throw IssuedBasisError(
                "\(name) applied \(original.creditsApplied) \(original.currency.code) of "
                    + "credits, but the wallets and grants of this run hold only \(applied) for "
                    + "it; give the wallets and grants the period was finalized with")
        }
        let earlier = basis?.corrections[customer.id] ?? []
        var billed = try BilledFigures(original)
        for correction in earlier { billed = try billed.adding(correction.draft) }
        var documents = earlier
        let period = customer.billingPeriod(startingIn: month)
        if let draft = try Corrections.draft(
            billed: billed, result: try result.map(BilledFigures.init) ?? .none)
        {
            let sequence = (sequences[draft.kind] ?? 0) + 1
            sequences[draft.kind] = sequence
            guard
                let number = Corrections.number(
                    period: month, kind: draft.kind, sequence: sequence)
            else {
                throw IssuedBasisError("\(month): more than 999,999 \(draft.kind.rawValue)s")
            }
            let document = CorrectionDocument(
                number: number, customer: customer.id, corrects: original.number,
                periodStart: period.startText, periodEnd: period.endText,
                issueDate: (issueDate ?? period.endDate.adding(days: -1)).description,
                currency: original.currency.code,
                amountScale: original.currency.minorUnitDigits, draft: draft)
            issued.append((document, customer))
            references[number] = (original, (result?.tax ?? original.tax)?.rate)
            documents.append(document)
        }
        // Journaled on the period's last local day, like the invoice: the run's journals are
        // the period's books as they stand, corrections included.
        for document in documents {
            journal.append(
                try JournalBuilder.correctionTransaction(
                    document.draft, number: document.number, corrects: original.invoiceID,
                    customer: customer.id, currency: original.currency,
                    taxName: result?.tax?.name ?? original.tax?.name,
                    date: period.endDate.adding(days: -1), accounts: accounts,
                    invoiceNumber: original.number))
        }
        corrected.append(
            CorrectedInvoice(
                original: original, corrections: documents.map(\.draft), result: result,
                ratedLines: ratedLines))
    }

    /// Writes `corrections/<number>.json` and `.html`: the earlier ones byte for byte, then
    /// this run's, their pages named and laid out as `page` says; and `.xml` (UBL 2.1) for the
    /// earlier ones issued with one and this run's numbers in `eInvoiced`. Returns their names
    /// and digests.
    func writeFiles(
        seller: Seller?, page: InvoicePageSettings, eInvoiced: Set<String> = [],
        folder: OutputFolder
    ) throws -> [(String, String)] {
        var outputs: [(String, String)] = []
        func write(_ name: String, _ bytes: [UInt8]) throws {
            outputs.append((name, try folder.write(name, bytes: bytes)))
        }
        for earlier in basis?.period.corrections ?? [] {
            let name = "corrections/" + earlier.document.number
            try write(name + ".json", earlier.json)
            if let html = earlier.html { try write(name + ".html", html) }
            if let xml = basis?.period.files[name + ".xml"] { try write(name + ".xml", xml) }
        }
        for (document, customer) in issued {
            let name = "corrections/" + document.number
            try write(name + ".json", document.bytes())
            try write(
                name + ".html",
                CorrectionHTML.render(
                    document, seller: seller, customerName: customer.name, settings: page))
            if let seller, eInvoiced.contains(document.number),
                let reference = references[document.number]
            {
                try write(
                    name + ".xml",
                    UBLInvoice.correctionXML(
                        document, original: reference.original, taxRate: reference.taxRate,
                        seller: seller, settings: page))
            }
        }
        return outputs
    }

    /// The manifest totals of a run with `--issued`: how many corrections the period holds,
    /// how many this run issued, and the sum of every correction per currency.
    func totals() throws -> [(String, String)] {
        let all = documents
        var sums: [String: (Rational, Int)] = [:]
        for document in all {
            let current = sums[document.currency] ?? (.zero, document.amountScale)
            sums[document.currency] = (try current.0 + document.draft.total, current.1)
        }
        var totals = [("corrections", String(all.count)), ("corrections_new", String(issued.count))]
        for code in sums.keys.sorted() {
            let (sum, scale) = sums[code]!
            totals.append(("corrections_total_\(code)", CorrectionDocument.text(sum, scale: scale)))
        }
        return totals
    }

    /// Every correction document of the period: the earlier ones, then this run's.
    var documents: [CorrectionDocument] {
        (basis?.period.corrections.map(\.document) ?? []) + issued.map(\.document)
    }

    /// `2 credit notes, 1 supplementary invoice issued` for the run's summary line.
    var summary: String {
        let notes = issued.filter { $0.document.draft.kind == .creditNote }.count
        let supplementary = issued.count - notes
        return "\(notes) credit note\(notes == 1 ? "" : "s"), \(supplementary) supplementary "
            + "invoice\(supplementary == 1 ? "" : "s") issued"
    }
}

/// `--finalize`: adds a committed run's documents to the issued store.
enum Finalize {
    /// Every invoice and correction document of the run at `outputPath` that the store's period
    /// does not hold yet is added, each checked against the SHA-256 the run's manifest records;
    /// a document the store holds must be the very same bytes (an issued document is never
    /// replaced).
    static func addRun(
        outputPath: String, store: String, period: YearMonth, existing: IssuedPeriod?
    ) throws {
        let manifestBytes = try ConfigFile.readBytes(
            path: RatedFolder.file(outputPath, ManifestSeal.manifestName), bytesMax: 1 << 30)
        let manifest = try Manifest.decode(manifestBytes)
        var additions: [(String, [UInt8])] = []
        for (name, recorded) in manifest.outputs
        where name.hasPrefix("invoices/") || name.hasPrefix("corrections/") {
            let bytes = try ConfigFile.readBytes(
                path: RatedFolder.file(outputPath, name), bytesMax: Int.max / 2)
            guard SHA256.hash(bytes) == recorded else {
                throw IssuedStoreError(
                    "\(RatedFolder.file(outputPath, name)) changed after the run wrote it")
            }
            if let issued = existing?.files[name] {
                guard issued == bytes else {
                    throw IssuedStoreError(
                        "\(name) differs from the issued document of that name in \(store)")
                }
                continue
            }
            additions.append((name, bytes))
        }
        guard existing == nil || !additions.isEmpty else { return }
        try IssuedStore.finalize(
            store: store, period: period, existing: existing, additions: additions,
            runManifestSHA256: SHA256.hash(manifestBytes))
    }
}

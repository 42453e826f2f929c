import Formats
import Foundation
import Pricing

/// One `invoice` run: load, check, build invoices and wallets, write. Nothing is written unless
/// the whole run succeeds.
public struct InvoiceJob {
    let catalogPath: String
    let customersPath: String
    let month: YearMonth
    let ratedPath: String
    let walletsPath: String?
    let grantPaths: [String]
    let outputPath: String
    let firstNumber: Int
    let issueDate: CivilDate?
    /// `--metrics-file`: written after a successful run only.
    public var metricsPath: String? = nil
    /// `--issued STORE`: build on the period's issued documents (SPEC §9): they are kept as
    /// issued, and a changed result is written as correction documents.
    public var issuedStore: String? = nil
    /// `--finalize`: after a successful run, add its new documents to the issued store.
    public var finalize = false
    /// `--paper`: the HTML invoices' print size; nil: by the seller's country (`Paper`).
    public var paper: Paper? = nil
    /// `--ubl`: which invoices get a UBL 2.1 e-invoice; nil: `auto`, unrecorded in the
    /// manifest's options (so runs without the option keep their manifests).
    public var ubl: UBLMode? = nil

    /// The largest invoice number: numbers are `<period>-<6 digits>` (SPEC §11).
    public static let numberMax = 999_999

    /// A run over checked options (the command line has validated each).
    public init(
        catalogPath: String, customersPath: String, month: YearMonth, ratedPath: String,
        walletsPath: String?, grantPaths: [String], outputPath: String, firstNumber: Int,
        issueDate: CivilDate?
    ) {
        self.catalogPath = catalogPath
        self.customersPath = customersPath
        self.month = month
        self.ratedPath = ratedPath
        self.walletsPath = walletsPath
        self.grantPaths = grantPaths
        self.outputPath = outputPath
        self.firstNumber = firstNumber
        self.issueDate = issueDate
    }

    func fail(_ status: ExitStatus, _ message: String) -> ExitStatus {
        RunLog.error("invoice", message)
        return status
    }

    public func run() -> ExitStatus {
        let started = Date()
        // An output folder overlapping an input would delete it on replace: refuse first.
        var named = [("--catalog", catalogPath), ("--customers", customersPath)]
        named += [("--rated", ratedPath)] + (walletsPath.map { [("--wallets", $0)] } ?? [])
        named += grantPaths.map { ("--grants", $0) }
        named += issuedStore.map { [("--issued", $0)] } ?? []
        if let conflict = OutputOverlap.firstConflict(output: outputPath, inputs: named) {
            return fail(.usage, "\(conflict)")
        }
        let limit = ConfigLimits().fileBytesMax
        let stage: StageConfiguration
        do {
            stage = try StageConfiguration.load(
                catalogPath: catalogPath, customersPath: customersPath)
        } catch {
            return fail(error.status, error.message)
        }
        let catalog = stage.catalog
        let customers = stage.customers
        // rate's folder: its period must be this run's, and every file it holds must be the
        // one rate wrote for this catalog and these customers.
        let rated: RatedFolder
        do {
            rated = try RatedFolder.read(path: ratedPath, manifestBytesMax: limit)
        } catch {
            return fail(.inputError, "\(error)\nnothing was written")
        }
        guard rated.period == month else {
            return fail(
                .usage,
                "--period \(month) differs from the rated folder's period \(rated.period); "
                    + "invoice the period that was rated")
        }
        do {
            try rated.verify(
                catalog: stage.catalogFile, catalogPath: catalogPath,
                customers: stage.customersFile, customersPath: customersPath)
        } catch {
            return fail(.inputError, "\(error)\nnothing was written")
        }
        // The rated folder is stage input (exit 3); wallets and grants are configuration (2).
        var ratedReader = InvoiceInputReader(catalog: catalog, customers: customers)
        let lines = ratedReader.ratedLines(
            rated.ratedBytes, file: RatedFolder.file(ratedPath, "rated.ndjson"))
        var grants: [String: Grant] = [:]
        ratedReader.grants(
            rated.includedCreditsBytes,
            file: RatedFolder.file(ratedPath, "included-credits.ndjson"), rules: .rateOutput,
            into: &grants)
        do {
            try ratedReader.check(listedMax: InvoiceInputReader.rateOutputProblemsListedMax)
        } catch {
            return fail(
                .inputError,
                "\(ratedPath) is corrupt; nothing was written:\n\(error)\n"
                    + "re-run rate to rebuild the folder")
        }
        var configuration: [(String, ConfigFile)] = [
            ("catalog", stage.catalogFile), ("customers", stage.customersFile),
            ("rated", rated.rated),
        ]
        if let logo = catalog.seller?.logo {
            // Every HTML invoice embeds the logo: its bytes are configuration of this run (the
            // catalog's digest covers only its path). Absent without a logo, as before.
            configuration.append(
                (
                    "logo",
                    ConfigFile(
                        name: (logo.path as NSString).lastPathComponent, bytes: logo.bytes,
                        sha256: logo.sha256)
                ))
        }
        var reader = InvoiceInputReader(catalog: catalog, customers: customers)
        var opening: [WalletEntry] = []
        do {
            if let walletsPath {
                let (file, bytes) = try InvoiceInputReader.readFile(
                    path: walletsPath, bytesMax: Int.max / 2)
                opening = reader.wallets(bytes, file: file.name)
                configuration.append(("wallets", file))
            }
            for (index, path) in grantPaths.enumerated() {
                let (file, bytes) = try InvoiceInputReader.readFile(
                    path: path, bytesMax: Int.max / 2)
                reader.grants(bytes, file: file.name, rules: .configuration, into: &grants)
                configuration.append((index == 0 ? "grants" : "grants_\(index + 1)", file))
            }
            try reader.check()
        } catch let errors as ConfigErrors {
            return fail(
                .invalidConfiguration, "invalid wallets or grants; nothing was written:\n\(errors)")
        } catch {
            return fail(.usage, "\(error)")
        }
        // A finalized period: its issued invoices are read back (and checked) first.
        var basis: IssuedBasis?
        if let issuedStore {
            do {
                basis = try IssuedBasis.load(
                    store: issuedStore, month: month, customers: customers, catalog: catalog)
            } catch let error as IssuedBasisError {
                return fail(.invalidConfiguration, "\(error)\nnothing was written")
            } catch {
                return fail(.inputError, "\(error)\nnothing was written")
            }
        }
        // Numbers are `<period>-<6 digits>` (SPEC §11): refuse a first number whose last invoice
        // would need a seventh digit, before anything is written. Every customer with a line gets
        // one invoice, and every line's customer is known (checked above). Customers new to a
        // finalized period are numbered after its issued invoices.
        let issuedCustomers = Set(basis?.invoices.keys.map { $0 } ?? [])
        let invoiceCount = Set(lines.map { $0.customer }).subtracting(issuedCustomers).count
        let firstNumber = max(self.firstNumber, (basis?.period.lastInvoiceSequence ?? 0) + 1)
        if invoiceCount > 0, firstNumber > InvoiceJob.numberMax - (invoiceCount - 1) {
            return fail(
                .usage,
                "--first-number \(firstNumber) with \(invoiceCount) invoices would number the last "
                    + "one \(firstNumber + invoiceCount - 1), past the 6-digit numbers of "
                    + "\(month)-NNNNNN; use --first-number "
                    + "\(InvoiceJob.numberMax - invoiceCount + 1) or lower")
        }
        let folder: OutputFolder
        do {
            folder = try OutputFolder.lockedForRun(target: outputPath)
        } catch {
            return fail(error.status, error.message)
        }
        do {
            let (count, amounts) = try produce(
                catalog: catalog, customers: customers, lines: lines,
                grants: grants.values.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) },
                opening: opening, configuration: configuration,
                buildsOn: ManifestLink(stage: "rate", manifestSHA256: rated.manifestSHA256),
                firstNumber: firstNumber, basis: basis, folder: folder)
            try folder.commit()
            if finalize, let issuedStore {
                do {
                    try Finalize.addRun(
                        outputPath: outputPath, store: issuedStore, period: month,
                        existing: basis?.period)
                } catch {
                    return fail(
                        .inputError,
                        "\(outputPath) was written, but the issued store was not updated: "
                            + "\(error)\nfinalize again once that is fixed")
                }
            }
            if let metricsPath,
                let problem = RunMetrics.write(
                    RunMetrics.invoice(
                        period: month.description, invoices: count, totals: amounts,
                        durationSeconds: Date().timeIntervalSince(started),
                        finishedAtSeconds: Date().timeIntervalSince1970), to: metricsPath)
            {
                return fail(.inputError, problem)
            }
            return .success
        } catch {
            let failure = RunFailure(error, doing: "invoicing")
            if failure.abandon { folder.abandon() }
            return fail(failure.status, failure.message)
        }
    }

    func produce(
        catalog: Catalog, customers: [Customer], lines: [RatedLine], grants: [Grant],
        opening: [WalletEntry], configuration: [(String, ConfigFile)], buildsOn: ManifestLink,
        firstNumber: Int, basis: IssuedBasis?, folder: OutputFolder
    ) throws -> (Int, [(currency: String, kind: String, amount: String)]) {
        var linesByCustomer: [String: [RatedLine]] = [:]
        for line in lines { linesByCustomer[line.customer, default: []].append(line) }
        let builder = InvoiceBuilder(month: month, rounding: catalog.rounding)
        var wallet = WalletBook(month: month, opening: opening)
        try wallet.grant(grants)
        // Customers are sorted by id: numbers follow that order (SPEC §11).
        var invoices: [Invoice] = []
        var number = firstNumber
        var corrections = CorrectionRun(month: month, basis: basis, accounts: catalog.accounts)
        for customer in customers {
            let period = customer.billingPeriod(startingIn: month)
            try wallet.expire(customer: customer.id, before: period.range.end)
            let customerLines = linesByCustomer[customer.id] ?? []
            if let kept = basis?.invoices[customer.id] {
                // Issued: the invoice stands as issued, with the credits it applied; a changed
                // result becomes a correction document.
                let original = kept.invoice
                let result =
                    customerLines.isEmpty
                    ? nil
                    : try builder.draft(
                        customer: customer, lines: customerLines,
                        number: IssuedBasis.sequence(original.number), issueDate: issueDate)
                let applied = try wallet.apply(
                    upTo: original.creditsApplied, to: original, at: period.range.end)
                try corrections.add(
                    customer: customer, original: original, result: result, applied: applied,
                    ratedLines: customerLines, issueDate: issueDate)
                invoices.append(original)
                continue
            }
            guard !customerLines.isEmpty else { continue }
            let draft = try builder.draft(
                customer: customer, lines: customerLines, number: number, issueDate: issueDate)
            let credits = try wallet.apply(to: draft, at: period.range.end)
            invoices.append(try builder.applying(credits: credits, to: draft))
            number += 1
        }
        // In number order, as invoices.csv lists them: customer order, except that customers
        // new to a finalized period are numbered after every issued invoice.
        if basis != nil {
            invoices.sort { $0.number.utf8.lexicographicallyPrecedes($1.number.utf8) }
        }
        // The manifest sorts its outputs by name, so the order files are written in is free.
        // The per-customer files (mostly file creation in the kernel) are written on this
        // thread while the files that grow with the customers, the journals and the
        // self-checks are made on another (`TwoThreads`); their sinks are opened here first, so
        // the other thread only writes and closes its own files. Those stream through a sink:
        // built in pieces, hashed as they are written, never held whole.
        let names = [
            "invoices.csv", "invoice-lines.csv", "wallet-transactions.ndjson", "wallets.ndjson",
            "journal.beancount", "journal.csv", "journal.ledger",
        ]
        let page = InvoicePageSettings(catalog: catalog, paper: paper)
        // E-invoices (issue 13) for this run's new invoices; an issued invoice keeps the
        // e-invoice it was issued with, if any (`writeInvoiceFiles`).
        let mode = ubl ?? .auto
        var eInvoiced: Set<String> = []
        var eInvoiceGaps: [EInvoiceGap] = []
        var eInvoicedCorrections: Set<String> = []
        var eInvoiceCandidates = 0
        // `auto` with no `seller` in the catalog: e-invoicing is not set up, so no document is
        // listed (at 100,000 customers that list would be most of the manifest); the page's
        // "Seller details missing" warning already names what to add. `always` lists them all.
        if mode == .always || (mode == .auto && catalog.seller != nil) {
            for invoice in invoices where basis?.invoices[invoice.customer.id] == nil {
                eInvoiceCandidates += 1
                let gaps = UBLInvoice.gaps(invoice, seller: catalog.seller, settings: page)
                if gaps.isEmpty {
                    eInvoiced.insert(invoice.customer.id)
                } else {
                    eInvoiceGaps.append(
                        EInvoiceGap(
                            customer: invoice.customer.id, document: invoice.number,
                            fields: gaps))
                }
            }
            // This run's correction documents (SPEC §9), after the invoices.
            for (document, _) in corrections.issued {
                guard let reference = corrections.references[document.number] else { continue }
                eInvoiceCandidates += 1
                let gaps = UBLInvoice.correctionGaps(
                    document, original: reference.original, seller: catalog.seller,
                    settings: page)
                if gaps.isEmpty {
                    eInvoicedCorrections.insert(document.number)
                } else {
                    eInvoiceGaps.append(
                        EInvoiceGap(
                            customer: document.customer, document: document.number,
                            fields: gaps))
                }
            }
        }
        if mode == .always, !eInvoiceGaps.isEmpty { throw UBLMissingData(gaps: eInvoiceGaps) }
        var sinks: [String: OutputSink] = [:]
        for name in names { sinks[name] = try folder.stream(name) }
        let closingWallet = wallet
        if catalog.seller == nil, !invoices.isEmpty {
            StageLog("invoice").warning(InvoiceHTML.sellerMissing)
        }
        if !eInvoiceGaps.isEmpty {
            StageLog("invoice").warning(
                UBLMissingData.warning(
                    eInvoiceGaps, documents: eInvoiceCandidates))
        }
        let credits = AppliedCredit.byInvoice(wallet.transactions)
        let (files, (streamed, journalCount)) = try TwoThreads.run(
            {
                try writeInvoiceFiles(
                    invoices, seller: catalog.seller, page: page, credits: credits,
                    kept: basis?.invoices ?? [:], eInvoiced: eInvoiced, folder: folder)
                    + corrections.writeFiles(
                        seller: catalog.seller, page: page, eInvoiced: eInvoicedCorrections,
                        folder: folder)
            },
            alongside: {
                var outputs: [(String, String)] = []
                func stream(_ name: String, _ write: (OutputSink) throws -> Void) throws {
                    let sink = sinks[name]!
                    try write(sink)
                    outputs.append((name, try sink.close()))
                }
                try stream("invoices.csv") { try InvoiceOutputs.invoicesCSV(invoices, to: $0) }
                try stream("invoice-lines.csv") {
                    try InvoiceLinesCSV.write(
                        invoices: invoices, corrections: corrections.documents,
                        plans: catalog.plans, to: $0)
                }
                try stream("wallet-transactions.ndjson") {
                    try InvoiceOutputs.walletTransactions(closingWallet.transactions, to: $0)
                }
                try stream("wallets.ndjson") {
                    try InvoiceOutputs.wallets(closingWallet.closingEntries, to: $0)
                }
                let journal = try JournalBuilder.transactions(
                    invoices: invoices, wallets: closingWallet, customers: customers,
                    accounts: catalog.accounts, corrections: corrections.journal)
                let currencies = InvoiceJob.journalCurrencies(journal, catalog: catalog)
                let accountIDs = AccountIDs(catalog: catalog, customers: customers)
                try stream("journal.beancount") {
                    try JournalWriters.beancount(
                        journal, currencies: currencies, accountIDs: accountIDs, to: $0)
                }
                try stream("journal.csv") { try JournalWriters.csv(journal, to: $0) }
                try stream("journal.ledger") {
                    try JournalWriters.ledger(
                        journal, currencies: currencies, accountIDs: accountIDs, to: $0)
                }
                try InvoiceInvariants.check(
                    ratedLines: lines, invoices: invoices, wallets: closingWallet,
                    journal: journal, accounts: catalog.accounts,
                    corrected: corrections.corrected)
                return (outputs, journal.count)
            })
        let outputs = files + streamed

        var totals: [(String, String)] = [("invoices", String(invoices.count))]
        var amounts: [(currency: String, kind: String, amount: String)] = []
        var byCurrency: [String: (Money, Money, Money)] = [:]
        for invoice in invoices {
            let zero = Money.zero(invoice.currency)
            let sums = byCurrency[invoice.currency.code] ?? (zero, zero, zero)
            byCurrency[invoice.currency.code] = (
                try sums.0 + invoice.total, try sums.1 + invoice.creditsApplied,
                try sums.2 + invoice.amountDue
            )
        }
        for code in byCurrency.keys.sorted() {
            let sums = byCurrency[code]!
            totals.append(("total_\(code)", sums.0.description))
            totals.append(("credits_applied_\(code)", sums.1.description))
            totals.append(("amount_due_\(code)", sums.2.description))
            amounts += [
                (code, "total", sums.0.description), (code, "credits_applied", sums.1.description),
                (code, "amount_due", sums.2.description),
            ]
        }
        var options: [(String, String?)] = [
            ("period", month.description), ("first_number", String(self.firstNumber)),
            ("as_of", issueDate?.description),
        ]
        if let paper { options.append(("paper", paper.rawValue)) }
        if let ubl { options.append(("ubl", ubl.rawValue)) }
        if issuedStore != nil {
            // Which issued history this run built on (null: the period was not finalized).
            options.append(("issued_manifest_sha256", basis?.period.manifestSHA256))
            totals += try corrections.totals()
        }
        var manifest = Manifest(
            stage: "invoice",
            options: options,
            buildsOn: buildsOn, configuration: configuration, inputs: [], skipped: [], counts: nil,
            outputs: outputs, totals: totals)
        manifest.eInvoicesMissing = eInvoiceGaps
        try folder.writeManifest(manifest)
        let summary =
            "\(invoices.count) invoices, "
            + (issuedStore == nil ? "" : corrections.summary + ", ")
            + "\(wallet.transactions.count) wallet transactions, "
            + "\(journalCount) journal transactions"
        StageLog("invoice").info(summary)
        return (invoices.count, amounts)
    }

    /// A customer's file name: the id when it is a safe file name, else its account-name
    /// component (`CustomerFileName`), so no id can reach outside `invoices/`.
    static func fileName(_ id: String) -> String {
        CustomerFileName.of(id)
    }

    /// The currencies the journals declare: those the run bills in, in code order.
    static func journalCurrencies(_ journal: [JournalTransaction], catalog: Catalog) -> [Currency] {
        var codes: [String] = []
        for transaction in journal {
            for posting in transaction.postings where !codes.contains(posting.amount.currency.code)
            {
                codes.append(posting.amount.currency.code)
            }
        }
        return codes.sorted().compactMap { catalog.currency(code: $0) }
    }

    /// Invoices rendered per batch of the pipeline in `writeInvoiceFiles`: enough to make the
    /// hand-over between the threads rare, few enough that a batch's bytes stay small.
    static let invoiceFileBatch = 256

    /// Writes `invoices/<customer>.json` and `invoices/<customer>.html` for every invoice, and
    /// `invoices/<customer>.xml` (UBL 2.1) for the customers in `eInvoiced` and the issued
    /// invoices issued with one, and returns their names and digests.
    ///
    /// Rendering is pure, so it runs one batch ahead on a second thread while this thread
    /// writes the batch before (file creation and writes are the other half of the cost):
    /// the two cores share the work. One thread writes, in invoice order, so the folder is
    /// used as from one thread and the bytes never depend on timing.
    func writeInvoiceFiles(
        _ invoices: [Invoice], seller: Seller?, page: InvoicePageSettings,
        credits: [String: [AppliedCredit]], kept: [String: IssuedBasis.Kept],
        eInvoiced: Set<String> = [], folder: OutputFolder
    ) throws -> [(String, String)] {
        typealias Rendered = (name: String, json: [UInt8], html: [UInt8], xml: [UInt8]?)
        func render(_ range: Range<Int>) -> [Rendered] {
            range.map { index in
                let invoice = invoices[index]
                func html() -> [UInt8] {
                    InvoiceHTML.render(
                        invoice, seller: seller, settings: page,
                        credits: credits[invoice.invoiceID] ?? [])
                }
                let name = "invoices/" + InvoiceJob.fileName(invoice.customer.id)
                // An issued invoice is copied byte for byte, never rendered again.
                if let issued = kept[invoice.customer.id] {
                    return (name, issued.json, issued.html ?? html(), issued.xml)
                }
                var xml: [UInt8]?
                if let seller, eInvoiced.contains(invoice.customer.id) {
                    xml = UBLInvoice.invoiceXML(invoice, seller: seller, settings: page)
                }
                return (name, InvoiceOutputs.invoiceJSON(invoice), html(), xml)
            }
        }
        let batch = InvoiceJob.invoiceFileBatch
        var outputs: [(String, String)] = []
        outputs.reserveCapacity(invoices.count * 2)
        var current = render(0..<min(batch, invoices.count))
        var start = 0
        while start < invoices.count {
            let following =
                min(
                    start + batch, invoices.count)..<min(
                    start + 2 * batch, invoices.count)
            var next: [Rendered] = []
            var written: [(String, String)] = []
            var failure: Error?
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                if part == 0 {
                    do {
                        for file in current {
                            let json = file.name + ".json"
                            written.append((json, try folder.write(json, bytes: file.json)))
                            let html = file.name + ".html"
                            written.append((html, try folder.write(html, bytes: file.html)))
                            if let bytes = file.xml {
                                let xml = file.name + ".xml"
                                written.append((xml, try folder.write(xml, bytes: bytes)))
                            }
                        }
                    } catch {
                        failure = error
                    }
                } else {
                    next = render(following)
                }
            }
            if let failure { throw failure }
            outputs += written
            current = next
            start += batch
        }
        return outputs
    }
}

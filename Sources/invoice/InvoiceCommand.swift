import ArgumentParser
import CommandSupport
import Formats
import Foundation
import Pipeline
import Pricing

/// `invoice`: turns a rated period into invoices, wallet movements and journals.
@main
struct InvoiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoice",
        abstract: "Issue a period's invoices, apply prepaid credits and write ledger journals.",
        discussion: """
            Reads rate's output folder (--rated), the opening wallets and grant files, and writes \
            invoices/<customer>.json, .html and .xml (UBL 2.1, --ubl), invoices.csv, \
            wallet-transactions.ndjson, wallets.ndjson (closing balances), journal.ledger, \
            journal.beancount, journal.csv and manifest.json into --output, whole or not at all.

            Example:
              invoice --catalog catalog.yaml --customers customers.yaml --period 2026-10 \\
                      --rated out/rate --wallets wallets.ndjson --grants grants.ndjson \\
                      --output out/invoice

            Exit codes: 0 success, 1 usage error (also --period differing from the rated \
            folder, or a --first-number whose last invoice would pass 999999), 2 invalid \
            catalog, customers, grants or wallets, 3 unreadable, changed or corrupt rated folder \
            (also one rated with another catalog or customers file), 5 output folder locked by \
            another run, 70 a self-check failed (a bug; nothing written). With --issued: 2 also \
            when the configuration no longer holds an issued invoice's customer, currency or \
            credits, 3 an issued store that was edited or cannot be written.

            Also: invoice verify DIR checks that an output folder is exactly what its run wrote; \
            invoice diff RUN_A RUN_B says what changed between two runs and why (--help on each).
            """,
        version: FormatsVersion.tool)

    @OptionGroup var stage: StageOptions

    @OptionGroup var log: LogOptions

    @Option(help: "rate's output folder. Example: --rated out/rate")
    var rated: String

    @Option(
        help:
            """
            Opening wallets: the previous period's wallets.ndjson. \
            Example: --wallets prev/wallets.ndjson
            """
    )
    var wallets: String?

    @Option(help: "A grants NDJSON file; repeat for several. Example: --grants grants.ndjson")
    var grants: [String] = []

    @Option(help: "The first invoice number of the period. Example: --first-number 1001")
    var firstNumber: Int = 1

    @Option(
        help:
            """
            Issue date printed on invoices, YYYY-MM-DD (default: each period's last local \
            day). Example: --as-of 2026-11-01
            """
    )
    var asOf: String?

    @Option(
        help: """
            The issued store (a folder): when it holds this period, its invoices are kept as \
            issued and a changed result is written as credit notes and supplementary invoices \
            in corrections/. Example: --issued /srv/ratebook/issued
            """)
    var issued: String?

    @Flag(
        help: """
            After a successful run, add its new invoices and corrections to --issued \
            (close the period). Example: --issued /srv/ratebook/issued --finalize
            """)
    var finalize = false

    @Option(
        help: """
            After a successful run, write its invoice count, amounts by currency, duration and \
            end time to this file in the Prometheus text format, atomically (node_exporter's \
            textfile collector). Example: --metrics-file /var/lib/node_exporter/ratebook.prom
            """)
    var metricsFile: String?

    @Option(
        help: """
            The HTML invoices' print size, a4 or letter (default: letter when the catalog's \
            seller is in the US, Canada or Mexico, else a4). Example: --paper letter
            """)
    var paper: String?

    @Option(
        help: """
            UBL 2.1 e-invoices, invoices/<customer>.xml: auto (default) writes one for each \
            invoice whose seller and buyer data suffice and lists the others in the manifest \
            and one warning (none at all when the catalog has no seller); always fails (exit \
            2) listing every missing field; never: none. Example: --ubl always
            """)
    var ubl: String?

    /// Parses the options and runs, exiting with Ratebook's codes (SPEC §10).
    static func main() {
        // Progress goes to standard error (cron logs); outputs never hold a log line.
        RunLog.bootstrap()
        runWithRatebookExitCodes(self, tools: stageTools(InvoiceTool.self))
    }

    func validate() throws {
        // The last number is checked once the invoice count is known (`InvoiceJob`).
        guard firstNumber >= 1, firstNumber <= InvoiceJob.numberMax else {
            throw ValidationError("--first-number must be from 1 to \(InvoiceJob.numberMax)")
        }
        if finalize, issued == nil {
            throw ValidationError("--finalize needs --issued STORE, the store to finalize into")
        }
        if let paper, Paper(rawValue: paper) == nil {
            throw ValidationError("--paper must be a4 or letter; got \(paper)")
        }
        if let ubl, UBLMode(rawValue: ubl) == nil {
            throw ValidationError("--ubl must be auto, always or never; got \(ubl)")
        }
        if let asOf, CivilDate(iso: asOf) == nil {
            throw ValidationError(
                "--as-of must be a date YYYY-MM-DD, such as 2026-11-01; got \(asOf)")
        }
    }

    func run() throws {
        log.apply()
        var job = InvoiceJob(
            catalogPath: stage.catalog, customersPath: stage.customers, month: stage.month!,
            ratedPath: rated, walletsPath: wallets, grantPaths: grants, outputPath: stage.output,
            firstNumber: firstNumber, issueDate: asOf.flatMap { CivilDate(iso: $0) })
        job.metricsPath = metricsFile
        job.issuedStore = issued
        job.paper = paper.flatMap { Paper(rawValue: $0) }
        job.ubl = ubl.flatMap { UBLMode(rawValue: $0) }
        job.finalize = finalize
        let status = job.run()
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

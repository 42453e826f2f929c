import Foundation
import TestSupport
import XCTest

/// `pipelines/render-pdf.sh` in the real headless Chromium on the samples: every invoice
/// printed to a PDF in the sibling `OUT.pdf` folder, read back with poppler's `pdfinfo` and
/// `pdftotext` (what a reader of the PDF sees), the invoice folder left untouched, and the same
/// bytes on a second run. scripts/setup installs chromium and poppler-utils, so CI runs these.
final class RenderPDFTests: XCTestCase {
    var script: URL {
        Executables.packageRoot.appendingPathComponent("pipelines/render-pdf.sh")
    }

    /// Runs the render script with `arguments` (and extra `environment`) in `work`.
    func render(
        _ arguments: [String], in work: URL, environment: [String: String] = [:]
    ) throws -> RunResult {
        try runProcess(
            URL(fileURLWithPath: "/bin/bash"), [script.path] + arguments, in: work,
            environment: environment, timeoutSeconds: 300)
    }

    /// Skips a test that prints pages when Chromium is not installed (a developer machine
    /// without scripts/setup run); CI runs scripts/setup first, so there it always runs.
    func requireChromium() throws {
        let which = try runProcess(
            URL(fileURLWithPath: "/usr/bin/which"), ["chromium"],
            in: FileManager.default.temporaryDirectory)
        if which.status != 0 {
            throw XCTSkip("chromium is not installed: run scripts/setup to test the PDF output")
        }
    }

    /// `rate` then `invoice` on the samples; returns the invoice output folder.
    func invoiceSamples(in work: URL) throws -> URL {
        let samples = Executables.samples
        // The samples' catalog gives 14 days of payment terms (cus_3 has its own 30), so every
        // page prints a due date.
        let catalog = samples.appendingPathComponent("catalog.yaml")
        let rateOutput = work.appendingPathComponent("rate", isDirectory: true)
        let rated = try runRate(
            rateArguments(
                catalog: catalog,
                customers: samples.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: rateOutput, inputs: [samples.appendingPathComponent("events").path],
                extra: Executables.sampleRateOptions),
            in: work)
        XCTAssertEqual(rated.status, 0, rated.transcript)
        let output = work.appendingPathComponent("invoice", isDirectory: true)
        let invoiced = try runInvoice(
            [
                "--catalog", catalog.path,
                "--customers", samples.appendingPathComponent("customers.yaml").path,
                "--period", "2026-10", "--rated", rateOutput.path, "--output", output.path,
                "--wallets", samples.appendingPathComponent("wallets-2026-09.ndjson").path,
                "--grants", samples.appendingPathComponent("grants.ndjson").path,
            ], in: work)
        XCTAssertEqual(invoiced.status, 0, invoiced.transcript)
        return output
    }

    /// `pdfinfo -isodates` of `pdf` as field → value.
    func pdfInfo(_ pdf: URL) throws -> [String: String] {
        let result = try runTool(
            "pdfinfo", ["-isodates", pdf.path], in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(result.status, 0, result.transcript)
        var fields: [String: String] = [:]
        for line in result.standardOutput.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] =
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// The text of `pdf` as `pdftotext -layout` extracts it.
    func pdfText(_ pdf: URL) throws -> String {
        let result = try runTool(
            "pdftotext", ["-layout", pdf.path, "-"], in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(result.status, 0, result.transcript)
        return result.standardOutput
    }

    /// `issueDate` (YYYY-MM-DD) plus `days`, written as the page writes dates: `30 Nov 2026`.
    func dueDateText(_ issueDate: String, days: Int) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = issueDate.split(separator: "-").compactMap { Int($0) }
        let issue = try XCTUnwrap(
            calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])))
        let due = try XCTUnwrap(calendar.date(byAdding: .day, value: days, to: issue))
        let fields = calendar.dateComponents([.year, .month, .day], from: due)
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ]
        return "\(fields.day!) \(months[fields.month! - 1]) \(fields.year!)"
    }

    /// The digits of `text` alone: `$1,011.37`, `1.011,37 €` and `1011.37` all give `101137`.
    func digits(_ text: Substring) -> String {
        String(text.filter(\.isASCII).filter(\.isNumber))
    }

    /// The unsigned number of `bytes`, most significant first.
    func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The text of page `page` of `pdf`.
    func pdfText(_ pdf: URL, page: Int) throws -> String {
        let result = try runTool(
            "pdftotext", ["-layout", "-f", "\(page)", "-l", "\(page)", pdf.path, "-"],
            in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(result.status, 0, result.transcript)
        return result.standardOutput
    }

    /// cus_6 of the samples (5 lines of its own) with one token line per model: `models` + 5
    /// lines. Returns the rendered PDF.
    func quietInvoice(models: Int, paper: String, in work: URL) throws -> URL {
        let samples = Executables.samples
        let name = "cus6-\(models)-\(paper)"
        let events =
            (0..<models).map { index in
                #"{"id":"t\#(index)","customer":"cus_6","meter":"tokens_in","#
                    + #""ts":"2026-10-05T10:00:00Z","quantity":"1","#
                    + #""dims":{"model":"model-\#(index)"}}"#
            }.joined(separator: "\n") + "\n"
        let eventsFile = try writeFile(name + ".ndjson", events, in: work)
        let rate = work.appendingPathComponent(name + "-rate")
        let rated = try runRate(
            rateArguments(
                catalog: samples.appendingPathComponent("catalog.yaml"),
                customers: samples.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: rate, inputs: [eventsFile.path]), in: work)
        XCTAssertEqual(rated.status, 0, rated.transcript)
        let output = work.appendingPathComponent(name)
        let invoiced = try runInvoice(
            [
                "--catalog", samples.appendingPathComponent("catalog.yaml").path,
                "--customers", samples.appendingPathComponent("customers.yaml").path,
                "--period", "2026-10", "--rated", rate.path, "--output", output.path,
                "--paper", paper,
            ], in: work)
        XCTAssertEqual(invoiced.status, 0, invoiced.transcript)
        let invoice = try readObject(output.appendingPathComponent("invoices/cus_6.json"))
        XCTAssertEqual((invoice["lines"] as? [Any])?.count, models + 5)
        let rendered = try render([output.path], in: work)
        XCTAssertEqual(rendered.status, 0, rendered.transcript)
        return work.appendingPathComponent(name + ".pdf/invoices/cus_6.pdf")
    }

    /// An invoice of 15 lines prints on one A4 or Letter page; a longer one continues on a
    /// page that repeats the invoice number and says "Page 2 of 2".
    func testFifteenLinesFitOnePageAndLongerInvoicesContinue() throws {
        try requireChromium()
        let work = try makeTemporaryDirectory()
        for paper in ["a4", "letter"] {
            let info = try pdfInfo(try quietInvoice(models: 10, paper: paper, in: work))
            XCTAssertEqual(info["Pages"], "1", paper)
            XCTAssertTrue(
                info["Page size"]?.hasSuffix(paper == "a4" ? " pts (A4)" : " pts (letter)")
                    ?? false, "\(paper): \(info["Page size"] ?? "")")
        }
        let long = try quietInvoice(models: 35, paper: "a4", in: work)
        XCTAssertEqual(try pdfInfo(long)["Pages"], "2")
        let first = try pdfText(long, page: 1)
        XCTAssertTrue(first.contains("Page 1 of 2"), first)
        let second = try pdfText(long, page: 2)
        XCTAssertTrue(
            second.split(separator: "\n").contains {
                $0.contains("Invoice 2026-10-000006") && $0.contains("Page 2 of 2")
            }, second)
    }

    func testEverySampleInvoicePrintsToAPDFAReaderCanCheck() throws {
        try requireChromium()
        let work = try makeTemporaryDirectory()
        let output = try invoiceSamples(in: work)
        let before = try folderDigests(output)

        let rendered = try render([output.path], in: work)
        XCTAssertEqual(rendered.status, 0, rendered.transcript)
        let pdfs = work.appendingPathComponent("invoice.pdf", isDirectory: true)
        XCTAssertTrue(
            rendered.standardOutput.hasPrefix(
                "render-pdf: 7 PDF(s) in \(work.resolvingSymlinksInPath().path)/invoice.pdf ("),
            rendered.transcript)
        XCTAssertEqual(rendered.standardError, "")

        // Nothing written into the invoice folder: its manifest still covers it exactly.
        XCTAssertEqual(try folderDigests(output), before)
        let verified = try runInvoice(["verify", output.path], in: work)
        XCTAssertEqual(verified.status, 0, verified.transcript)

        XCTAssertEqual(folderEntries(pdfs), ["invoices"])
        XCTAssertEqual(
            folderEntries(pdfs.appendingPathComponent("invoices")),
            [1, 2, 3, 4, 5, 6, 8].map { "cus_\($0).pdf" })
        // Every sample invoice (up to 12 lines, notes and credits included) fits one A4 page.
        let expectedPages = [
            "cus_1": "1", "cus_2": "1", "cus_3": "1", "cus_4": "1", "cus_5": "1", "cus_6": "1",
            "cus_8": "1",
        ]
        for customer in expectedPages.keys.sorted() {
            let pdf = pdfs.appendingPathComponent("invoices/\(customer).pdf")
            let invoice = try readObject(
                output.appendingPathComponent("invoices/\(customer).json"))
            let number = try XCTUnwrap(invoice["number"] as? String)
            let amountDue = try XCTUnwrap(invoice["amount_due"] as? String)
            let issueDate = try XCTUnwrap(invoice["issue_date"] as? String)

            let info = try pdfInfo(pdf)
            XCTAssertEqual(info["Pages"], expectedPages[customer], customer)
            // Chromium's wall-clock stamps replaced by the issue date, so runs repeat exactly.
            XCTAssertEqual(info["CreationDate"], "\(issueDate)T00:00:00Z", customer)
            XCTAssertEqual(info["ModDate"], "\(issueDate)T00:00:00Z", customer)

            let text = try pdfText(pdf)
            XCTAssertTrue(text.contains(number), "\(customer): no \(number) in\n\(text)")
            // The amount due as printed beside its label, whatever the currency's grouping
            // and symbol: the digits after "Amount due" on some line are the amount's digits.
            let printed = text.split(separator: "\n").compactMap { line -> Substring? in
                guard let label = line.range(of: "Amount due", options: .caseInsensitive)
                else { return nil }
                return line[label.upperBound...]
            }
            XCTAssertFalse(printed.isEmpty, "\(customer): no Amount due in\n\(text)")
            XCTAssertTrue(
                printed.contains { digits($0) == digits(Substring(amountDue)) },
                "\(customer): amount due \(amountDue) not printed in \(printed)")
            // The due date, the terms' days after the issue date, as the page prints dates.
            let due = try dueDateText(issueDate, days: customer == "cus_3" ? 30 : 14)
            XCTAssertTrue(
                text.split(separator: "\n").contains {
                    $0.contains("Due date") && $0.contains(due)
                }, "\(customer): no due date \(due) in\n\(text)")
        }

        // Again, elsewhere, with the README's screenshot: the same PDF bytes.
        let again = work.appendingPathComponent("again", isDirectory: true)
        let second = try render([output.path, "--to", again.path, "--png", "cus_2"], in: work)
        XCTAssertEqual(second.status, 0, second.transcript)
        var secondDigests = try folderDigests(again)
        let png = try XCTUnwrap(secondDigests.removeValue(forKey: "invoices/cus_2.png"))
        XCTAssertFalse(png.isEmpty)
        XCTAssertEqual(secondDigests, try folderDigests(pdfs))
        // A PNG of A4's width at 96 dpi and 1,200 pixels high (IHDR: width, height at 16…23).
        let bytes = try readBytes(again.appendingPathComponent("invoices/cus_2.png"))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertGreaterThan(bytes.count, 24)
        XCTAssertEqual(bigEndian(bytes[16..<20]), 794)
        XCTAssertEqual(bigEndian(bytes[20..<24]), 1200)
    }

    func testCorrectionsPrintBesideInvoicesAndTheFolderIsReplacedWhole() throws {
        try requireChromium()
        let work = try makeTemporaryDirectory()
        // A folder shaped as `invoice` writes one after a closed period's re-run: no invoice
        // this time, one correction document (the page of a sample invoice stands in for the
        // credit note's: the script prints whatever HTML is there).
        let folder = work.appendingPathComponent("out", isDirectory: true)
        let expected = Executables.samples.appendingPathComponent("expected/invoice/invoices")
        try shell(
            "mkdir -p out/invoices out/corrections && : > out/manifest.json"
                + " && cp '\(expected.path)/cus_6.html' out/corrections/2026-10-900001.html"
                + " && cp '\(expected.path)/cus_6.json' out/corrections/2026-10-900001.json"
                + " && mkdir -p out.pdf/invoices && : > out.pdf/invoices/cus_1.pdf",
            in: work)

        let rendered = try render([folder.path + "/"], in: work)
        XCTAssertEqual(rendered.status, 0, rendered.transcript)
        let pdfs = work.appendingPathComponent("out.pdf", isDirectory: true)
        XCTAssertTrue(
            rendered.standardOutput.hasPrefix(
                "render-pdf: 1 PDF(s) in \(work.resolvingSymlinksInPath().path)/out.pdf ("),
            rendered.transcript)
        // The earlier render's cus_1.pdf is gone: no invoice of that name is there now.
        XCTAssertEqual(folderEntries(pdfs), ["corrections", "invoices"])
        XCTAssertEqual(folderEntries(pdfs.appendingPathComponent("invoices")), [])
        let pdf = pdfs.appendingPathComponent("corrections/2026-10-900001.pdf")
        XCTAssertEqual(
            folderEntries(pdfs.appendingPathComponent("corrections")),
            ["2026-10-900001.pdf"])
        XCTAssertEqual(try pdfInfo(pdf)["Pages"], "1")
        XCTAssertTrue(try pdfText(pdf).contains("2026-10-000006"))
        XCTAssertEqual(folderEntries(work).filter { $0.hasPrefix(".render-pdf") }, [])

        // A page that cannot be dated (its JSON is gone): exit 3, the earlier PDFs kept.
        try FileManager.default.removeItem(
            at: folder.appendingPathComponent("corrections/2026-10-900001.json"))
        let undated = try render([folder.path], in: work)
        XCTAssertEqual(undated.status, 3, undated.transcript)
        XCTAssertTrue(
            undated.standardError.contains(
                "corrections/2026-10-900001.json: cannot read the issue date"),
            undated.transcript)
        XCTAssertEqual(
            folderEntries(pdfs.appendingPathComponent("corrections")), ["2026-10-900001.pdf"])
        XCTAssertEqual(folderEntries(work).filter { $0.hasPrefix(".render-pdf") }, [])
    }

    func testUsageAndFolderErrorsExitWithTheirCodes() throws {
        let work = try makeTemporaryDirectory()
        try shell("mkdir -p out/invoices empty && : > out/manifest.json", in: work)
        let cases: [([String], [String: String], Int32, String)] = [
            ([], [:], 1, "render-pdf.sh: usage: render-pdf.sh OUT_INVOICE [--to DIR]"),
            (["out", "--bogus"], [:], 1, "render-pdf.sh: unknown option --bogus"),
            (["out", "out2"], [:], 1, "render-pdf.sh: one OUT_INVOICE folder only (got out and"),
            (["out", "--png", "../x"], [:], 1, "render-pdf.sh: --png takes an invoice name"),
            (["out", "--png", "cus_9"], [:], 1, "render-pdf.sh: --png cus_9: no out/invoices"),
            (
                ["out"], ["CHROMIUM": "/nonexistent/chromium"], 1,
                "render-pdf.sh: chromium is not installed at /nonexistent/chromium: run "
                    + "scripts/setup"
            ),
            (["missing"], [:], 3, "render-pdf.sh: missing: not a readable folder"),
            (["empty"], [:], 3, "render-pdf.sh: empty: no manifest.json and invoices/ here"),
            (
                ["out", "--to", "out/pdf"], [:], 1,
                "render-pdf.sh: --to \(work.resolvingSymlinksInPath().path)/out/pdf is inside out"
            ),
        ]
        for (arguments, environment, status, message) in cases {
            let result = try render(arguments, in: work, environment: environment)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.transcript)")
            XCTAssertTrue(
                result.standardError.hasPrefix(message), "\(arguments): \(result.transcript)")
            XCTAssertEqual(result.standardOutput, "", "\(arguments)")
        }
        XCTAssertEqual(folderEntries(work), ["empty", "out"], "nothing written")

        // A --to folder holding anything but an earlier render's PDFs is refused, not replaced.
        try shell("mkdir -p data/invoices && : > data/invoices/notes.txt", in: work)
        let kept = try render(["out", "--to", "data"], in: work)
        XCTAssertEqual(kept.status, 1, kept.transcript)
        XCTAssertEqual(
            kept.standardError,
            "render-pdf.sh: \(work.resolvingSymlinksInPath().path)/data holds "
                + "\(work.resolvingSymlinksInPath().path)/data/invoices/notes.txt, which is not "
                + "an earlier render's PDF: it would be deleted; choose a new folder or empty "
                + "that one\n")
        XCTAssertEqual(folderEntries(work.appendingPathComponent("data/invoices")), ["notes.txt"])
        try FileManager.default.removeItem(at: work.appendingPathComponent("data"))

        // A browser that fails, or exits 0 without writing the PDF: exit 3, nothing left.
        try shell(": > out/invoices/cus_1.html && : > out/invoices/cus_1.json", in: work)
        for browser in ["/bin/false", "/bin/true"] {
            let result = try render(["out"], in: work, environment: ["CHROMIUM": browser])
            XCTAssertEqual(result.status, 3, "\(browser): \(result.transcript)")
            XCTAssertTrue(
                result.standardError.hasPrefix(
                    "render-pdf.sh: Chromium could not print "
                        + "\(work.resolvingSymlinksInPath().path)/out/invoices/cus_1.html:"),
                "\(browser): \(result.transcript)")
            XCTAssertEqual(folderEntries(work), ["empty", "out"], "\(browser): nothing written")
        }
    }
}

import Formats
import Foundation
import TestSupport
import XCTest

/// A month as operators run it, through the `pipelines/` scripts: three nightly runs over a
/// growing drop folder, the period closed into the issued store, then late events, a catalog
/// fix and a new customer after the close, re-run into credit notes, supplementary invoices and
/// a new invoice (SPEC §9); the corrections finalized into history; and edits caught.
final class MonthSimulationTests: XCTestCase {
    var work = URL(fileURLWithPath: "/")
    var drop: URL { work.appendingPathComponent("drop") }
    var root: URL { work.appendingPathComponent("runs") }
    var store: URL { work.appendingPathComponent("issued") }
    var bin: String { (try? Executables.rate().deletingLastPathComponent().path) ?? "" }

    override func setUpWithError() throws {
        work = try makeTemporaryDirectory()
        try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
    }

    func script(_ name: String, _ arguments: [String]) throws -> RunResult {
        try runProcess(
            URL(fileURLWithPath: "/bin/bash"),
            [Executables.packageRoot.appendingPathComponent("pipelines/\(name)").path]
                + arguments, in: work, environment: ["RATEBOOK_BIN": bin], timeoutSeconds: 120)
    }

    /// A pipeline run of October over every file in the drop folder (named one by one, sorted).
    func pipeline(
        _ name: String, runID: String, catalog: URL, customers: URL, _ extra: [String] = []
    ) throws -> RunResult {
        let samples = Executables.samples
        let files = folderEntries(drop).map { drop.appendingPathComponent($0).path }
        return try script(
            name,
            [
                "--root", root.path, "--period", "2026-10", "--run-id", runID,
                "--catalog", catalog.path, "--customers", customers.path,
                "--wallets", samples.appendingPathComponent("wallets-2026-09.ndjson").path,
                "--grants", samples.appendingPathComponent("grants.ndjson").path,
            ] + extra + files)
    }

    func drop(_ sample: String) throws {
        try FileManager.default.copyItem(
            at: Executables.samples.appendingPathComponent("events/\(sample)"),
            to: drop.appendingPathComponent(sample))
    }

    func tool(_ name: String, _ arguments: [String], in directory: URL) throws -> RunResult {
        try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, in: directory)
    }

    /// The JSON documents of a folder (`invoices/` or `corrections/`), by file name.
    func documents(_ folder: URL) throws -> [String: [String: Any]] {
        var result: [String: [String: Any]] = [:]
        for name in folderEntries(folder) where name.hasSuffix(".json") {
            result[name] = try readObject(folder.appendingPathComponent(name))
        }
        return result
    }

    func decimal(_ value: Any?) throws -> Decimal {
        try XCTUnwrap((value as? String).flatMap { Decimal(string: $0) }, "\(value ?? "nil")")
    }

    /// A figure of an invoice or correction document: `tax` is an object on an invoice (null
    /// without tax) and `discounts` a list there; a correction states each as one amount.
    func figure(_ document: [String: Any], _ name: String) throws -> Decimal {
        switch document[name] {
        case let tax as [String: Any]: return try decimal(tax["amount"])
        case let discounts as [[String: Any]]:
            return try discounts.reduce(0) { $0 + (try decimal($1["amount"])) }
        case is NSNull, nil: return 0
        case let value: return try decimal(value)
        }
    }

    /// Each line's amount by its key (plan, charge, kind, group).
    func lineAmounts(_ document: [String: Any]) throws -> [String: Decimal] {
        var result: [String: Decimal] = [:]
        for line in document["lines"] as? [[String: Any]] ?? [] {
            let group = (line["group"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
            let key =
                ["plan", "charge", "kind"].map { line[$0] as? String ?? "" }.joined(
                    separator: "/") + "/"
                + group.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
            // A correction's line carries the difference as its `amount`.
            result[key, default: 0] += try decimal(line["amount"])
        }
        return result
    }

    func testAMonthClosedThenCorrectedAfterTheClose() throws {
        let samples = Executables.samples
        let catalog = samples.appendingPathComponent("catalog.yaml")
        let customers = samples.appendingPathComponent("customers.yaml")

        // Three nights over a growing drop folder.
        try drop("2026-10-a.ndjson.zst")
        var result = try pipeline(
            "nightly.sh", runID: "2026-10-11", catalog: catalog, customers: customers)
        XCTAssertEqual(result.status, 0, result.transcript)
        try drop("2026-10-b.ndjson.gz")
        result = try pipeline(
            "nightly.sh", runID: "2026-10-21", catalog: catalog, customers: customers)
        XCTAssertEqual(result.status, 0, result.transcript)
        try drop("late.ndjson")
        result = try pipeline(
            "nightly.sh", runID: "2026-11-01", catalog: catalog, customers: customers)
        XCTAssertEqual(result.status, 0, result.transcript)
        let invoiced = try readObject(
            root.appendingPathComponent("2026-10/2026-11-01/invoice/manifest.json"))
        // cus_1 to cus_6 and cus_8, whose platform events are not dropped here: its invoice is
        // the 25.00 fee and the storage charge's 10.00 flat price at zero usage.
        XCTAssertEqual((invoiced["totals"] as? [String: String])?["invoices"], "7")

        // The close: the same inputs, finalized into the issued store and verified.
        result = try pipeline(
            "close-period.sh", runID: "close-1", catalog: catalog, customers: customers,
            ["--issued", store.path])
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertTrue(
            result.standardOutput.hasSuffix("close-period: 2026-10 finalized into \(store.path)\n"),
            result.transcript)
        let period = store.appendingPathComponent("2026-10")
        let issued = try folderDigests(period.appendingPathComponent("invoices"))
        // JSON and HTML for the seven customers, UBL XML for the six with an address.
        XCTAssertEqual(issued.count, 20)
        XCTAssertEqual(
            try folderDigests(root.appendingPathComponent("2026-10/close-1/invoice/invoices")),
            issued)
        let firstStoreManifest = try readBytes(period.appendingPathComponent("manifest.json"))

        // After the close: late usage for cus_2 (EUR, VAT and a discount), a new customer
        // cus_7, and a catalog fix lowering the m-large token price.
        _ = try writeFile(
            "2026-11-03-late.ndjson",
            [
                #"{"id":"fix-1","customer":"cus_2","meter":"tokens_out","#
                    + #""ts":"2026-10-20T10:00:00Z","quantity":"2500000"}"#,
                #"{"id":"fix-2","customer":"cus_7","meter":"api_calls","#
                    + #""ts":"2026-10-25T10:00:00Z"}"#,
                #"{"id":"fix-3","customer":"cus_7","meter":"seats","#
                    + #""ts":"2026-10-25T10:00:00Z","quantity":"3"}"#,
            ].joined(separator: "\n") + "\n", in: drop)
        let fixedCatalog = try writeFile(
            "catalog-fixed.yaml",
            try readText(catalog).replacingOccurrences(
                of: "m-large: \"0.012\"", with: "m-large: \"0.010\""), in: work)
        XCTAssertNotEqual(try readText(fixedCatalog), try readText(catalog), "the fix applies")
        let fixedCustomers = try writeFile(
            "customers-fixed.yaml",
            try readText(customers)
                + """
                  cus_7:
                    name: "New Wave Ltd"
                    subscriptions:
                      - { plan: starter, start: 2026-10-20 }

                """, in: work)

        // The re-run: issued invoices kept, corrections written, the diff printed.
        result = try pipeline(
            "rerun-period.sh", runID: "fix-1", catalog: fixedCatalog, customers: fixedCustomers,
            ["--issued", store.path])
        XCTAssertEqual(result.status, 0, result.transcript)
        let fix = root.appendingPathComponent("2026-10/fix-1/invoice")
        for customer in ["cus_2", "cus_7"] {
            XCTAssertTrue(result.standardOutput.contains(customer), result.standardOutput)
        }
        let kept = try folderDigests(fix.appendingPathComponent("invoices"))
        XCTAssertEqual(kept.filter { issued[$0.key] != nil }, issued, "issued bytes kept")
        XCTAssertEqual(Set(kept.keys).subtracting(issued.keys), ["cus_7.json", "cus_7.html"])
        let newInvoice = try readObject(fix.appendingPathComponent("invoices/cus_7.json"))
        XCTAssertEqual(newInvoice["number"] as? String, "2026-10-000008")

        // What a run without the store bills: the re-run's result, for every customer.
        let plain = work.appendingPathComponent("plain")
        let invoiceRun = try runProcess(
            try Executables.invoice(),
            [
                "--catalog", fixedCatalog.path, "--customers", fixedCustomers.path,
                "--period", "2026-10", "--rated",
                fix.deletingLastPathComponent()
                    .appendingPathComponent("rate").path,
                "--wallets", samples.appendingPathComponent("wallets-2026-09.ndjson").path,
                "--grants", samples.appendingPathComponent("grants.ndjson").path,
                "--output", plain.path,
            ], in: work)
        XCTAssertEqual(invoiceRun.status, 0, invoiceRun.transcript)
        let wanted = try documents(plain.appendingPathComponent("invoices"))
        let originals = try documents(period.appendingPathComponent("invoices"))
        let corrections = try documents(fix.appendingPathComponent("corrections"))
        XCTAssertFalse(corrections.isEmpty)

        // Original + corrections = re-run result, total and line by line, for every customer.
        var kinds: [String: String] = [:]
        for (name, document) in corrections {
            let customer = try XCTUnwrap(document["customer"] as? String)
            XCTAssertNil(kinds[customer], "one correction per customer in one re-run")
            kinds[customer] = document["type"] as? String
            XCTAssertEqual(name, "\(document["number"] as? String ?? "").json")
            XCTAssertEqual(
                document["corrects"] as? String,
                originals["\(customer).json"]?["number"] as? String)
            let delta = try decimal(document["total"])
            XCTAssertEqual(
                document["type"] as? String, delta < 0 ? "credit_note" : "supplementary_invoice")
        }
        XCTAssertEqual(kinds["cus_2"], "supplementary_invoice")
        XCTAssertTrue(kinds.values.contains("credit_note"), "\(kinds)")
        XCTAssertNil(kinds["cus_7"], "a new customer gets an invoice, not a correction")
        // Derived by hand, not by a run. m-large tokens at 0.010 instead of 0.012: cus_1 915
        // (10.98 → 9.15), cus_4 462 (5.544 → 4.62, billed 5.54 → 4.62), cus_5 760 (9.12 →
        // 7.60). cus_2's 2,500 more thousand output tokens: 1,000 × 0.0015 + 2,220.218 × 0.0009
        // = 3.4981962 → 3.50 (was 1.08, +2.42); the 10% discount of 105.50 is −10.55 (was
        // −10.31, −0.24); VAT 19% of 94.95 is 18.04 (was 17.63, +0.41); total +2.59.
        var byCustomer: [String: [String: Decimal]] = [:]
        for document in corrections.values {
            let customer = try XCTUnwrap(document["customer"] as? String)
            for name in ["subtotal", "discounts", "tax", "total"] {
                byCustomer[customer, default: [:]][name] = try figure(document, name)
            }
        }
        XCTAssertEqual(
            byCustomer,
            [
                "cus_1": ["subtotal": "-1.83", "discounts": "0", "tax": "0", "total": "-1.83"],
                "cus_2": ["subtotal": "2.42", "discounts": "-0.24", "tax": "0.41", "total": "2.59"],
                "cus_4": ["subtotal": "-0.92", "discounts": "0", "tax": "0", "total": "-0.92"],
                "cus_5": ["subtotal": "-1.52", "discounts": "0", "tax": "0", "total": "-1.52"],
            ].mapValues { $0.mapValues { Decimal(string: $0)! } })
        XCTAssertEqual(try figure(newInvoice, "total"), 100)

        // E-invoices of the corrections (issue 13): the credit notes of cus_1, cus_4 and cus_5
        // and cus_2's supplementary invoice get one each, referring to the invoice they
        // correct; the new cus_7 has no address and is listed. Their totals are their JSON's,
        // in the document's signs: cus_1 credits 1.83, cus_4 0.92, cus_5 1.52 (category E);
        // cus_2 charges 2.42 of lines, an allowance of 0.24, 2.18 taxable, VAT 0.41 (2.18 ×
        // 19 % = 0.4142, within BR-CO-17), 2.59 due.
        let correctionXML = folderEntries(fix.appendingPathComponent("corrections")).filter {
            $0.hasSuffix(".xml")
        }
        XCTAssertEqual(correctionXML.count, 4, "\(correctionXML)")
        var eInvoiceTotals: [String: UBLTotals] = [:]
        for name in correctionXML {
            let xml = try readText(fix.appendingPathComponent("corrections/" + name))
            let json = try XCTUnwrap(
                corrections[name.replacingOccurrences(of: ".xml", with: ".json")])
            let customer = try XCTUnwrap(json["customer"] as? String)
            XCTAssertEqual(try UBLTotals(xml), try UBLTotals(correctionJSON: json), name)
            eInvoiceTotals[customer] = try UBLTotals(xml)
            let original = try XCTUnwrap(originals["\(customer).json"])
            XCTAssertTrue(
                xml.contains(
                    "<cac:InvoiceDocumentReference>\n      <cbc:ID>"
                        + "\(original["number"] as? String ?? "")</cbc:ID>\n      <cbc:IssueDate>"
                        + "\(original["issue_date"] as? String ?? "")</cbc:IssueDate>"), xml)
            XCTAssertTrue(
                xml.contains(
                    json["type"] as? String == "credit_note"
                        ? "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
                        : "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"), name)
        }
        XCTAssertEqual(eInvoiceTotals["cus_1"]?.payable, Decimal(string: "1.83"))
        XCTAssertEqual(eInvoiceTotals["cus_1"]?.taxAmount, 0)
        XCTAssertEqual(eInvoiceTotals["cus_4"]?.payable, Decimal(string: "0.92"))
        XCTAssertEqual(eInvoiceTotals["cus_5"]?.payable, Decimal(string: "1.52"))
        XCTAssertEqual(eInvoiceTotals["cus_2"]?.lineExtension, Decimal(string: "2.42"))
        XCTAssertEqual(eInvoiceTotals["cus_2"]?.allowanceTotal, Decimal(string: "0.24"))
        XCTAssertEqual(eInvoiceTotals["cus_2"]?.taxExclusive, Decimal(string: "2.18"))
        XCTAssertEqual(eInvoiceTotals["cus_2"]?.taxAmount, Decimal(string: "0.41"))
        XCTAssertEqual(eInvoiceTotals["cus_2"]?.payable, Decimal(string: "2.59"))
        let fixManifest = try Manifest.decode(
            try readBytes(fix.appendingPathComponent("manifest.json")))
        // The new invoice, with the missing field (cus_6 is unchanged: no correction).
        XCTAssertEqual(
            fixManifest.eInvoicesMissing.map { "\($0.customer) \($0.fields)" },
            ["cus_7 [\"customers.cus_7.address: missing\"]"])
        // Every XML of the re-run (the kept invoices' and the corrections') validates.
        var eInvoices = folderEntries(fix.appendingPathComponent("invoices"))
            .filter { $0.hasSuffix(".xml") }.map { fix.appendingPathComponent("invoices/" + $0) }
        eInvoices += correctionXML.map { fix.appendingPathComponent("corrections/" + $0) }
        let problems = try UBLValidation.problems(eInvoices)
        XCTAssertEqual(problems, "", problems)
        for (name, result) in wanted where name != "cus_7.json" {
            let original = try XCTUnwrap(originals[name], name)
            let customer = try XCTUnwrap(original["customer"] as? String)
            let own = corrections.values.filter { $0["customer"] as? String == customer }
            for name in ["subtotal", "discounts", "tax", "total"] {
                var sum = try figure(original, name)
                for correction in own { sum += try figure(correction, name) }
                XCTAssertEqual(sum, try figure(result, name), "\(customer) \(name)")
            }
            var lines = try lineAmounts(original)
            for correction in own {
                lines.merge(try lineAmounts(correction)) { $0 + $1 }
            }
            XCTAssertEqual(
                lines.filter { $0.value != 0 }, try lineAmounts(result).filter { $0.value != 0 },
                customer)
        }

        // The re-run's books: the three tools accept them.
        let ledger = fix.appendingPathComponent("journal.ledger").path
        for (name, arguments) in [
            ("hledger", ["-f", ledger, "check"]), ("ledger", ["-f", ledger, "balance"]),
            ("bean-check", [fix.appendingPathComponent("journal.beancount").path]),
        ] {
            let checked = try tool(name, arguments, in: fix)
            XCTAssertEqual(checked.status, 0, "\(name): \(checked.transcript)")
        }
        // Each receivable holds what the customer owes for October: the issued amount due plus
        // the corrections' totals (a credit note lowers it), or the new invoice's amount due.
        var receivable: [String: Decimal] = [:]
        var correctionRows = 0
        for row in try readLines(fix.appendingPathComponent("journal.csv")).dropFirst() {
            let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(
                String.init)
            if fields[2] == "correction" { correctionRows += 1 }
            if fields[4].hasPrefix("Assets:Receivable:") {
                receivable[fields[3], default: 0] += try decimal(fields[5])
            }
        }
        XCTAssertGreaterThan(correctionRows, 0)
        for (name, document) in try documents(fix.appendingPathComponent("invoices")) {
            let customer = try XCTUnwrap(document["customer"] as? String)
            var owed = try decimal(document["amount_due"])
            for correction in corrections.values
            where correction["customer"] as? String == customer {
                owed += try decimal(correction["total"])
            }
            XCTAssertEqual(receivable[customer] ?? 0, owed, name)
        }

        // invoice-lines.csv: every document's rows sum to its subtotal (a correction's rows are
        // its differences), corrections after the invoices.
        var rowSums: [String: Decimal] = [:]
        var numbers: [String] = []
        for row in try readLines(fix.appendingPathComponent("invoice-lines.csv")).dropFirst() {
            let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(
                String.init)
            if numbers.last != fields[0] { numbers.append(fields[0]) }
            rowSums[fields[0], default: 0] += try decimal(fields[12])
        }
        XCTAssertEqual(numbers, numbers.sorted())
        var subtotals: [String: Decimal] = [:]
        for document in try documents(fix.appendingPathComponent("invoices")).values
            + Array(corrections.values)
        {
            subtotals[try XCTUnwrap(document["number"] as? String)] = try figure(
                document, "subtotal")
        }
        XCTAssertEqual(rowSums, subtotals)

        // Every document of the re-run, corrections included, follows schemas/.
        let schemas = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", Executables.packageRoot.appendingPathComponent("schemas/check.py").path,
                fix.path, fix.deletingLastPathComponent().appendingPathComponent("rate").path,
            ], in: work)
        XCTAssertEqual(schemas.status, 0, schemas.transcript)

        // The corrections finalized into history; the store chains to its first manifest.
        result = try pipeline(
            "close-period.sh", runID: "close-2", catalog: fixedCatalog,
            customers: fixedCustomers, ["--issued", store.path])
        XCTAssertEqual(result.status, 0, result.transcript)
        let storeManifest = try readObject(period.appendingPathComponent("manifest.json"))
        XCTAssertEqual(
            (storeManifest["builds_on"] as? [String: String])?["manifest_sha256"],
            SHA256.hash(firstStoreManifest))
        XCTAssertEqual(
            (storeManifest["totals"] as? [String: String])?["corrections"],
            String(corrections.count))
        XCTAssertEqual(
            try documents(period.appendingPathComponent("corrections")).count, corrections.count)
        // Closing again with nothing changed issues nothing and leaves history as it is.
        let secondStoreManifest = try readBytes(period.appendingPathComponent("manifest.json"))
        result = try pipeline(
            "close-period.sh", runID: "close-3", catalog: fixedCatalog,
            customers: fixedCustomers, ["--issued", store.path])
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertEqual(
            try readBytes(period.appendingPathComponent("manifest.json")), secondStoreManifest)
        let third = try readObject(
            root.appendingPathComponent("2026-10/close-3/invoice/manifest.json"))
        XCTAssertEqual((third["totals"] as? [String: String])?["corrections_new"], "0")

        // One byte edited in an issued document: verify names it, and a re-run refuses (3).
        let document = period.appendingPathComponent("invoices/cus_1.json")
        let original = try readBytes(document)
        var edited = original
        edited[edited.count / 2] ^= 0x01
        try Data(edited).write(to: document)
        let storeSchemas = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", Executables.packageRoot.appendingPathComponent("schemas/check.py").path,
                period.path,
            ], in: work)
        XCTAssertEqual(storeSchemas.status, 0, storeSchemas.transcript)
        let verify = try runProcess(try Executables.invoice(), ["verify", period.path], in: work)
        XCTAssertEqual(verify.status, 1, verify.transcript)
        XCTAssertTrue(
            verify.standardOutput.contains("\(document.path): SHA-256"), verify.transcript)
        result = try pipeline(
            "nightly.sh", runID: "after-edit", catalog: fixedCatalog, customers: fixedCustomers,
            ["--issued", store.path])
        XCTAssertEqual(result.status, 3, result.transcript)
        XCTAssertTrue(
            result.standardError.contains("an issued document was edited"), result.transcript)
        try Data(original).write(to: document)

        // One byte edited in a run's manifest: verify names it.
        let manifest = fix.appendingPathComponent("manifest.json")
        var bytes = try readBytes(manifest)
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: manifest)
        let verifyRun = try runProcess(try Executables.invoice(), ["verify", fix.path], in: work)
        XCTAssertEqual(verifyRun.status, 1, verifyRun.transcript)
        XCTAssertTrue(verifyRun.standardOutput.contains(manifest.path), verifyRun.transcript)
    }
}

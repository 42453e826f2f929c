import Foundation
import TestSupport
import XCTest

/// Journal account names from ids (issue 10): ids that would share an account or an invoice
/// file are a configuration error for both stages (exit 2, every group listed, nothing
/// written).
final class AccountNameTests: XCTestCase {
    /// Charge keys `api_calls` (basic, usage) and `api-calls` (pro, recurring) share
    /// `Api-calls`: keys are checked across both income roots.
    static let catalog = """
        version: 1
        currency: USD
        meters:
          calls: { aggregation: count }
        plans:
          pro:
            charges:
              - { key: api-calls, type: recurring, amount: "5.00", schedule: monthly }
          basic:
            charges:
              - { key: api_calls, meter: calls, model: per_unit, unit_price: "0.40" }
              - { key: seats, type: recurring, amount: "10.00", schedule: monthly }
        """

    /// `cus_1`, `cus-1` and `Cus.1` share `Cus-1`; `a/b` and `A-b` share the invoice file
    /// `A-b` (and the account `A-b`); tax names `V.A.T` and `V-A-T` share `V-A-T`.
    static let customers = """
        customers:
          cus_1:
            tax: { name: V.A.T, rate: "0.19" }
            subscriptions: [{ plan: basic, start: 2026-01-01 }]
          cus-1:
            subscriptions: [{ plan: basic, start: 2026-01-01 }]
          Cus.1:
            subscriptions: [{ plan: basic, start: 2026-01-01 }]
          a/b:
            tax: { name: V-A-T, rate: "0.19" }
            subscriptions: [{ plan: basic, start: 2026-01-01 }]
          A-b:
            subscriptions: [{ plan: basic, start: 2026-01-01 }]
          cus_2:
            tax: { name: VAT, rate: "0.19" }
            subscriptions: [{ plan: basic, start: 2026-01-01 }]
        """

    static let advice =
        "; account names keep only the ASCII letters and digits of an id (the first one "
        + "capitalized), so make the ids differ in those"

    /// Every group, in order: the catalog's charge keys, then the customers' ids (accounts,
    /// then invoice files) and tax names.
    static let expectedErrors = [
        "catalog.yaml: plans: charge keys \"api-calls\" (plans.pro.charges[0].key) and "
            + "\"api_calls\" (plans.basic.charges[0].key) would share the journal account "
            + "name Api-calls (Income:Recurring:Api-calls, Income:Usage:Api-calls)" + advice,
        "customers.yaml: customers: customer ids \"A-b\" and \"a/b\" would share the journal "
            + "accounts Assets:Receivable:A-b and Liabilities:Credits:A-b" + advice,
        "customers.yaml: customers: customer ids \"Cus.1\", \"cus-1\" and \"cus_1\" would share "
            + "the journal accounts Assets:Receivable:Cus-1 and Liabilities:Credits:Cus-1"
            + advice,
        "customers.yaml: customers: customer ids \"A-b\" and \"a/b\" would share the invoice "
            + "files invoices/A-b.json and .html (an id that is not a safe file name is written "
            + "by the account-name rule); rename one of them",
        "customers.yaml: customers: tax names \"V-A-T\" (customers.a/b.tax.name) and \"V.A.T\" "
            + "(customers.cus_1.tax.name) would share the journal account Liabilities:Tax:V-A-T"
            + advice,
    ]

    func makeScenario(
        customers: String = customers, customersName: String = "customers.yaml"
    )
        throws -> (work: URL, catalog: URL, customers: URL, events: URL)
    {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customersFile = try writeFile(customersName, customers, in: work)
        let events = try writeFile(
            "events.ndjson",
            #"{"id":"e1","customer":"cus_2","meter":"calls","ts":"2026-10-05T10:00:00Z"}"# + "\n",
            in: work)
        return (work, catalog, customersFile, events)
    }

    func testRateRefusesIdsThatShareANameListingEveryGroup() throws {
        let (work, catalog, customers, events) = try makeScenario()
        let output = work.appendingPathComponent("out", isDirectory: true)
        let before = folderEntries(work)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [events.path]),
            in: work)
        XCTAssertEqual(result.status, 2, result.transcript)
        // Exactly these errors: the scenario is otherwise valid.
        XCTAssertEqual(
            result.standardError,
            "rate: invalid configuration; nothing was written:\n"
                + Self.expectedErrors.joined(separator: "\n") + "\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        XCTAssertEqual(folderEntries(work), before, "no lock file, no temporary folder")
    }

    func testInvoiceRefusesIdsThatShareANameBeforeReadingTheRatedFolder() throws {
        let (work, catalog, customers, _) = try makeScenario()
        let output = work.appendingPathComponent("invoices-out", isDirectory: true)
        let result = try runProcess(
            try Executables.invoice(),
            [
                "--catalog", catalog.path, "--customers", customers.path, "--period", "2026-10",
                "--rated", work.appendingPathComponent("no-such-rated").path,
                "--output", output.path,
            ], in: work)
        XCTAssertEqual(result.status, 2, result.transcript)
        XCTAssertEqual(
            result.standardError,
            "invoice: invalid configuration; nothing was written:\n"
                + Self.expectedErrors.joined(separator: "\n") + "\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    /// From NDJSON, errors name the file and, for a tax name, the customer (no YAML path).
    func testNDJSONCustomersNameTheFileAndTheCustomer() throws {
        func line(_ id: String, tax: String) -> String {
            #"{"id":"\#(id)","tax":{"name":"\#(tax)","rate":"0.19"},"#
                + #""subscriptions":[{"plan":"basic","start":"2026-01-01"}]}"# + "\n"
        }
        let ndjson = line("cus_1", tax: "V.A.T") + line("cus-1", tax: "V-A-T")
        let (work, catalog, customers, events) = try makeScenario(
            customers: ndjson, customersName: "customers.ndjson")
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [events.path]),
            in: work)
        XCTAssertEqual(result.status, 2, result.transcript)
        let expected = [
            Self.expectedErrors[0],
            "customers.ndjson: customer ids \"cus-1\" and \"cus_1\" would share the journal "
                + "accounts Assets:Receivable:Cus-1 and Liabilities:Credits:Cus-1" + Self.advice,
            "customers.ndjson: tax names \"V-A-T\" (customer \"cus-1\") and \"V.A.T\" (customer "
                + "\"cus_1\") would share the journal account Liabilities:Tax:V-A-T" + Self.advice,
        ]
        XCTAssertEqual(
            result.standardError,
            "rate: invalid configuration; nothing was written:\n"
                + expected.joined(separator: "\n") + "\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}

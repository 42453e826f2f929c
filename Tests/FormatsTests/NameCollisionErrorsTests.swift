import XCTest

@testable import Formats
@testable import Pricing

/// `StageConfiguration.nameCollisions`: ids that would share a journal account or an invoice
/// file, as configuration errors naming the file, the YAML path and every id.
final class NameCollisionErrorsTests: XCTestCase {
    static let advice =
        "; account names keep only the ASCII letters and digits of an id (the first one "
        + "capitalized), so make the ids differ in those"

    func load(
        catalog: String, customers: String, customersFile: String = "customers.yaml"
    )
        throws -> [ConfigError]
    {
        let loadedCatalog = try CatalogLoader.load(text: catalog, file: "catalog.yaml")
        let loadedCustomers = try CustomersLoader.load(
            text: customers, file: customersFile, catalog: loadedCatalog,
            zones: TimeZoneDirectory())
        return StageConfiguration.nameCollisions(
            AccountIDs(catalog: loadedCatalog, customers: loadedCustomers),
            catalog: loadedCatalog, catalogFile: "catalog.yaml", customers: loadedCustomers,
            customersFile: customersFile)
    }

    /// A catalog with two plans; `extra` adds charges to the second.
    func catalog(accounts: String = "", extra: String = "") -> String {
        """
        version: 1
        currency: USD
        meters:
          calls: { aggregation: count }
        plans:
          zeta:
            charges:
              - { key: api_calls, meter: calls, model: per_unit, unit_price: "0.50" }
          alpha:
            charges:
              - { key: seats, amount: "10.00", schedule: monthly }
        \(extra)
        \(accounts)
        """
    }

    func testCleanConfigurationHasNoErrors() throws {
        let customers = """
            customers:
              cus_1:
                tax: { name: VAT, rate: "0.19" }
                subscriptions: [{ plan: zeta, start: 2026-01-01 }]
              cus_2:
                tax: { name: VAT, rate: "0.19" }
                subscriptions: [{ plan: alpha, start: 2026-01-01 }]
              acme.de:
                subscriptions: [{ plan: alpha, start: 2026-01-01 }]
            """
        XCTAssertEqual(try load(catalog: catalog(), customers: customers), [])
    }

    /// Each kind of collision, located, with the catalog's own account roots in the names.
    func testEveryKindIsListedWithItsPlaceAndTheSharedName() throws {
        let catalogText = catalog(
            accounts: "accounts: { receivable: \"Assets:AR\", tax: \"Liabilities:VAT-Due\" }",
            extra: "      - { key: api.calls, meter: calls, model: per_unit, unit_price: \"1\" }")
        let customers = """
            customers:
              acme:
                tax: { name: v_a_t, rate: "0.19" }
                subscriptions: [{ plan: zeta, start: 2026-01-01 }]
              Acme:
                subscriptions: [{ plan: zeta, start: 2026-01-01 }]
              x/y:
                subscriptions: [{ plan: zeta, start: 2026-01-01 }]
              X-y:
                tax: { name: V.a.t, rate: "0.19" }
                subscriptions: [{ plan: zeta, start: 2026-01-01 }]
            """
        let errors = try load(catalog: catalogText, customers: customers)
        func located(_ file: String, _ path: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: nil, column: nil, path: path, message: message)
        }
        XCTAssertEqual(
            errors,
            [
                located(
                    "catalog.yaml", "plans",
                    "charge keys \"api.calls\" (plans.alpha.charges[1].key) and \"api_calls\" "
                        + "(plans.zeta.charges[0].key) would share the journal account name "
                        + "Api-calls (Income:Usage:Api-calls)" + Self.advice),
                located(
                    "customers.yaml", "customers",
                    "customer ids \"Acme\" and \"acme\" would share the journal accounts "
                        + "Assets:AR:Acme and Liabilities:Credits:Acme" + Self.advice),
                located(
                    "customers.yaml", "customers",
                    "customer ids \"X-y\" and \"x/y\" would share the journal accounts "
                        + "Assets:AR:X-y and Liabilities:Credits:X-y" + Self.advice),
                located(
                    "customers.yaml", "customers",
                    "customer ids \"X-y\" and \"x/y\" would share the invoice files "
                        + "invoices/X-y.json and .html (an id that is not a safe file name is "
                        + "written by the account-name rule); rename one of them"),
                located(
                    "customers.yaml", "customers",
                    "tax names \"V.a.t\" (customers.X-y.tax.name) and \"v_a_t\" "
                        + "(customers.acme.tax.name) would share the journal account "
                        + "Liabilities:VAT-Due:V-a-t" + Self.advice),
            ])
    }
}

import Pricing

#if canImport(Glibc)
    import Glibc
#endif

/// A stage run that cannot go on: the exit status and the message for standard error.
public struct StageFailure: Error, CustomStringConvertible {
    public let status: ExitStatus
    public let message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}

/// The catalog and customers every stage starts from, with the files they came from.
public struct StageConfiguration {
    public let catalogFile: ConfigFile
    public let customersFile: ConfigFile
    public let catalog: Catalog
    /// Sorted by id (bytewise).
    public let customers: [Customer]

    /// Reads and checks both files: an unreadable file is a usage error (exit 1), an invalid one
    /// exit 2 with every problem listed. Ids that would share a journal account or an invoice
    /// file (`nameCollisions`) make the pair invalid too, for `rate` as for `invoice`: the
    /// operator hears it before the period is rated, not after.
    public static func load(catalogPath: String, customersPath: String) throws(StageFailure)
        -> StageConfiguration
    {
        let limit = ConfigLimits().fileBytesMax
        let catalogFile: ConfigFile
        let customersFile: ConfigFile
        do {
            catalogFile = try ConfigFile(path: catalogPath, bytesMax: limit)
            customersFile = try ConfigFile(
                path: customersPath, bytesMax: limit,
                largeFileAdvice: customersYAMLAdvice(customersPath))
        } catch {
            throw StageFailure(.usage, "\(error)")
        }
        do {
            let catalog = try CatalogLoader.load(
                text: catalogFile.text, file: catalogFile.name,
                folder: CatalogLoader.folder(ofCatalogPath: catalogPath))
            let customers = try CustomersLoader.load(
                text: customersFile.text, file: customersFile.name, catalog: catalog,
                zones: TimeZoneDirectory())
            let accountIDs = AccountIDs(catalog: catalog, customers: customers)
            let collisions = nameCollisions(
                accountIDs, catalog: catalog, catalogFile: catalogFile.name,
                customers: customers, customersFile: customersFile.name)
            if !collisions.isEmpty { throw ConfigErrors(collisions) }
            return StageConfiguration(
                catalogFile: catalogFile, customersFile: customersFile, catalog: catalog,
                customers: customers)
        } catch let errors as ConfigErrors {
            throw StageFailure(
                .invalidConfiguration, "invalid configuration; nothing was written:\n\(errors)")
        } catch {
            throw StageFailure(.invalidConfiguration, "\(error)")
        }
    }
}

extension StageConfiguration {
    /// One error per group of ids that would share a name: charge keys (one journal account
    /// component, in the catalog file), then customer ids (one receivable and credits account;
    /// one invoice file) and tax names (one tax account), in the customers file. Each lists the
    /// ids bytewise with where they are defined and the name they would share.
    public static func nameCollisions(
        _ accountIDs: AccountIDs, catalog: Catalog, catalogFile: String,
        customers: [Customer], customersFile: String
    ) -> [ConfigError] {
        let yaml = !(customersFile.hasSuffix(".ndjson") || customersFile.hasSuffix(".jsonl"))
        let accounts = accountIDs.accounts
        let advice =
            "; account names keep only the ASCII letters and digits of an id (the first one "
            + "capitalized), so make the ids differ in those"
        func quoted(_ text: String) -> String { "\"\(text)\"" }
        /// `a, b and c`.
        func listed(_ items: [String]) -> String {
            items.dropLast().joined(separator: ", ") + " and " + (items.last ?? "")
        }
        func error(_ file: String, _ path: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: nil, column: nil, path: path, message: message)
        }
        var errors: [ConfigError] = []
        if !accountIDs.chargeCollisions.isEmpty {
            // Where each charge key is first defined (plans in key order), and the income
            // roots its charges post to.
            var chargePlaces: [String: String] = [:]
            var chargeRoots: [String: Set<String>] = [:]
            let planKeys = catalog.plans.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for planKey in planKeys {
                for (index, charge) in (catalog.plans[planKey]?.charges ?? []).enumerated() {
                    if chargePlaces[charge.key] == nil {
                        chargePlaces[charge.key] = "plans.\(planKey).charges[\(index)].key"
                    }
                    switch charge {
                    case .usage: chargeRoots[charge.key, default: []].insert(accounts.usageIncome)
                    case .recurring:
                        chargeRoots[charge.key, default: []].insert(accounts.recurringIncome)
                    }
                }
            }
            for group in accountIDs.chargeCollisions {
                let keys = group.ids.map { "\(quoted($0)) (\(chargePlaces[$0] ?? "plans"))" }
                let roots = group.ids.reduce(into: Set<String>()) {
                    $0.formUnion(chargeRoots[$1] ?? [])
                }
                let names = roots.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                    .map { "\($0):\(group.name)" }
                errors.append(
                    error(
                        catalogFile, "plans",
                        "charge keys \(listed(keys)) would share the journal account name "
                            + "\(group.name) (\(names.joined(separator: ", ")))\(advice)"))
            }
        }
        let customersPath = yaml ? "customers" : ""
        for group in accountIDs.customerCollisions {
            let receivable = "\(accounts.receivable):\(group.name)"
            let credits = "\(accounts.credits):\(group.name)"
            errors.append(
                error(
                    customersFile, customersPath,
                    "customer ids \(listed(group.ids.map(quoted))) would share the journal "
                        + "accounts \(receivable) and \(credits)\(advice)"))
        }
        for group in CustomerFileName.collisions(customers.map(\.id)) {
            errors.append(
                error(
                    customersFile, customersPath,
                    "customer ids \(listed(group.ids.map(quoted))) would share the invoice "
                        + "files invoices/\(group.name).json and .html (an id that is not a safe "
                        + "file name is written by the account-name rule); rename one of them"))
        }
        if !accountIDs.taxCollisions.isEmpty {
            // The first customer (bytewise) naming each tax.
            var taxPlaces: [String: String] = [:]
            for customer in customers {
                if let name = customer.tax?.name, taxPlaces[name] == nil {
                    let yamlPath = "customers.\(customer.id).tax.name"
                    taxPlaces[name] = yaml ? yamlPath : "customer \(quoted(customer.id))"
                }
            }
            for group in accountIDs.taxCollisions {
                let names = group.ids.map { "\(quoted($0)) (\(taxPlaces[$0] ?? "customers"))" }
                let account = "\(accounts.tax):\(group.name)"
                errors.append(
                    error(
                        customersFile, customersPath,
                        "tax names \(listed(names)) would share the journal account "
                            + "\(account)\(advice)"))
            }
        }
        return errors
    }
}

extension OutputFolder {
    /// Takes the output folder for a run: exit 5 when another run holds it, 1 when the path
    /// cannot be used.
    ///
    /// When an interrupted earlier run left no target, the folder restored in its place is
    /// named on standard error, so the operator sees why an output reappeared.
    public static func lockedForRun(target: String) throws(StageFailure) -> OutputFolder {
        do {
            let folder = try OutputFolder(target: target)
            if let restored = folder.restoredFrom {
                fputs(
                    "note: output folder '\(target)' was missing after an interrupted run; "
                        + "restored it from '\(restored)' before writing the new one\n", stderr)
            }
            return folder
        } catch let error as OutputError {
            if case .locked = error { throw StageFailure(.locked, "\(error)") }
            throw StageFailure(.usage, "\(error)")
        } catch {
            throw StageFailure(.usage, "\(error)")
        }
    }
}

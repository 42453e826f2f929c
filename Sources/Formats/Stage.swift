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
    /// exit 2 with every problem listed.
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
